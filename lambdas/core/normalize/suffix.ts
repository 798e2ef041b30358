/**
 * Machine-made tokens and adversarial suffixes. An optimiser (GCG, Zou et al. 2023, "Universal and Transferable
 * Adversarial Attacks on Aligned Language Models"; JailbreakBench's artifacts) appends a run of tokens to a harmful
 * request — `… addicted to heroin which sorry bere---- ??legt !! lawyer correctedilde]$. [[There among ***Here<=` —
 * that reads as noise to a person. Two readers share the token rule here ({@link tokenKind}):
 *
 * - tier 0's adversarial-suffix heuristic (`detectors/heuristics.ts`, `gibberishSuffixScore`): a tail dense in such
 *   tokens after plain prose is a jailbreak attempt in itself (docs/normalization.md, "Where a transform is itself a
 *   policy violation");
 * - the normalizer's `clip-suffix` view ({@link clipAdversarialSuffix}): the request read without its suffix. Glued
 *   into the request's sentence, the suffix dilutes what a sentence-window classifier sees; cut off, the request
 *   reads as it would alone (the dilution rule: a violation is found as if it were alone). The view only removes
 *   text, so it cannot make benign text look worse by adding anything.
 */
import * as ascii from '../util/ascii';
import { knownWordCost, MAX_WORD } from './segment';
import { HANGUL_FILLERS, isWideSpace } from './text';

const { isAsciiAlnum, isAsciiLetter, isAsciiLower, isAsciiUpper } = ascii;

/** The suffix must start within this many code units of the end (GCG suffixes are 20-ish tokens). */
export const TAIL = 400;
/** Machine-made tokens the tail must hold. */
export const MIN_MACHINE_TOKENS = 2;
/** Words before the suffix on its line: the request it would hide. */
export const MIN_WORDS = 6;
/** The clipped view keeps at most this much of the line before the suffix. */
export const MAX_VIEW = 1024;

/** ASCII symbols outside everyday prose punctuation. */
export function isOddSymbol(c: number): boolean {
  if (c >= 128 || isAsciiAlnum(c)) return false;
  // space, tab, newline and . , ? ! ' " : ; - are ordinary
  return !(
    c <= 32 ||
    c === 46 ||
    c === 44 ||
    c === 63 ||
    c === 33 ||
    c === 39 ||
    c === 34 ||
    c === 58 ||
    c === 59 ||
    c === 45
  );
}

/**
 * Whether the token `text[start, end)` looks like a capitalized word turned round (`saH`, `s'eiruC`, `ainaleM`): its
 * last run of letters is lowercase letters then one capital, and either it reads backwards as a listed word
 * (`segment.ts`, inflections included: has, curie's) or its lowercase letters are not a listed word read forwards
 * (a name the list lacks, `ainaleM`). A word with a capital stuck on (`manualX`, `listA`) or a run of capitals
 * (`tutorialIDE`, `stepsNOW`) is not. Bounded: two lookups of at most {@link MAX_WORD} letters.
 */
function looksTurnedRound(text: string, start: number, end: number): boolean {
  let e = end;
  while (e > start && !isAsciiLetter(text.charCodeAt(e - 1))) e--;
  if (e - start < 2 || !isAsciiUpper(text.charCodeAt(e - 1))) return false;
  let r = e - 1;
  while (r > start && isAsciiLower(text.charCodeAt(r - 1))) r--;
  if (r === e - 1 || e - r > MAX_WORD || (r > start && isAsciiUpper(text.charCodeAt(r - 1)))) return false;
  let backwards = '';
  for (let i = e - 1; i >= r; i--) backwards += String.fromCharCode(text.charCodeAt(i) | 0x20);
  return knownWordCost(backwards) !== undefined || knownWordCost(text.slice(r, e - 1)) === undefined;
}

/**
 * What separates tokens: ASCII whitespace and controls, JavaScript's other whitespace ({@link isWideSpace}), and the
 * blank fillers that render as a gap (Hangul fillers, Braille blank). Text spaced with Hangul
 * fillers (`Howㅤmuchㅤmoney…`, the catalog's `hangul-filler`) would otherwise be one long token.
 */
export function isTokenGap(c: number): boolean {
  if (c <= 32) return true;
  if (c < 0xa0) return false;
  // U+FEFF is `\s` to JavaScript but renders as nothing (a zero-width no-break space): words it sits in stay one.
  return (isWideSpace(c) && c !== 0xfeff) || c === 0x2800 || HANGUL_FILLERS.includes(c);
}

