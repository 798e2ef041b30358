import * as ascii from '../util/ascii';
import { foldLeet, isLeetSymbol } from './leet';
import { SPACED_SEED_RE } from './patterns';
import { knownWordCost, MAX_WORD } from './segment';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiDigit, isAsciiLower } = ascii;

/** Minimum number of single characters that make a spaced-out run. */
export const MIN_SPACED_RUN = 4;
const MAX_SEPARATOR = 3;

const isUnit = (c: number): boolean => isAsciiLower(c) || isAsciiDigit(c);
/** Separators between spaced-out letters: space, tab, `.`, `-`, `_`, `*`, `,`, `/`, `|`, `~`. */
export const isSeparator = (c: number): boolean =>
  c === 0x20 ||
  c === 0x09 ||
  c === 0x2e ||
  c === 0x2d ||
  c === 0x5f ||
  c === 0x2a ||
  c === 0x2c ||
  c === 0x2f ||
  c === 0x7c ||
  c === 0x7e;

/** Whether position `i` holds a single alphanumeric not touching another alphanumeric. */
const isSingle = (s: string, i: number): boolean =>
  i < s.length &&
  isUnit(s.charCodeAt(i)) &&
  (i === 0 || !isUnit(s.charCodeAt(i - 1))) &&
  (i + 1 >= s.length || !isUnit(s.charCodeAt(i + 1)));

/**
 * Collapses spaced-out letters in lowercase text: runs of ≥ 4 single letters/digits separated by
 * 1–3 separator characters (`h o w  t o` / `h.o.w.t.o` / `h-o-w`). A separator longer than one
 * character, or one that differs from the run's first separator, marks a word gap and becomes one
 * space: `h o w  t o  m a k e` → `how to make`. Collapsed runs are also leet-folded
 * (`h 4 c k` → `hack`), reported by `leet`, so no separate despace+leet view of the whole text is needed. Linear: candidate starts come from one regex scan
 * and each run is walked once. `text` is the input itself when nothing changed.
 */
export function collapseSpacedLetters(s: string): { text: string; leet: boolean } {
  const parts: string[] = [];
  let leet = false;
  let last = 0;
  const seeds = SPACED_SEED_RE;
  seeds.lastIndex = 0;
  for (let m = seeds.exec(s); m !== null; m = seeds.exec(s)) {
    const start = m.index;
    let out = s[start] ?? '';
    let units = 1;
    let firstSep = '';
    let end = start + 1;
    for (;;) {
      let k = end;
      while (k < s.length && k - end < MAX_SEPARATOR && isSeparator(s.charCodeAt(k))) k++;
      if (k === end || !isSingle(s, k)) break;
      const sep = s.slice(end, k);
      if (firstSep === '' && sep.length === 1) firstSep = sep;
      if (sep.length > 1 || sep !== firstSep) out += ' ';
      out += s[k] ?? '';
      units++;
      end = k + 1;
    }
    if (units >= MIN_SPACED_RUN) {
      const folded = foldLeet(out);
      if (folded !== out) leet = true;
      parts.push(s.slice(last, start), folded);
      last = end;
    }
    seeds.lastIndex = Math.max(end, start + 1);
  }
  if (parts.length === 0) return { text: s, leet };
  parts.push(s.slice(last));
  return { text: parts.join(''), leet };
}

/** Single-character tokens joined in all, at least, before text is read as spaced-out words. */
export const MIN_SPACED_TOKENS = 12;
/**
 * Fewer joins suffice when they spell English: at least this many joins inside words the word list knows
 * (`segment.ts`), and those at least half of all joins. A short spaced-out request (`m  a  k  e    a    b  o  m  b`:
 * 7 joins) is read; a short grid or matrix (`x  o  x  o`, `a    b    c    d`) is not.
 */
export const MIN_ENGLISH_JOINS = 3;
/**
 * Widest gap of spaces that may join the characters of a spaced-out passage ({@link readSpacedWords}):
 * letters set 4–8 spaces apart, words further still, read as well as the usual 1–3.
 */
export const MAX_SPACED_GAP = 8;

