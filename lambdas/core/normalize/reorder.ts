/**
 * Views that undo a change of reading order: the visual order of right-to-left overrides, plain
 * reversed text ("read this backwards") and upside-down text (flipped letters in reverse order).
 * Each costs one copy of the text and is produced only on evidence; all are linear.
 */

import * as ascii from '../util/ascii';
import {
  ATBASH_SIGNAL_RE,
  CAMEL_JOIN_RE,
  CAMEL_SPLIT_RE,
  ENGLISH_WORDS_RE,
  QUOTED_ASSIGNMENT_RE,
  REVERSED_HINT_RE,
  REVERSED_WORDS_RE,
  RUN_TOGETHER_MARK_RE,
  UPSIDE_DOWN_RE,
} from './patterns';
import { knownWordCost } from './segment';
import { cipherStretch, matchStarts } from './text';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiDigit, isAsciiLower, isAsciiUpper } = ascii;

/** Reverses a string by code points (surrogate pairs stay in order). */
export function reverseText(text: string): string {
  const out: string[] = new Array(text.length);
  let w = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const h = text.charCodeAt(i - 1);
      if (h >= 0xd800 && h <= 0xdbff) {
        out[w++] = text.slice(i - 1, i + 1);
        i--;
        continue;
      }
    }
    out[w++] = text[i] as string;
  }
  out.length = w;
  return out.join('');
}

/** Each space-separated word of `text` reversed in place (`woh nac i` → `how can i`); linear. */
export function reverseEachWord(text: string): string {
  return text.split(' ').map(reverseText).join(' ');
}

/** RIGHT-TO-LEFT OVERRIDE and RIGHT-TO-LEFT ISOLATE: text after them is stored in reverse. */
const isRtlStart = (c: number): boolean => c === 0x202e || c === 0x2067;
/** What ends an override: PDF, PDI, or a paragraph break. */
const endsOverride = (c: number): boolean => c === 0x202c || c === 0x2069 || c === 0x0a || c === 0x0d;

/**
 * The text as it is meant to be read when it holds RIGHT-TO-LEFT OVERRIDE (U+202E) or RIGHT-TO-LEFT
 * ISOLATE (U+2067) runs: each run (up to the matching POP DIRECTIONAL FORMATTING / isolate end or the
 * end of the line) is reversed, so `\u202Eetirw` reads `write` (for isolates, evasion tools store each
 * word reversed inside one). Nested embeddings are treated as one run. Undefined without either.
 */
export function visualOrder(text: string): string | undefined {
  if (!text.includes('\u202e') && !text.includes('\u2067')) return undefined;
  const parts: string[] = [];
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isRtlStart(text.charCodeAt(i))) continue;
    let end = i + 1;
    while (end < text.length && !endsOverride(text.charCodeAt(end))) end++;
    parts.push(text.slice(last, i), reverseText(text.slice(i + 1, end)));
    last = end;
    i = end;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** Number of matches of a global regex (its `lastIndex` is reset first). */
const count = (re: RegExp, text: string, stopAt = Number.POSITIVE_INFINITY): number => {
  let n = 0;
  re.lastIndex = 0;
  while (n < stopAt && re.exec(text) !== null) n++;
  return n;
};

/** Reversed common English words needed on their own. */
export const MIN_REVERSED_WORDS = 3;

/**
 * Whether lowercase text deserves a reversed view: at least {@link MIN_REVERSED_WORDS} common English
 * words written backwards (`eht`, `woh`, `ekam`, `snoitcurtsni`…), or one together with a hint
 * (`backwards`, `reversed`, `right to left`), or two with fewer plain English words than reversed
 * ones. At most three regex scans; no per-character statistics.
 */
