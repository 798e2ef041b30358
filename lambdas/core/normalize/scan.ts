import * as ascii from '../util/ascii';
import { INNER_SEPARATORS, MAX_SPACED_GAP, MIN_JOINS as MIN_SPLIT_JOINS } from './despace';
import {
  HEAVY_WORD_SHARE,
  isFigureChar,
  isHeavySymbol,
  isLeetSymbol,
  MIN_HEAVY,
  MIN_HEAVY_WORDS,
} from './leet';
import { REVERSED_WORDS as ALL_REVERSED_WORDS } from './patterns';
import { passes as passesPigLatin } from './piglatin';
import { codeUnits, isSentenceEnd, isWideSpace, scratchOf } from './text';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiLower } = ascii;

/**
 * One linear pass over the lowercased text that tells the normalizer which of its costlier steps can
 * change anything: whitespace collapsing, the leet fold, the despacer and the rot13 view. For ordinary
 * text all four are no-ops, and this pass (a table lookup per code unit) replaces four regex scans.
 * Each answer is exact — "no" only when the step would provably return its input unchanged (or, for
 * rot13, when {@link wantsRot13} would answer false); a "maybe" runs the step itself.
 */

// Character classes of ASCII code units, as bit flags in a 128-entry table.
/** `[a-z0-9]`: a unit of a spaced-out run (despace). */
const UNIT = 1;
/** Separators between spaced-out letters: space, tab, `.`, `-`, `_`, `*`, `,`, `/`, `|`, `~`. */
const SEP = 2;
/** `[0-9@$!|+]`: leet symbols. */
const LEET = 4;
/** `[a-z]` */
const LOWER = 8;
/** `[A-Za-z0-9_]`: regex word characters (`\b`). */
const WORD = 16;
/** ASCII whitespace (`\t \n \v \f \r` and space). */
const SPACE = 32;
/** Separators that token splitting puts inside a word (see `joinSplitTokens`). */
const INNER = 64;
/** `[0-9]` */
const DIGIT = 128;
/** `.` and `-`: two of them in a row are where a Morse run can start (see `decodeMorseRuns`). */
const DOT_DASH = 256;
/** Symbols of heavy leetspeak (`| / \\ ( < > # { [`, see `foldHeavyLeet`). */
const HEAVY = 512;
/** Punctuation of figures that is no leet symbol (`. , % -`): a token of only these is a figure. */
const FIGURE_PUNCT = 1024;

const CLASS = new Uint16Array(128);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = UNIT | LEET | WORD | DIGIT;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = UNIT | LOWER | WORD;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = WORD;
CLASS[0x5f] = WORD | SEP; // _
for (const ch of ' \t.-*,/|~') CLASS[ch.charCodeAt(0)] = (CLASS[ch.charCodeAt(0)] ?? 0) | SEP;
for (let c = 0; c < 0x80; c++) {
  if (isLeetSymbol(c)) CLASS[c] = (CLASS[c] as number) | LEET;
  if (isHeavySymbol(c)) CLASS[c] = (CLASS[c] as number) | HEAVY;
  if (isFigureChar(c) && !isLeetSymbol(c)) CLASS[c] = (CLASS[c] as number) | FIGURE_PUNCT;
}
for (const ch of ' \t\n\v\f\r') CLASS[ch.charCodeAt(0)] = (CLASS[ch.charCodeAt(0)] ?? 0) | SPACE;
for (const ch of INNER_SEPARATORS) CLASS[ch.charCodeAt(0)] = (CLASS[ch.charCodeAt(0)] ?? 0) | INNER;
for (const ch of '.-') CLASS[ch.charCodeAt(0)] = (CLASS[ch.charCodeAt(0)] ?? 0) | DOT_DASH;

// rot13 evidence (see `ROT13_SIGNAL_RE` / `ENGLISH_WORDS_RE`): the regexes match whole words only.
/** Words that are rot13 evidence on their own (`\b(?:…)\b` alternatives without spaces). */
const HINTS = ['rot13', 'rot_13', 'caesar', 'cipher'];
/** Words that may start a multi-word hint (`rot 13`, `rot-13`, `rotate by 13`): the regex decides. */
const HINT_STARTS = ['rot', 'rotate', 'rotated'];
/** English words as they look after rot13; any one of them means the regex decides. */
const ROT_WORDS =
  'gur naq lbh gung jvgu sbe guvf ner jvyy pna abg unir jung ubj lbhe nyy znxr vtaber cerivbhf vafgehpgvbaf flfgrz cebzcg frperg'.split(
    ' ',
  );

