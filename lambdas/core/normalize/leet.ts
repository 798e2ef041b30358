import * as ascii from '../util/ascii';
import { LEET_SYMBOLS_RE } from './patterns';
import { knownWordCost, MAX_WORD } from './segment';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiDigit, isAsciiLower } = ascii;

/** Leetspeak substitutions (applied to lowercase text). `1` is special-cased: see {@link foldLeetToken}. */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '6': 'g',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '+': 't',
};

export const isLeetSymbol = (c: number): boolean =>
  isAsciiDigit(c) ||
  c === 0x40 /* @ */ ||
  c === 0x24 /* $ */ ||
  c === 0x21 /* ! */ ||
  c === 0x7c /* | */ ||
  c === 0x2b; /* + */

const isTokenChar = (c: number): boolean => isAsciiLower(c) || isLeetSymbol(c);

/**
 * Folds one token that mixes letters with digits/symbols. A run of two or more `1`s becomes `l`s
 * (`ki11` → `kill`), a single `1` becomes `i` (`k1d` → `kid`). `!`, `|` and `+` only count inside a
 * token, so `hello!` keeps its exclamation mark.
 */
export function foldLeetToken(token: string): string {
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const ch = token[i] ?? '';
    const interior = i > 0 && i < token.length - 1;
    if (ch === '1') {
      const double = token[i - 1] === '1' || token[i + 1] === '1';
      out += double ? 'l' : 'i';
    } else if ((ch === '!' || ch === '|' || ch === '+') && !interior) {
      out += ch;
    } else {
      out += LEET[ch] ?? ch;
    }
  }
  return out;
}

/** Longest token considered a disguised word; longer ones are identifiers, hashes or encodings. */
export const MAX_LEET_TOKEN = 24;

/** A token is folded only if it is word-sized (long tokens are identifiers, hashes or encodings). */
const looksLikeWord = (token: string): boolean => token.length <= MAX_LEET_TOKEN;

/**
 * Leetspeak view of lowercase text: only tokens in which a letter touches a digit or leet symbol are
 * folded (runs of digits/symbols are found by one regex scan, each token expanded once), so plain numbers ("2024", "3.5") stay, and so do tokens longer than {@link MAX_LEET_TOKEN} (hashes, encodings). Returns the input itself when nothing changed.
 */