export function wantsReverse(lower: string): boolean {
  const reversed = count(REVERSED_WORDS_RE, lower, MIN_REVERSED_WORDS);
  if (reversed >= MIN_REVERSED_WORDS) return true;
  if (reversed === 0) return false;
  REVERSED_HINT_RE.lastIndex = 0;
  if (REVERSED_HINT_RE.test(lower)) return true;
  return reversed >= 2 && count(ENGLISH_WORDS_RE, lower, reversed) < reversed;
}

/** Upside-down characters needed before an upside-down view is produced. */
export const MIN_UPSIDE_DOWN = 3;

const FLIP = new Map<number, string>();
const flip = (pairs: string): void => {
  // "xy" pairs: x (as written upside down) reads y.
  const cps = [...pairs];
  for (let i = 0; i + 1 < cps.length; i += 2) FLIP.set(cps[i]?.codePointAt(0) ?? 0, cps[i + 1] as string);
};
flip('ɐaqbɔcpdǝeɟfƃgᵷgɥhᴉiıiɾjſjʞkꞁlןlʃlɯmunoodpbqɹrʇtnuʌvʍwʎy');
flip('∀AᗺBƆCᗡDƎEℲFⅎf⅁GꓘK˥LWMԀPΌQᴚR⊥T∩UΛVMW⅄Y');
flip("¿?¡!˙.',,'‾_⅋&؛;");
flip('()' + ')(' + '[]' + '][' + '{}' + '}{' + '<>' + '><');
flip('Ɩ1ᄅ2Ɛ3ㄣ4ϛ5ㄥ79669');

/**
 * Upside-down text turned right side up: flipped characters mapped back (`ɥ`→h, `q`→b, `p`→d, `u`→n…,
 * ASCII letters that are their own flip stay) and the order reversed. Undefined unless the text holds
 * at least {@link MIN_UPSIDE_DOWN} characters that only upside-down text uses.
 */
export function rightSideUp(text: string): string | undefined {
  if (count(UPSIDE_DOWN_RE, text, MIN_UPSIDE_DOWN) < MIN_UPSIDE_DOWN) return undefined;
  let out = '';
  for (const ch of text) out += FLIP.get(ch.codePointAt(0) ?? 0) ?? ch;
  return reverseText(out);
}

/**
 * Payload splitting by variables: the strings assigned in `A = "how to"`, `B = 'make'`… joined in
 * order with spaces, when there are at least two. Undefined otherwise. One regex scan.
 */
export function quotedFragments(text: string): string | undefined {
  if (!text.includes('=')) return undefined;
  const parts: string[] = [];
  QUOTED_ASSIGNMENT_RE.lastIndex = 0;
  for (let m = QUOTED_ASSIGNMENT_RE.exec(text); m !== null; m = QUOTED_ASSIGNMENT_RE.exec(text)) {
    parts.push(m[1] ?? m[2] ?? '');
  }
  return parts.length >= 2 ? parts.join(' ') : undefined;
}

/** Atbash (a↔z, b↔y, …) of ASCII letters, case kept. */
export function atbash(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(0xdb - c);
    else if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(0x9b - c);
    else out += text[i];
  }
  return out;
}

/**
 * The Atbash reading of lowercase text that {@link wantsAtbash} accepted: the text from its first to its last
 * Atbash-looking word, less a plain lead-in or tail ({@link cipherStretch}: "Decode this Atbash message:" read
 * through the cipher is noise in the payload's sentence), mapped.
 */
export function atbashReading(lower: string): string {
  const signal = matchStarts(ATBASH_SIGNAL_RE, lower, (m) => m === 'atbash');
  const hints = matchStarts(ATBASH_SIGNAL_RE, lower, (m) => m !== 'atbash');
  const [start, end] = cipherStretch(lower, signal, matchStarts(ENGLISH_WORDS_RE, lower), hints);
  return atbash(lower.slice(start, end)).trim();
}

/**
 * The stretch of lowercase text that {@link wantsReverse} accepted to read backwards, less a plain lead-in or tail
 * ({@link cipherStretch}: "Read this backwards:" reversed is noise at the payload's end).
 */