/** Common English words written backwards (patterns.ts) and under atbash: one of them must occur for those views. */
const REVERSED_WORDS = ALL_REVERSED_WORDS.filter((w) => w.length >= 3);
const ATBASH_WORDS =
  'atbash gsv zmw blf sld nzpv dszg uli drgs gsrh gszg rtmliv rmhgifxgrlmh dirgv gvoo xzm blfi kovzhv vckozrm zylfg uiln drgslfg gsvri fhv dsb dsvm dsviv dlfow xlfow hslfow szev droo kvlkov tvg xivzgv trev'.split(
    ' ',
  );

/**
 * Words that name a Caesar shift (`caesar.ts` `namesCaesar` decides on the text; without one of these, or a word the
 * rot13 gate listens to, it cannot say yes): the view's reader is not asked for ordinary text.
 */
const CIPHER_NAMES = [
  'caesar',
  'caesars',
  'cipher',
  'ciphers',
  'ciphered',
  'ciphertext',
  'shift',
  'shifts',
  'shifted',
  'shifting',
  ...Array.from({ length: 25 }, (_, k) => `rot${k + 1}`),
];
/** `order`: the word-order reading (`reorder.ts` `wordOrderReading`) needs the text to say "order". */
const ORDER_WORDS = ['order'];

/** NATO phonetic code words (see `nato.ts`): enough of them and the NATO decoder runs. */
const NATO_WORDS =
  'alfa alpha bravo charlie delta echo foxtrot golf hotel india juliett juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey whisky xray yankee zulu'.split(
    ' ',
  );
/** Code words needed in a text before the NATO decoder looks for runs of them. */
const MIN_NATO_WORDS = 4;

/**
 * The second unit of a multi-symbol letter of heavy leetspeak (`|-|` h, `|\/|` m, `/-\` a, `()` o,
 * `\/` v, `|<` k, `|3` b, `|_` l, `><` x) given the unit before it: one of the pairs those letters
 * start with.
 */
function heavyPair(p: number, c: number): boolean {
  switch (c) {
    case 0x2d /* - */:
      return p === 0x7c || p === 0x2f;
    case 0x5c /* \ */:
      return p === 0x7c || p === 0x2d;
    case 0x2f /* / */:
      return p === 0x5c;
    case 0x29 /* ) */:
      return p === 0x28;
    case 0x3c /* < */:
      return p === 0x7c || p === 0x3e;
    case 0x33 /* 3 */:
    case 0x5f /* _ */:
      return p === 0x7c;
    default:
      return false;
  }
}

/**
 * Multi-symbol letters needed before text without a letter next to a leet symbol counts as heavy
 * leetspeak: at least this many, and at least one per {@link HEAVY_PAIR_SHARE} whitespace-separated
 * tokens (`foldHeavyLeet` then judges the words on its own, stricter terms).
 */
const MIN_HEAVY_PAIRS = 3;
const HEAVY_PAIR_SHARE = 2;

const MIN_WORD = 3;
const MAX_WORD = 12;

/**
 * Word table keyed by length, first and last code unit (low 5 bits each): a word whose key misses is
 * none of the listed words; a hit is verified unit by unit (a collision costs a short comparison).
 */
const keyOf = (len: number, first: number, last: number): number =>
  (len << 10) | ((first & 31) << 5) | (last & 31);
/** Per key: 0 when no listed word has it, else 1 + the index of its first candidate in `CANDIDATES`. */
const KEY_FIRST = new Uint16Array((MAX_WORD + 1) << 10);
/** Candidates as [offset in CODES, length, is-hint, next candidate + 1 (0 = none)]. */
const CANDIDATES: number[] = [];
const CODES: number[] = [];
for (const [list, isHint] of [
  [HINTS, 1],
  [HINT_STARTS, 0],
  [ROT_WORDS, 0],
  [REVERSED_WORDS, 3],
  [ATBASH_WORDS, 4],
  [NATO_WORDS, 5],
  [CIPHER_NAMES, 6],
  [ORDER_WORDS, 7],
] as const) {
  for (const word of list) {
    if (word.length < MIN_WORD || word.length > MAX_WORD) throw new Error(`rot13 word out of range: ${word}`);
    const key = keyOf(word.length, word.charCodeAt(0), word.charCodeAt(word.length - 1));
    const index = CANDIDATES.length / 4;
    CANDIDATES.push(CODES.length, word.length, isHint, KEY_FIRST[key] as number);
    KEY_FIRST[key] = index + 1;
    for (let i = 0; i < word.length; i++) CODES.push(word.charCodeAt(i));
  }
}
/** One bit per key that some listed word has: most words are ruled out here, in a table that stays in cache. */
const KEY_BITS = new Uint32Array(KEY_FIRST.length >> 5);
for (let key = 0; key < KEY_FIRST.length; key++)
  if (KEY_FIRST[key] !== 0) KEY_BITS[key >> 5] = (KEY_BITS[key >> 5] as number) | (1 << (key & 31));