const isBlank = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Whether `[start, end)` is one code point (a lone character, a surrogate pair included). */
const isOneChar = (s: string, start: number, end: number): boolean =>
  end - start === 1 ||
  (end - start === 2 &&
    (s.charCodeAt(start) & 0xfc00) === 0xd800 &&
    (s.charCodeAt(start + 1) & 0xfc00) === 0xdc00);

/**
 * A joined word leet-folded when, quotes and brackets around it aside, it is made of letters and leet
 * symbols only, with at least as many letters (`'h4ck'`), so addresses, dates and ids
 * (`bot@example.com`, `2022-02-28t14:00`, `efg4567`) keep their digits and symbols. `heldBack` says a
 * word of letters and leet symbols only was left unfolded for having more symbols than letters
 * (`570r3`, `70`): heavy leetspeak or a number, which only the whole-passage fold can tell apart.
 */
function foldSpacedWord(word: string): { text: string; leet: boolean; heldBack: boolean } {
  const inWord = (c: number): boolean => isAsciiLower(c) || isLeetSymbol(c);
  let start = 0;
  let end = word.length;
  while (start < end && !inWord(word.charCodeAt(start))) start++;
  while (end > start && !inWord(word.charCodeAt(end - 1))) end--;
  let letters = 0;
  let symbols = 0;
  for (let i = start; i < end; i++) {
    const c = word.charCodeAt(i);
    if (isAsciiLower(c)) letters++;
    else if (isLeetSymbol(c)) symbols++;
    else return { text: word, leet: false, heldBack: false };
  }
  if (symbols === 0) return { text: word, leet: false, heldBack: false };
  if (letters < symbols) return { text: word, leet: false, heldBack: true };
  const text = foldLeet(word);
  return { text, leet: text !== word, heldBack: false };
}

/** Whether a joined word, quotes and punctuation around it aside, is a word the list knows (`segment.ts`). */
function isEnglishWord(word: string): boolean {
  let start = 0;
  let end = word.length;
  while (start < end && !isAsciiLower(word.charCodeAt(start))) start++;
  while (end > start && !isAsciiLower(word.charCodeAt(end - 1))) end--;
  if (end - start < 2 || end - start > MAX_WORD) return false;
  for (let i = start; i < end; i++) if (!isAsciiLower(word.charCodeAt(i))) return false;
  return knownWordCost(word.slice(start, end)) !== undefined;
}

/**
 * Text written with every character spaced out and the words set apart by a wider gap (garak's and
 * promptfoo's "spacing": `{ ' i d ' :   ' r e p _ 1 ' }`) read back with its punctuation in place
 * (`{'id': 'rep_1'}`), which the letter-only despacer below loses. A run of single-character tokens
 * (any character: letters, digits, quotes, brackets) is one spaced passage; inside it the narrowest
 * gap of spaces (1 to {@link MAX_SPACED_GAP}) joins characters and any wider gap, or one holding a tab or line break, parts
 * words. A lone word written normally inside the passage (`h o w   to   m a k e`) parts it in two,
 * each read alone. Joined words of letters and leet symbols alone, with no more symbols than letters,
 * are leet-folded like despaced runs; addresses, dates and ids are not. Undefined unless at least
 * {@link MIN_SPACED_TOKENS} characters were joined and one passage joins two letters or digits (which
 * the scan's `spaced` seed also sees, so that gate is sound for this reading), or fewer joins that mostly
 * spell English words ({@link MIN_ENGLISH_JOINS}). `heldBack` says a joined
 * word was left unfolded for being mostly leet symbols ({@link foldSpacedWord}); the caller then also
 * reads the passage through the letter despacer, which folds every run, so spaced-out heavy leetspeak
 * (`h 0 w   7 0   m 4 k 3`) is read as before. Linear: each token is visited twice.
 */
