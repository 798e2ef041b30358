/**
 * NATO phonetic spelling ("Hotel Oscar Whiskey") read back as letters: garak's InjectNato probe and the
 * "spell it out" jailbreaks. Runs of at least {@link MIN_NATO_WORDS} code words separated only by
 * spaces and light punctuation are decoded; `(space)`, `space`, `/` and `|` between code words mark a
 * word gap, digits are kept. A run with no word gap at all and only letters (garak's form, which drops
 * them) is split into English words (`segment.ts`). No regexes: one pass over the words.
 */

import * as ascii from '../util/ascii';
import type { Decoded } from './encodings';
import { splitWords } from './segment';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiDigit, isAsciiLetter } = ascii;

/** Code words, lowercase (both spellings where ICAO and common usage differ: alfa/alpha, juliett/juliet). */
const CODE: ReadonlyMap<string, string> = new Map([
  ...'alfa bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'
    .split(' ')
    .map((w, i) => [w, String.fromCharCode(97 + i)] as const),
  ['alpha', 'a'],
  ['juliet', 'j'],
  ['whisky', 'w'],
  ['x-ray', 'x'],
]);

/** The fewest code words in a run (three could be a sentence about a hotel in Lima). */
export const MIN_NATO_WORDS = 4;
/** Gapless runs of at least this many letters are split into words (shorter ones are read as one word). */
export const MIN_SPLIT_LETTERS = 6;

/** Whether `s` is only lowercase ASCII letters. */
function lettersOnly(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

/** Characters allowed between two code words of one run. */
const isJoiner = (c: number): boolean =>
  c === 0x20 ||
  c === 0x09 ||
  c === 0x0a ||
  c === 0x0d ||
  c === 0x2c ||
  c === 0x2d ||
  c === 0x2e ||
  c === 0x3b ||
  c === 0x28 ||
  c === 0x29 ||
  c === 0x2f ||
  c === 0x7c;
/** Joiners that mark a word gap. */
const isGap = (c: number): boolean => c === 0x2f || c === 0x7c;

/**
 * Decodes every run of NATO code words in `text` (case-insensitive) to its letters, one piece per run.
 * `budget` bounds the decoded characters. Linear: each character is visited a bounded number of times.
 */
export function decodeNatoRuns(text: string, budget: number): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  const n = text.length;
  let used = 0;
  let run = '';
  let words = 0;
  let runStart = -1;
  let runEnd = -1;
  let gap = false;
  let gapless = true;
  const flush = (): void => {
    let piece = run.trim();
    if (words >= MIN_NATO_WORDS && used + piece.length <= budget) {
      if (gapless && piece.length >= MIN_SPLIT_LETTERS && lettersOnly(piece)) {
        const split = splitWords(piece);
        if (used + split.length <= budget) piece = split;
      }
      out.pieces.push(piece);
      out.spans.push([runStart, runEnd]);
      used += piece.length;
    }
    run = '';
    words = 0;
    runStart = -1;
    gap = false;
    gapless = true;
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isAsciiLetter(c) && !isAsciiDigit(c)) {
      if (runStart >= 0 && !isJoiner(c)) flush();
      else if (runStart >= 0 && isGap(c)) gap = true;
      i++;
      continue;
    }
    const s = i;
    while (i < n && (isAsciiLetter(text.charCodeAt(i)) || isAsciiDigit(text.charCodeAt(i)))) i++;
    // "X-ray" is one code word although `-` also joins words.
    if (
      i + 4 <= n &&
      i - s === 1 &&
      (c === 0x78 || c === 0x58) &&
      text.slice(i, i + 4).toLowerCase() === '-ray'
    )
      i += 4;
    const word = text.slice(s, i).toLowerCase();
    const letter = CODE.get(word);
    if (letter !== undefined || (runStart >= 0 && isAsciiDigit(c) && i - s === 1)) {
      if (runStart < 0) runStart = s;
      if (gap && run.length > 0) {
        run += ' ';
        gapless = false;
      }
      gap = false;
      run += letter ?? word;
      words++;
      runEnd = i;
    } else if (runStart >= 0 && word === 'space') {
      gap = true;
      runEnd = i;
    } else if (runStart >= 0) flush();
  }
  if (runStart >= 0) flush();
  return out;
}