const CANDIDATE_TABLE = Int32Array.from(CANDIDATES);
const CODE_TABLE = Uint16Array.from(CODES);

/**
 * Which lists the word `b[start, start + len)` is on, as bits: 1 a rot13 hint, 2 a rot13 word (or a
 * word that may start a hint) for the regex to judge, 4 a reversed English word, 8 an atbash word,
 * 16 a NATO code word, 32 a word naming a Caesar shift, 64 `order`.
 */
function listedWord(b: Uint16Array, start: number, len: number): number {
  const key = keyOf(len, b[start] as number, b[start + len - 1] as number);
  if (((KEY_BITS[key >> 5] as number) & (1 << (key & 31))) === 0) return 0;
  let c = KEY_FIRST[key] as number;
  let bits = 0;
  while (c !== 0) {
    const at = (c - 1) * 4;
    const off = CANDIDATE_TABLE[at] as number;
    if (CANDIDATE_TABLE[at + 1] === len) {
      let j = 0;
      while (j < len && b[start + j] === CODE_TABLE[off + j]) j++;
      if (j === len) {
        const kind = CANDIDATE_TABLE[at + 2] as number;
        bits |=
          kind === 1
            ? 1
            : kind === 0
              ? 2
              : kind === 3
                ? 4
                : kind === 4
                  ? 8
                  : kind === 5
                    ? 16
                    : kind === 6
                      ? 32
                      : 64;
      }
    }
    c = CANDIDATE_TABLE[at + 3] as number;
  }
  return bits;
}

/** What {@link scanLower} found. */
export interface LowerScan {
  /** Whitespace collapsing (runs to one space, trim) would change the text. */
  readonly collapse: boolean;
  /** A run of leet symbols touches a lowercase letter: `foldLeet` may change the text. */
  readonly leet: boolean;
  /**
   * Multi-symbol letters (`|-|`, `|\/|`, `/-\`, `()` …) are dense: at least {@link MIN_HEAVY_PAIRS}, and
   * one per {@link HEAVY_PAIR_SHARE} tokens (heavy leetspeak with no letter left, which `leet` misses).
   */
  readonly heavyLeet: boolean;
  /**
   * A spaced-out seed (two lone alphanumerics 1–3 separators apart, or up to `MAX_SPACED_GAP` spaces
   * apart) exists: the despacers may act.
   */
  readonly spaced: boolean;
  /**
   * `wantsRot13` of the text: true when a one-word hint occurs (`rot13`, `caesar`, …), false when no
   * listed word occurs at all, undefined when the regex must decide (a rot13 word, or a word that may
   * start a multi-word hint: `rot`, `rotate`, `rotated`).
   */
  readonly rot13: boolean | undefined;
  /** A common English word written backwards occurs (`wantsReverse` can only answer yes then). */
  readonly reversedWord: boolean;
  /** A common English word under atbash occurs (`wantsAtbash` can only answer yes then). */
  readonly atbashWord: boolean;
  /**
   * A word naming a Caesar shift occurs (`caesar`, `cipher`, `shift`, `rot3`…), or one the rot13 gate listens to
   * (`rot` of `rot 3`): `namesCaesar` can only answer yes then.
   */
  readonly cipherName: boolean;
  /** The word `order` occurs: `wordOrderReading` can only read the text then. */
  readonly orderWord: boolean;
  /** At least four NATO code words occur (`decodeNatoRuns` can only find a run then). */
  readonly nato: boolean;
  /**
   * The whole text, or some sentence of it, has enough words ending in "ay" to read as Pig Latin: the
   * same test (`passes` of `piglatin.ts`) on the same counts as `readPigLatin` (words are runs of
   * `[a-z]`, sentences end at `. ! ? : ;`), so a "no" here means it would find nothing. Per sentence
   * too, so that a plain lead-in does not dilute the share.
   */
  readonly pigLatin: boolean;
  /**
   * At least two separators sit between two letters inside a word (`ma-ke a bo.mb`): `joinSplitTokens`
   * may rejoin something (it counts the same positions, then judges their density).
   */
  readonly splitTokens: boolean;
  /**
   * The longest run of code units that are not whitespace: no run of visible ASCII (what base64,
   * base32 and base85 are written in) is longer.
   */
  readonly longestToken: number;
  /** The text holds an ASCII digit (separated hex, base32 and binary all need one). */
  readonly digit: boolean;
  /** `..`, `.-`, `-.` or `--` occurs (a Morse run holds one). */
  readonly dotDash: boolean;
  /**
   * `foldHeavyLeet` may find heavy leetspeak: at least {@link MIN_HEAVY} heavy symbols, at least
   * {@link MIN_HEAVY_WORDS} tokens holding a leet or heavy symbol, and such tokens at least one in
   * {@link HEAVY_WORD_SHARE} of the tokens that are not figure punctuation only. Each of its disguised
   * words is such a token and each of its heavy readings uses a heavy symbol, so "no" is exact.
   */
  readonly heavyLeetPossible: boolean;
}