export function readSpacedWords(s: string): { text: string; leet: boolean; heldBack: boolean } | undefined {
  const n = s.length;
  const out: string[] = [];
  let leet = false;
  let heldBack = false;
  let joinedTotal = 0;
  let englishJoins = 0;
  let seeded = false;
  /** A word of the passage read back: folded, and its joins counted when it is an English word. */
  const finish = (word: string, joins: number): string => {
    const folded = foldSpacedWord(word);
    if (folded.leet) leet = true;
    if (folded.heldBack) heldBack = true;
    if (joins > 0 && englishJoins < MIN_SPACED_TOKENS && isEnglishWord(folded.text)) englishJoins += joins;
    return folded.text;
  };
  let last = 0;
  // Next token at or after `i`: [start, end), or start === n when none.
  const tokenAt = (i: number): [number, number] => {
    let a = i;
    while (a < n && isBlank(s.charCodeAt(a))) a++;
    let b = a;
    while (b < n && !isBlank(s.charCodeAt(b))) b++;
    return [a, b];
  };
  /** Width of the gap [from, to) when it is spaces only, else 0 (a word gap in any case). */
  const spaces = (from: number, to: number): number => {
    for (let k = from; k < to; k++) if (s.charCodeAt(k) !== 0x20) return 0;
    return to - from;
  };
  const unit = (c: number): boolean => isAsciiLower(c) || isAsciiDigit(c);
  let [start, end] = tokenAt(0);
  while (start < n) {
    if (!isOneChar(s, start, end)) {
      [start, end] = tokenAt(end);
      continue;
    }
    // A passage: single-character tokens in a row. First pass: its end, the narrowest space gap, and
    // whether two letters/digits stand that narrow gap apart.
    const first = start;
    let count = 1;
    let narrowest = Number.POSITIVE_INFINITY;
    const pairAt: boolean[] = new Array(MAX_SPACED_GAP + 1).fill(false);
    let prevEnd = end;
    let passageEnd = end;
    for (;;) {
      const [a, b] = tokenAt(prevEnd);
      if (a >= n || !isOneChar(s, a, b)) break;
      const w = spaces(prevEnd, a);
      if (w > 0 && w < narrowest) narrowest = w;
      if (w > 0 && w <= MAX_SPACED_GAP && unit(s.charCodeAt(prevEnd - 1)) && unit(s.charCodeAt(a)))
        pairAt[w] = true;
      count++;
      prevEnd = b;
      passageEnd = b;
    }
    if (count >= 2 && narrowest <= MAX_SPACED_GAP && pairAt[narrowest] === true) {
      // Second pass: join at the narrowest gap, keep every other gap as it is.
      out.push(s.slice(last, first));
      let word = '';
      let wordJoins = 0;
      let at = first;
      let e = end;
      for (;;) {
        word += s.slice(at, e);
        if (e >= passageEnd) break;
        const [a, b] = tokenAt(e);
        if (spaces(e, a) === narrowest) {
          joinedTotal++;
          wordJoins++;
        } else {
          out.push(finish(word, wordJoins), s.slice(e, a));
          word = '';
          wordJoins = 0;
        }
        at = a;
        e = b;
      }
      out.push(finish(word, wordJoins));
      last = passageEnd;
      seeded = true;
    }
    [start, end] = tokenAt(passageEnd);
  }
  if (!seeded) return undefined;
  if (joinedTotal < MIN_SPACED_TOKENS && (englishJoins < MIN_ENGLISH_JOINS || englishJoins * 2 < joinedTotal))
    return undefined;
  out.push(s.slice(last));
  return { text: out.join(''), leet, heldBack };
}

/** Separators that token splitting puts inside a word (`ma-ke`, `bo.mb`, `ex_plo*sive`). */
export const INNER_SEPARATORS = ['-', '.', '_', '*'] as const;
/** Inner separators needed, at least this many, and one per {@link WORDS_PER_JOIN} words. */
export const MIN_JOINS = 2;
const WORDS_PER_JOIN = 6;

/** Cost above which a listed word counts as rare (rank above ≈ 2,000), so it may be a piece of a split word. */
const RARE = 10;

/**
 * The cost of the word that letter runs `a` and `b` make together, when joining them is the better
 * reading: the joined word is English (`segment.ts`), cheaper than the two pieces, and at least one piece
 * is not a word or a rare one. Two common words that also make one (`be at`, `fire arms`) stay apart.
 */
function joinCost(a: string, b: string): number | undefined {
  if (a.length + b.length > MAX_WORD) return undefined;
  const joined = knownWordCost(a + b);
  if (joined === undefined) return undefined;
  const ca = knownWordCost(a) ?? Number.POSITIVE_INFINITY;
  const cb = knownWordCost(b) ?? Number.POSITIVE_INFINITY;
  if (ca <= RARE && cb <= RARE) return undefined;
  return joined < ca + cb ? joined : undefined;
}