export function reversedStretch(lower: string): string {
  const [start, end] = cipherStretch(
    lower,
    matchStarts(REVERSED_WORDS_RE, lower),
    matchStarts(ENGLISH_WORDS_RE, lower),
    matchStarts(REVERSED_HINT_RE, lower),
  );
  return lower.slice(start, end).trim();
}

/** Atbash evidence needed: this many common English words as they look under atbash (or a hint). */
export const MIN_ATBASH_WORDS = 2;

/** Whether lowercase text looks like atbash: the hint `atbash`, or ≥ 2 atbash-looking common words. */
export function wantsAtbash(lower: string): boolean {
  const n = count(ATBASH_SIGNAL_RE, lower, MIN_ATBASH_WORDS);
  if (n >= MIN_ATBASH_WORDS) return true;
  return n > 0 && lower.includes('atbash');
}

/** camelCase joins (a lower-case letter then a capital) needed before a split view is made. */
export const MIN_CAMEL_JOINS = 4;

/**
 * Words run together in camelCase (`howDoIMakeABomb`) split again: a space before each capital that
 * follows a lower-case letter, and between two capitals when the second starts a word. Undefined
 * with fewer than {@link MIN_CAMEL_JOINS} joins.
 */
export function splitCamelCase(text: string): string | undefined {
  if (count(CAMEL_JOIN_RE, text, MIN_CAMEL_JOINS) < MIN_CAMEL_JOINS) return undefined;
  return text.replace(CAMEL_SPLIT_RE, ' ');
}

/** A base64 run at least this long may be coded (see {@link runTogether}): its case joins are then not words run together. */
const MIN_CODED_RUN = 16;

const isBase64Char = (c: number): boolean =>
  isAsciiUpper(c) || isAsciiLower(c) || isAsciiDigit(c) || c === 0x2b || c === 0x2f || c === 0x3d;

/**
 * Whether camelCase joins outnumber the blanks (spaces and line breaks): the words are run together
 * throughout (`takeAMomentTo…`), so the split view is the text's only readable form and is made before the
 * other readings, whose expansion budget it would otherwise lose on long text. Blanks count by runs, so
 * padding (`…\n` followed by 400 spaces) is one blank, not 400. Runs of base64 symbols of 16 or more that
 * look coded (base64, hashes, keys: a digit, and either one character in eight a digit or capital pairs at
 * least half the joins) are not counted; one digit in a camelCase sentence (`howToPo1son…`) does not make it
 * coded. Text whose remaining capital pairs are at least half its joins is random-case, not words run
 * together. One pass.
 */
export function runTogether(text: string): boolean {
  let blanks = 0;
  let joins = 0;
  let pairs = 0;
  let inBlank = false;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (!isBase64Char(c)) {
      const blank = c === 0x20 || c === 0x0a;
      if (blank && !inBlank) blanks++;
      inBlank = blank;
      i++;
      continue;
    }
    inBlank = false;
    let j = i;
    let digits = 0;
    let runJoins = 0;
    let runPairs = 0;
    for (; j < n; j++) {
      const d = text.charCodeAt(j);
      if (!isBase64Char(d)) break;
      if (isAsciiDigit(d)) digits++;
      else if (j > i && isAsciiUpper(d)) {
        const before = text.charCodeAt(j - 1);
        if (isAsciiLower(before)) runJoins++;
        else if (isAsciiUpper(before)) runPairs++;
      }
    }
    const coded = j - i >= MIN_CODED_RUN && digits > 0 && (digits * 8 >= j - i || runPairs * 2 >= runJoins);
    if (!coded) {
      joins += runJoins;
      pairs += runPairs;
    }
    i = j;
  }
  return joins > blanks && pairs * 2 < joins;
}