const LETTER_CLASS = UNIT | LOWER | WORD;

/**
 * Scans lowercased text once. `collapse` refers to `text` itself; `leet`, `spaced` and `rot13` are
 * invariant under whitespace collapsing (it only rewrites whitespace, which is none of a letter, a leet
 * symbol or a word character, and never joins two non-space characters), so they hold for the
 * collapsed text too. Linear: every code unit is classified once (runs of `[a-z]` in a tight loop),
 * plus a lookahead of at most five units at each lone alphanumeric and a comparison of at most twelve
 * per word whose length, first and last letters match a listed word.
 */
export function scanLower(text: string): LowerScan {
  const n = text.length;
  const b = codeUnits(text);
  let collapse = false;
  let leet = false;
  let spaced = false;
  let words = 0;
  let natoWords = 0;
  // Pig Latin counts, as `readPigLatin` makes them: runs of [a-z] and those ending in "ay", in the
  // current sentence and in the whole text.
  let pigWords = 0;
  let ayWords = 0;
  let allPigWords = 0;
  let allAyWords = 0;
  let pigLatin = false;
  let heavyPairs = 0;
  let tokens = 0;
  let splitJoins = 0;
  let digit = false;
  let dotDash = false;
  let heavySymbols = 0;
  let symbolTokens = 0;
  let punctTokens = 0;
  // The current token holds a leet or heavy symbol / holds only figure punctuation so far.
  let tokenSymbol = false;
  let tokenPunct = true;
  let tokenStart = 0;
  let longestToken = 0;
  // Previous code unit's class; the text start counts as whitespace so that leading space is caught.
  let prev = SPACE;
  let wordStart = -1;
  let i = 0;
  while (i < n) {
    const c = b[i] as number;
    const k = c < 0x80 ? (CLASS[c] as number) : isWideSpace(c) ? SPACE : 0;
    if (wordStart >= 0 && !(k & WORD)) {
      const len = i - wordStart;
      if (len >= MIN_WORD && len <= MAX_WORD) {
        const listed = listedWord(b, wordStart, len);
        words |= listed;
        if (listed & 16) natoWords++;
      }
      wordStart = -1;
    }
    // Fast path, most units: a run of [a-z]. Only its first letter can start a token, follow a leet
    // symbol or seed a spaced-out run; no heavy pair or sentence end involves a letter.
    if (k === LETTER_CLASS) {
      if (wordStart < 0) wordStart = i;
      if (prev & SPACE) {
        tokens++;
        tokenStart = i;
        tokenSymbol = false;
      }
      tokenPunct = false;
      if (prev & LEET) leet = true;
      const start = i;
      i++;
      while (i < n) {
        const d = b[i] as number;
        if (d < 0x61 || d > 0x7a) break;
        i++;
      }
      pigWords++;
      if (i - start >= 3 && b[i - 1] === 0x79 && b[i - 2] === 0x61) ayWords++;
      // A seed needs a separator right after a lone letter: only a run of one can start one.
      if (i === start + 1 && !(prev & UNIT) && !spaced && i < n && isSep(b[i] as number))
        spaced = seedAt(b, start, n);
      prev = LETTER_CLASS;
      continue;
    }
    // Fast path: one U+0020 (a run of them, or one at the start, collapses).
    if (c === 0x20) {
      if (prev & SPACE) collapse = true;
      else {
        if (i - tokenStart > longestToken) longestToken = i - tokenStart;
        if (tokenSymbol) symbolTokens++;
        if (tokenPunct) punctTokens++;
      }
      prev = k;
      i++;
      continue;
    }
    if (k & WORD && wordStart < 0) wordStart = i;
    // A whitespace run other than one U+0020 between two non-space characters changes.
    if (k & SPACE) {
      collapse = true;
      if (!(prev & SPACE)) {
        if (i - tokenStart > longestToken) longestToken = i - tokenStart;
        if (tokenSymbol) symbolTokens++;
        if (tokenPunct) punctTokens++;
      }
    } else {
      if (prev & SPACE) {
        tokens++;
        tokenStart = i;
        tokenSymbol = false;
        tokenPunct = true;
      }
      if (k & (LEET | HEAVY)) tokenSymbol = true;
      if (!(k & FIGURE_PUNCT)) tokenPunct = false;
      if (k & HEAVY) heavySymbols++;
    }
    if (k & DIGIT) digit = true;
    else if (k & DOT_DASH && prev & DOT_DASH) dotDash = true;
    if (i > 0 && heavyPair(b[i - 1] as number, c)) heavyPairs++;
    if (isSentenceEnd(c)) {
      if (passesPigLatin(ayWords, pigWords)) pigLatin = true;
      allPigWords += pigWords;
      allAyWords += ayWords;
      ayWords = 0;
      pigWords = 0;
    }
    if ((k & LEET && prev & LOWER) || (k & LOWER && prev & LEET)) leet = true;
    // A separator inside a word (`ma-ke`, `bo.mb`): what `joinSplitTokens` rejoins.
    if (k & INNER && prev & LOWER && i + 1 < n && isAsciiLower(b[i + 1] as number)) splitJoins++;
    if (k & UNIT && !(prev & UNIT) && !spaced && i + 1 < n && isSep(b[i + 1] as number))
      spaced = seedAt(b, i, n);
    i++;
    prev = k;
  }
  if (wordStart >= 0) {
    const len = n - wordStart;
    if (len >= MIN_WORD && len <= MAX_WORD) {
      const listed = listedWord(b, wordStart, len);
      words |= listed;
      if (listed & 16) natoWords++;
    }
  }
  const hint = (words & 1) !== 0;
  const judge = (words & 2) !== 0;
  if (n > 0 && prev & SPACE)
    collapse = true; // trailing whitespace
  else if (n > 0) {
    if (n - tokenStart > longestToken) longestToken = n - tokenStart;
    if (tokenSymbol) symbolTokens++;
    if (tokenPunct) punctTokens++;
  }
  return {
    collapse,
    leet,
    heavyLeet: heavyPairs >= MIN_HEAVY_PAIRS && heavyPairs * HEAVY_PAIR_SHARE >= tokens,
    spaced,
    rot13: hint ? true : judge ? undefined : false,
    reversedWord: (words & 4) !== 0,
    atbashWord: (words & 8) !== 0,
    cipherName: (words & 35) !== 0,
    orderWord: (words & 64) !== 0,
    nato: natoWords >= MIN_NATO_WORDS,
    pigLatin:
      pigLatin ||
      passesPigLatin(ayWords, pigWords) ||
      passesPigLatin(allAyWords + ayWords, allPigWords + pigWords),
    splitTokens: splitJoins >= MIN_SPLIT_JOINS,
    longestToken,
    digit,
    dotDash,
    heavyLeetPossible:
      heavySymbols >= MIN_HEAVY &&
      symbolTokens >= MIN_HEAVY_WORDS &&
      symbolTokens * HEAVY_WORD_SHARE >= tokens - punctTokens,
  };
}