/**
 * Word pieces split by one space rejoined (`t rain` → train, `b omb` → bomb, see {@link joinCost}). Where
 * a piece could join either neighbour (`to t rain`), the cheaper (more frequent) word wins. A joined word
 * is not joined again. Linear: one pass over the runs, a bounded number of table lookups per run.
 */
function rejoinSpaceSplits(s: string): { readonly text: string; readonly joins: number } {
  // Letter runs that stand alone as words between single spaces: [start, end) pairs.
  const runs: number[] = [];
  const n = s.length;
  for (let i = 0; i < n; ) {
    if (!isAsciiLower(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isAsciiLower(s.charCodeAt(i))) i++;
    runs.push(start, i);
  }
  const out: string[] = [];
  let last = 0;
  const word = (k: number): string => s.slice(runs[k] as number, runs[k + 1] as number);
  // Whether runs k and k + 2 are neighbours across one space, as whole words.
  const adjacent = (k: number): boolean => {
    if (k + 3 >= runs.length) return false;
    const aStart = runs[k] as number;
    const aEnd = runs[k + 1] as number;
    const bEnd = runs[k + 3] as number;
    return (
      runs[k + 2] === aEnd + 1 &&
      s.charCodeAt(aEnd) === 0x20 &&
      (aStart === 0 || s.charCodeAt(aStart - 1) === 0x20) &&
      s.charCodeAt(bEnd) !== 0x27
    );
  };
  let joins = 0;
  for (let k = 0; k + 3 < runs.length; k += 2) {
    if (!adjacent(k)) continue;
    const here = joinCost(word(k), word(k + 2));
    if (here === undefined) continue;
    const next = adjacent(k + 2) ? joinCost(word(k + 2), word(k + 4)) : undefined;
    if (next !== undefined && next < here) continue;
    out.push(s.slice(last, runs[k + 1] as number));
    last = runs[k + 2] as number;
    joins++;
    k += 2;
  }
  if (last === 0) return { text: s, joins };
  out.push(s.slice(last));
  return { text: out.join(''), joins };
}

/**
 * Token splitting undone: in lowercase text where words are broken inside by `-`, `.`, `_` or `*`
 * between two letters (promptfoo / guardrail-evasion "token splitting"), those separators are dropped
 * (`ma-ke a bo.mb` → `make a bomb`), and words broken by a space are rejoined with the word list where
 * the pieces are not both words ({@link rejoinSpaceSplits}: `b omb` → bomb). Undefined unless the
 * breaks are dense: at least {@link MIN_JOINS} inner separators, and one break (an inner separator or
 * a space rejoined) per {@link WORDS_PER_JOIN} words, half of that density from inner separators alone —
 * a splitter that breaks words with spaces as well as symbols (`instr uct so meone on how to cr-eate a
 * b omb`) counts both. Ordinary hyphenated prose keeps one view. Linear: native `indexOf` per
 * separator, then one pass.
 */
export function joinSplitTokens(s: string): string | undefined {
  const at: number[] = [];
  for (const sep of INNER_SEPARATORS) {
    for (let i = s.indexOf(sep); i >= 0; i = s.indexOf(sep, i + 1)) {
      if (isAsciiLower(s.charCodeAt(i - 1)) && isAsciiLower(s.charCodeAt(i + 1))) at.push(i);
    }
  }
  if (at.length < MIN_JOINS) return undefined;
  let words = 1;
  for (let i = s.indexOf(' '); i >= 0; i = s.indexOf(' ', i + 1)) words++;
  // Symbols must make at least half the density on their own: prose with a few hyphens is not read again.
  if (at.length * WORDS_PER_JOIN * 2 < words) return undefined;
  at.sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const i of at) {
    parts.push(s.slice(last, i));
    last = i + 1;
  }
  parts.push(s.slice(last));
  const rejoined = rejoinSpaceSplits(parts.join(''));
  return (at.length + rejoined.joins) * WORDS_PER_JOIN < words ? undefined : rejoined.text;
}