export function foldLeet(text: string): string {
  const symbols = LEET_SYMBOLS_RE;
  symbols.lastIndex = 0;
  const parts: string[] = [];
  let last = 0;
  for (let m = symbols.exec(text); m !== null; m = symbols.exec(text)) {
    const runEnd = m.index + m[0].length;
    const touchesLetter = isAsciiLower(text.charCodeAt(m.index - 1)) || isAsciiLower(text.charCodeAt(runEnd));
    if (!touchesLetter) continue;
    let start = m.index;
    while (start > last && isTokenChar(text.charCodeAt(start - 1))) start--;
    let end = runEnd;
    while (end < text.length && isTokenChar(text.charCodeAt(end))) end++;
    symbols.lastIndex = end;
    const token = text.slice(start, end);
    if (!looksLikeWord(token)) continue;
    parts.push(text.slice(last, start), foldLeetToken(token));
    last = end;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  const folded = parts.length / 2;
  const out = parts.join('');
  return folded >= MIN_LEET_TOKENS && folded * 4 >= countWords(out)
    ? foldStandaloneDigits(repairOnes(text, out))
    : out;
}

/** Most `1`s in one word that {@link repairOnes} tries both ways (2⁴ readings at most). */
const MAX_AMBIGUOUS_ONES = 4;

/**
 * `1` is `i` in some leet alphabets and `l` in others (promptfoo's leetspeak maps both letters to it, so
 * `wild animals` reads `w11d 4n1m415`): a folded word that is not a listed word (ADR 0039) is tried with
 * each of its `1`s read the other way, and the first reading that is a word kept. Only for text that is
 * leetspeak throughout (the caller's gate), so the word table is not built for a stray `mp3`. `folded` is
 * `text` folded unit for unit (same length). Linear: each word is examined once, at most 16 lookups.
 */
function repairOnes(text: string, folded: string): string {
  if (!text.includes('1')) return folded;
  const parts: string[] = [];
  let last = 0;
  for (let i = 0; i < folded.length; ) {
    if (!isAsciiLower(folded.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < folded.length && isAsciiLower(folded.charCodeAt(j))) j++;
    const ones: number[] = [];
    for (let k = i; k < j && ones.length <= MAX_AMBIGUOUS_ONES; k++)
      if (text.charCodeAt(k) === 0x31) ones.push(k - i);
    if (ones.length > 0 && ones.length <= MAX_AMBIGUOUS_ONES) {
      const word = folded.slice(i, j);
      if (knownWordCost(word) === undefined) {
        for (let mask = 1; mask < 1 << ones.length; mask++) {
          const letters = word.split('');
          ones.forEach((at, b) => {
            if (mask & (1 << b)) letters[at] = letters[at] === 'i' ? 'l' : 'i';
          });
          const candidate = letters.join('');
          if (knownWordCost(candidate) !== undefined) {
            parts.push(folded.slice(last, i), candidate);
            last = j;
            break;
          }
        }
      }
    }
    i = j;
  }
  if (parts.length === 0) return folded;
  parts.push(folded.slice(last));
  return parts.join('');
}

/** Mixed tokens needed (and at least a quarter of the words) before standalone digit words are folded. */
const MIN_LEET_TOKENS = 2;

/** Digits that stand for letters in short all-digit leet words ("4" a, "70" to, "15 17" is it). */
const isLetterDigit = (c: number): boolean =>
  c === 0x30 || c === 0x31 || c === 0x33 || c === 0x34 || c === 0x35 || c === 0x37;

function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = text.charCodeAt(i) === 0x20;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/**
 * In text that is clearly leetspeak, also folds standalone words of 1–3 letter-like digits ("4" → a,
 * "70" → to, "1" → i), which {@link foldLeet} otherwise keeps as numbers. A digit word touching
 * `.`, `,` or `:` followed by a digit (3.5, 1,000, 10:30) or any letter/digit stays.
 */
function foldStandaloneDigits(text: string): string {
  const parts: string[] = [];
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (!isLetterDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    while (i < n && isLetterDigit(text.charCodeAt(i))) i++;
    const before = text.charCodeAt(s - 1);
    const after = text.charCodeAt(i);
    const boundary = (c: number) => Number.isNaN(c) || !(isAsciiLower(c) || isAsciiDigit(c));
    const numeric = (c: number, next: number) =>
      (c === 0x2e || c === 0x2c || c === 0x3a) && isAsciiDigit(next);
    if (
      i - s <= 3 &&
      boundary(before) &&
      boundary(after) &&
      !numeric(after, text.charCodeAt(i + 1)) &&
      !numeric(before, text.charCodeAt(s - 2))
    ) {
      parts.push(text.slice(last, s), foldLeetToken(text.slice(s, i)));
      last = i;
    }
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/**
 * Multi-symbol letters of "heavy" leetspeak (`|-|` h, `/-\` a, `|3` b, `|_` l, `()` o…), longest first
 * where one is a prefix of another. Written from the common leet alphabets (garak's and the online
 * generators'); lowercase text.
 */
const HEAVY_GROUPS: ReadonlyArray<readonly [string, string]> = [
  ['|\\/|', 'm'],
  ['\\/\\/', 'w'],
  ['|-|', 'h'],
  ['/-\\', 'a'],
  ['|\\|', 'n'],
  ['\\/', 'v'],
  ['|3', 'b'],
  ['|_', 'l'],
  ['|<', 'k'],
  ['()', 'o'],
  ['><', 'x'],
];

/** Single symbols of heavy leetspeak beyond {@link LEET}: brackets for c, `#` for h, `|` for i. */
const HEAVY_SINGLE: Readonly<Record<string, string>> = {
  ...LEET,
  '(': 'c',
  '<': 'c',
  '{': 'c',
  '[': 'c',
  '#': 'h',
  '|': 'i',
};

/** Characters that can start a heavy group or are a heavy single symbol (a cheap pre-check per token). */
export const isHeavySymbol = (c: number): boolean =>
  c === 0x7c /* | */ ||
  c === 0x2f /* / */ ||
  c === 0x5c /* \ */ ||
  c === 0x28 /* ( */ ||
  c === 0x3c /* < */ ||
  c === 0x3e /* > */ ||
  c === 0x23 /* # */ ||
  c === 0x7b /* { */ ||
  c === 0x5b /* [ */;

function hasHeavy(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (isHeavySymbol(text.charCodeAt(i))) return true;
  return false;
}

/** Punctuation kept as such at the end of a token (`word!`, `word?`). */
const isClosing = (c: number): boolean =>
  c === 0x21 ||
  c === 0x3f ||
  c === 0x2e ||
  c === 0x2c ||
  c === 0x3a ||
  c === 0x3b ||
  c === 0x29 ||
  c === 0x22;

/** Heavy replacements needed before the heavy view counts as leetspeak rather than punctuation. */
export const MIN_HEAVY = 3;

/** Disguised words (letters mixed with leet symbols, read back as a word) needed for the heavy view. */
export const MIN_HEAVY_WORDS = 3;

/**
 * Share of a text's tokens (numbers aside) that must be disguised words for the heavy view: one in
 * three. Table pipes, numbers with units and code punctuation are not words, so a Markdown table, a
 * numeric report or a code line does not reach it, while heavy leetspeak (most words carry a
 * substituted letter) does.
 */
export const HEAVY_WORD_SHARE = 3;

/** Digits and the punctuation of figures (`1,204`, `28.0%`, `+3.1`, `-1.6`). */
export const isFigureChar = (c: number): boolean =>
  isAsciiDigit(c) || c === 0x2e || c === 0x2c || c === 0x25 || c === 0x2b || c === 0x2d;

/**
 * A number followed by a short unit or ordinal (`5kg`, `10ms`, `3x`, `2nd`): digits first, then at most
 * two letters. Not a disguised word.
 */
function isNumberWithUnit(text: string, s: number, e: number): boolean {
  let i = s;
  while (
    i < e &&
    (isAsciiDigit(text.charCodeAt(i)) || text.charCodeAt(i) === 0x2e || text.charCodeAt(i) === 0x2c)
  )
    i++;
  if (i === s || !isAsciiDigit(text.charCodeAt(s))) return false;
  let letters = 0;
  for (; i < e; i++) {
    if (!isAsciiLower(text.charCodeAt(i))) return false;
    letters++;
  }
  return letters <= 2;
}

/** Quotes that may open a token before its word (`"word"`, `'word'`). */
const isQuote = (c: number): boolean => c === 0x22 || c === 0x27;

/** The offset of the first character of `text[s, e)` after its opening quotes. */
function quotesBefore(text: string, s: number, e: number): number {
  let k = s;
  while (k < e && isQuote(text.charCodeAt(k))) k++;
  return k;
}

/**
 * Where the token `text[s, e)` opens a bracket around its word, or -1: after its opening quotes stands `(`,
 * and its closing punctuation (the run of {@link isClosing} characters and quotes at its end) holds a `)` that does not
 * close an `()` o (`(73x78()()k)`, `(|_1v3).`, `"(73x78()()k)",`, `'(|_1v3)'?` — not `(|-|()`, which reads cho).
 */
function openingAt(text: string, s: number, e: number): number {
  const lead = quotesBefore(text, s, e);
  if (e - lead <= 2 || text.charCodeAt(lead) !== 0x28) return -1;
  let tail = e;
  while (tail > lead + 1 && (isClosing(text.charCodeAt(tail - 1)) || isQuote(text.charCodeAt(tail - 1))))
    tail--;
  for (let k = tail; k < e; k++) {
    if (text.charCodeAt(k) === 0x29) return text.charCodeAt(k - 1) === 0x28 ? -1 : lead;
  }
  return -1;
}

/** Whether a folded token is a word: letters only, closing punctuation allowed at its end. */
function isFoldedWord(word: string): boolean {
  let e = word.length;
  while (e > 0 && isClosing(word.charCodeAt(e - 1))) e--;
  if (e < 2) return false;
  for (let i = 0; i < e; i++) if (!isAsciiLower(word.charCodeAt(i))) return false;
  return true;
}

/**
 * Heavy-leetspeak view of lowercase text: in every token that holds a heavy symbol, multi-symbol letters
 * (`|-|()w` → how, `/-\` → a) and then single symbols (`(` c, `#` h, `|` i, digits, `@ $ + !`) are read
 * as letters; closing punctuation at a token's end stays. Undefined unless at least {@link MIN_HEAVY}
 * heavy symbols were read and the text is leetspeak rather than symbol-dense prose: at least
 * {@link MIN_HEAVY_WORDS} tokens, and one in {@link HEAVY_WORD_SHARE} of the tokens that are not
 * figures, mix letters with leet symbols (or hold a multi-symbol letter such as `|-|`) and read back as
 * a word (a pipe, a bracket or `28.0%` in a table is not leetspeak).
 * Linear: each token is read once, groups are at most four units.
 */
export function foldHeavyLeet(text: string): string | undefined {
  const parts: string[] = [];
  // Read words with an i or l from an ambiguous symbol: their index in `parts`, then the positions.
  const unsure: Array<readonly [number, number[]]> = [];
  let heavy = 0;
  let tokens = 0;
  let words = 0;
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x0a) {
      i++;
      continue;
    }
    const s = i;
    let symbol = false;
    let letter = false;
    let figure = true;
    while (i < n && text.charCodeAt(i) !== 0x20 && text.charCodeAt(i) !== 0x0a) {
      const c = text.charCodeAt(i);
      if (isHeavySymbol(c) || isLeetSymbol(c)) symbol = true;
      else if (isAsciiLower(c)) letter = true;
      if (!isFigureChar(c)) figure = false;
      i++;
    }
    // Figures are neither leetspeak nor prose: they count on neither side of the share.
    if (!figure) tokens++;
    // Plain numbers longer than a short word ("2024", "3.5%") are not letters.
    if (!symbol || i - s > MAX_LEET_TOKEN || (!letter && i - s > 3 && !hasHeavy(text, s, i))) continue;
    let out = '';
    let grouped = false;
    const either: number[] = [];
    // A word in parentheses, `(73x78()()k)`, `"(73x78()()k)",`: the opening bracket is one, not a c, when a
    // closing one stands in the token's closing punctuation (quotes before it and punctuation after it
    // aside) and is not the end of an `()` o.
    const lead = openingAt(text, s, i);
    const opening = lead >= 0;
    const word = opening ? lead + 1 - s : quotesBefore(text, s, i) - s;
    for (let j = s; j < i; ) {
      if (j === lead) {
        out += '(';
        j++;
        continue;
      }
      const group = HEAVY_GROUPS.find(([g]) => text.startsWith(g, j) && j + g.length <= i);
      if (group) {
        out += group[1];
        j += group[0].length;
        heavy++;
        grouped = true;
        continue;
      }
      const ch = text[j] as string;
      const mapped = j === i - 1 && isClosing(ch.charCodeAt(0)) ? undefined : HEAVY_SINGLE[ch];
      if (mapped !== undefined && isHeavySymbol(ch.charCodeAt(0))) heavy++;
      if (mapped !== undefined && (ch === '1' || ch === '|' || ch === '!')) either.push(out.length);
      out += ch === '1' && (text[j + 1] === '1' || text[j - 1] === '1') ? 'l' : (mapped ?? ch);
      j++;
    }
    // A disguised word mixes letters with symbols, or spells a letter with a multi-symbol group.
    if ((letter || grouped) && isFoldedWord(out.slice(word)) && !isNumberWithUnit(text, s, i)) words++;
    parts.push(text.slice(last, s), out);
    if (either.length > 0 && either.length <= MAX_UNSURE) unsure.push([parts.length - 1, either]);
    last = i;
  }
  if (heavy < MIN_HEAVY || words < MIN_HEAVY_WORDS || words * HEAVY_WORD_SHARE < tokens) return undefined;
  for (const [k, at] of unsure) parts[k] = settleIorL(parts[k] as string, at);
  parts.push(text.slice(last));
  return parts.join('');
}

/** Most i/l letters read from `1`, `|` or `!` in one word that are tried both ways (2^4 readings). */
const MAX_UNSURE = 4;

/**
 * A heavy-leet word whose `1`, `|` or `!` were read as i (or l) at positions `at`, settled with the word
 * list (`segment.ts`): when the reading is not an English word but another choice of i/l at those
 * positions is, the most frequent such word is taken (`910r|f1e$` → glorifies, not giorifies). Closing
 * punctuation after the letters is kept. Bounded: at most 2^{@link MAX_UNSURE} lookups of one short word.
 */
function settleIorL(out: string, at: readonly number[]): string {
  // Opening quotes and a parenthesis stay in front of the word (`(textbook)`, `"(textbook)"`).
  let start = 0;
  while (start < out.length && (isQuote(out.charCodeAt(start)) || out.charCodeAt(start) === 0x28)) start++;
  let end = out.length;
  while (end > start && !isAsciiLower(out.charCodeAt(end - 1))) end--;
  if (end === start || end - start > MAX_WORD) return out;
  for (let i = start; i < end; i++) if (!isAsciiLower(out.charCodeAt(i))) return out;
  const word = out.slice(start, end);
  if (knownWordCost(word) !== undefined) return out;
  let best = word;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let mask = 1; mask < 1 << at.length; mask++) {
    let candidate = word;
    for (let b = 0; b < at.length; b++) {
      const p = (at[b] as number) - start;
      if (!(mask & (1 << b)) || p < 0 || p >= end - start) continue;
      const flipped = candidate.charCodeAt(p) === 0x69 ? 'l' : 'i';
      candidate = candidate.slice(0, p) + flipped + candidate.slice(p + 1);
    }
    const cost = knownWordCost(candidate);
    if (cost !== undefined && cost < bestCost) {
      best = candidate;
      bestCost = cost;
    }
  }
  return out.slice(0, start) + best + out.slice(end);
}