/**
 * Whether a spaced-out seed starts at `i` (a lone `[a-z0-9]`, not after one, followed by a separator):
 * 1–3 separators, or up to {@link MAX_SPACED_GAP} spaces (the spaced-word reading's widest joining gap),
 * then a lone `[a-z0-9]` (not before one). At most `MAX_SPACED_GAP + 1` code units are read.
 */
function seedAt(b: Uint16Array, i: number, n: number): boolean {
  let j = i + 1;
  let spacesOnly = true;
  while (j < n && j - i - 1 < MAX_SPACED_GAP && isSep(b[j] as number)) {
    if (b[j] !== 0x20) spacesOnly = false;
    j++;
  }
  if (j - i - 1 > 3 && !spacesOnly) return false;
  return j < n && isUnit(b[j] as number) && !(j + 1 < n && isUnit(b[j + 1] as number));
}

const isSep = (c: number): boolean => c < 0x80 && ((CLASS[c] as number) & SEP) !== 0;
const isUnit = (c: number): boolean => c < 0x80 && ((CLASS[c] as number) & UNIT) !== 0;

/** JavaScript `\s`: ASCII whitespace or one of the wide spaces. */
const isSpace = (c: number): boolean => (c < 0x80 ? ((CLASS[c] as number) & SPACE) !== 0 : isWideSpace(c));