/** What a whitespace-separated token is: no letters or odd symbols (figures, prose punctuation), plain, or machine-made. */
export const TokenKind = { Other: 0, Plain: 1, MachineMade: 2 } as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/**
 * The kind of the token `text[start, end)` (no whitespace in it): machine-made when it mixes ASCII letters with odd
 * symbols (`correctedilde]$.`, `{@`), holds two odd symbols (`]$.`), or has an inner capital (`similarlyNow`). With
 * `eitherWay` (the text holds words spelled backwards), a token whose only oddity is a capital after a lowercase
 * letter with none before a lowercase one is not machine-made when it looks like a capitalized word turned round
 * ({@link looksTurnedRound}: `saH`, `s'eiruC`); a capital both after and before a lowercase letter (`similarlyNow`)
 * counts either way.
 */
export function tokenKind(text: string, start: number, end: number, eitherWay = false): TokenKind {
  let letters = 0;
  let odd = 0;
  // A lowercase letter followed by a capital (`yN`), and a capital followed by a lowercase letter (`No`).
  let camel = false;
  let camelDown = false;
  let prev = 32;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    if (upper || lower) letters++;
    else if (isOddSymbol(c)) odd++;
    if (upper && prev >= 97 && prev <= 122) camel = true;
    if (lower && prev >= 65 && prev <= 90 && camel) camelDown = true;
    prev = c;
  }
  if (letters + odd === 0 && !camel) return TokenKind.Other;
  if (
    (letters > 0 && odd > 0) ||
    odd >= 2 ||
    (camel && (camelDown || !eitherWay || !looksTurnedRound(text, start, end)))
  )
    return TokenKind.MachineMade;
  return TokenKind.Plain;
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;
const isBreak = (c: number): boolean => c === 0x0a || c === 0x0d;

/** {@link isOddSymbol} as a table, for the gate's tight loop. */
const ODD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ODD[c] = isOddSymbol(c) ? 1 : 0;

/**
 * The last line of `text` (as written: case matters, `similarlyNow`) with an adversarial suffix cut off: from the
 * first machine-made token within {@link TAIL} units of the end, when the rest of the line holds at least
 * {@link MIN_MACHINE_TOKENS} of them and at least {@link MIN_WORDS} words stand before it on the line; at most
 * {@link MAX_VIEW} units, whitespace as written. Undefined when the text does not end in such a suffix. Reads at most
 * the last {@link TAIL} + {@link MAX_VIEW} units; ordinary text only the last {@link TAIL}, once (every machine-made
 * token holds an odd symbol or a capital after a lowercase letter, so fewer than two of those end the search).
 */
export function clipAdversarialSuffix(text: string): string | undefined {
  const n = text.length;
  if (n < 2 * MIN_WORDS) return undefined;
  const floor = Math.max(0, n - TAIL);
  let hints = 0;
  let lineStart = -1;
  for (let i = n - 1; i >= floor; i--) {
    const c = text.charCodeAt(i);
    if (c >= 128) continue;
    if (c === 0x0a || c === 0x0d) {
      lineStart = i + 1;
      break;
    }
    if (ODD[c] === 1) hints++;
    else if (c >= 65 && c <= 90 && i > 0) {
      const p = text.charCodeAt(i - 1);
      if (p >= 97 && p <= 122) hints++;
    }
  }
  if (hints < MIN_MACHINE_TOKENS) return undefined;
  // The line may start before the tail: look back as far as the view could reach.
  if (lineStart < 0) {
    lineStart = floor;
    const stop = Math.max(0, floor - MAX_VIEW);
    while (lineStart > stop && !isBreak(text.charCodeAt(lineStart - 1))) lineStart--;
  }
  // The tail is searched from a token boundary.
  let i = Math.max(lineStart, floor);
  if (i > lineStart) while (i < n && !isBlank(text.charCodeAt(i - 1))) i++;
  let first = -1;
  let machine = 0;
  while (i < n) {
    while (i < n && isBlank(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isBlank(text.charCodeAt(i))) i++;
    if (start < i && tokenKind(text, start, i) === TokenKind.MachineMade) {
      if (first < 0) first = start;
      machine++;
    }
  }
  if (first < 0 || machine < MIN_MACHINE_TOKENS) return undefined;
  // Words before the suffix on its line (looked at back to MAX_VIEW units).
  const from = Math.max(lineStart, first - MAX_VIEW);
  let words = 0;
  let j = first;
  while (j > from && words < MIN_WORDS) {
    while (j > from && isBlank(text.charCodeAt(j - 1))) j--;
    const end = j;
    while (j > from && !isBlank(text.charCodeAt(j - 1))) j--;
    if (j < end) words++;
  }
  if (words < MIN_WORDS) return undefined;
  // The view starts on a token boundary.
  let s = from;
  if (s > lineStart) while (s < first && !isBlank(text.charCodeAt(s - 1))) s++;
  return text.slice(s, first);
}