/**
 * Run-together text (see {@link runTogether}) with the blanks that followed its punctuation back: a
 * space after `,` `;` `:` `!` `?` or a closing bracket before a letter (not inside `1,500` or `02:32`),
 * after a digit, `.` or quote before a capital, and around each table rule `|`, so
 * `receipt|from:webflow` reads `receipt | from: webflow`. Applied to the camelCase split.
 */
export function respaceMarks(text: string): string {
  return text.replace(RUN_TOGETHER_MARK_RE, (m) => (m === '|' ? ' | ' : `${m} `));
}

/** Plain English words outside the reversed stretch needed before the stretch is read alone. */
export const MIN_PLAIN_LEAD_WORDS = 12;

const lettersOf = (token: string): string => {
  let out = '';
  for (let i = 0; i < token.length; i++) if (isAsciiLower(token.charCodeAt(i))) out += token[i];
  return out;
};

/**
 * The part of lowercase text written backwards, when the text also holds plain English (FlipAttack's
 * prompt: a paragraph of rules in plain English, then the task reversed whole or word by word). Read
 * whole, the reversed lead-in turns into letter noise that outweighs the task; so the stretch from the
 * first to the last word that is a listed word only backwards (ADR 0039 word list), extended over words
 * that read neither way or both, is returned alone, when at least {@link MIN_PLAIN_LEAD_WORDS} plain words lie outside it.
 * Undefined otherwise (the caller turns the text round whole) or when no word reads only backwards. Asked only where
 * {@link wantsReverse} said yes. Linear: one pass over the space-separated tokens, two lookups each.
 */
export function reversedByWordList(lower: string): string | undefined {
  const tokens = lower.split(' ');
  // 1: reads only backwards, -1: reads only forwards, 0: neither or both.
  const kind = tokens.map((t) => {
    const w = lettersOf(t);
    if (w.length < 2) return 0;
    const forward = knownWordCost(w) !== undefined;
    const backward = knownWordCost(reverseText(w)) !== undefined;
    return forward === backward ? 0 : backward ? 1 : -1;
  });
  let first = kind.indexOf(1);
  const last = kind.lastIndexOf(1);
  if (first < 0) return undefined;
  let end = last;
  while (first > 0 && kind[first - 1] !== -1) first--;
  while (end + 1 < tokens.length && kind[end + 1] !== -1) end++;
  // A short plain lead-in (`read this backwards:`) is turned round with the rest: only a long one is
  // left out (the reversed part may be in a language the word list does not hold).
  let plainOutside = 0;
  for (let t = 0; t < tokens.length; t++) if ((t < first || t > end) && kind[t] === -1) plainOutside++;
  if (plainOutside < MIN_PLAIN_LEAD_WORDS) return undefined;
  return tokens.slice(first, end + 1).join(' ');
}

/** Whether lowercase text says its words are in reverse order (FlipAttack's word-order mode). */
const namesWordOrder = (lower: string): boolean =>
  lower.includes('order') &&
  (lower.includes('order of the words') ||
    lower.includes('word order') ||
    lower.includes('reverse order') ||
    lower.includes('reversed order'));

/**
 * Words written in reverse order (`accidents cause and … develop`), where the text says so (FlipAttack's
 * "recover the task by reversing the order of the words"): the last non-blank line of lowercase text
 * (where such a prompt puts the task, after its rules) with its words in the opposite order. Undefined
 * without the hint or with a single word. Linear: string searches, one split of one line.
 */
export function wordOrderReading(lower: string): string | undefined {
  if (!namesWordOrder(lower)) return undefined;
  let end = lower.length;
  while (end > 0 && (lower.charCodeAt(end - 1) === 0x0a || lower.charCodeAt(end - 1) === 0x20)) end--;
  const start = lower.lastIndexOf('\n', end - 1) + 1;
  const words = lower
    .slice(start, end)
    .split(' ')
    .filter((w) => w.length > 0);
  if (words.length < 2) return undefined;
  return words.reverse().join(' ');
}