/**
 * Compacts `b[0, n)` in place: whitespace runs dropped at the ends and turned into one space inside.
 * @returns the new length, or -1 when nothing changes (every inner run is a single U+0020).
 * Two copies (one-byte / two-byte) so that each stays monomorphic.
 */
function compactSpaces8(b: Uint8Array, n: number): number {
  let w = 0;
  let changed = false;
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (((CLASS[c] as number) & SPACE) === 0) {
      b[w++] = c;
      continue;
    }
    const s = i;
    while (i + 1 < n && ((CLASS[b[i + 1] as number] as number) & SPACE) !== 0) i++;
    if (w === 0 || i + 1 === n) {
      changed = true; // a leading or trailing run goes
      continue;
    }
    if (i !== s || c !== 0x20) changed = true;
    b[w++] = 0x20;
  }
  return changed ? w : -1;
}

function compactSpaces16(b: Uint16Array, n: number): number {
  let w = 0;
  let changed = false;
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (!isSpace(c)) {
      b[w++] = c;
      continue;
    }
    const s = i;
    while (i + 1 < n && isSpace(b[i + 1] as number)) i++;
    if (w === 0 || i + 1 === n) {
      changed = true; // a leading or trailing run goes
      continue;
    }
    if (i !== s || c !== 0x20) changed = true;
    b[w++] = 0x20;
  }
  return changed ? w : -1;
}

/**
 * Whitespace runs collapsed to one space and the ends trimmed: exactly
 * `text.replace(WHITESPACE_RE, ' ').trim()` (every `\s` run other than a single U+0020 becomes one
 * space). One pass over the code units in a typed array, compacted in place; ASCII text stays a
 * one-byte string. Returns the input itself when nothing changes.
 */
export function collapseWhitespace(text: string): string {
  const n = text.length;
  if (Buffer.byteLength(text, 'utf8') === n) {
    const buf = scratchOf(n);
    buf.write(text, 0, 'latin1');
    const w = compactSpaces8(buf, n);
    return w < 0 ? text : buf.toString('latin1', 0, w);
  }
  const units = codeUnits(text);
  const w = compactSpaces16(units, n);
  return w < 0 ? text : Buffer.from(units.buffer, units.byteOffset, w * 2).toString('utf16le');
}

/** Line terminators among the `\s` characters: LF, VT, FF, CR, U+2028, U+2029. */
const isLineBreak = (c: number): boolean =>
  c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d || c === 0x2028 || c === 0x2029;

const LINE_BREAK_HINT = /[\n\v\f\r\u2028\u2029]/;

/**
 * Where the line breaks of `text` went in {@link collapseWhitespace}`(text)`: the offsets (sorted) of the
 * single spaces that replaced a whitespace run holding a line break (leading and trailing runs are
 * trimmed, so they hold none). Undefined when there are none. The canonical view loses its paragraphs
 * to the collapse; tier 1 still needs them as sentence ends (see `linedText`). Linear, one pass.
 */
export function lineBreakOffsets(text: string): number[] | undefined {
  if (!LINE_BREAK_HINT.test(text)) return undefined;
  const out: number[] = [];
  const n = text.length;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!isSpace(c)) {
      w++;
      continue;
    }
    let line = isLineBreak(c);
    while (i + 1 < n && isSpace(text.charCodeAt(i + 1))) {
      i++;
      if (!line && isLineBreak(text.charCodeAt(i))) line = true;
    }
    if (w === 0 || i + 1 === n) continue;
    if (line) out.push(w);
    w++;
  }
  return out.length > 0 ? out : undefined;
}
