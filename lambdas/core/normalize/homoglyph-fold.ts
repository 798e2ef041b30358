import * as ascii from '../util/ascii';
import { CONFUSABLE_BLOCKS_RE, HOMOGLYPHS, WEAK_HOMOGLYPHS } from './homoglyphs';
import { LATIN_RE, LETTER_RE, WORD_CHAR_RE } from './patterns';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiAlnum, isAsciiLetter } = ascii;

const BLOCKS_TEST = new RegExp(CONFUSABLE_BLOCKS_RE.source);

/** Whether the code unit at `i` belongs to a word (letters, marks, digits; surrogates never do). */
const isWordChar = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (c < 0x80) return isAsciiAlnum(c);
  if (c >= 0xd800 && c <= 0xdfff) return false;
  if (HOMOGLYPHS.has(c)) return true; // every confusable is a letter; skips the regex on the hot path
  return WORD_CHAR_RE.test(text[i] ?? '');
};

/**
 * A word is folded when it already contains Latin letters (a mixed-script spoof such as `pаypal`),
 * or when it is at least two letters long and every non-ASCII letter in it is a known confusable
 * (an all-Cyrillic spoof such as `рорсоrn`). Genuine Cyrillic/Greek words almost always contain a
 * letter with no Latin lookalike, so they are left alone. A word of confusables that holds a weak one
 * ({@link WEAK_HOMOGLYPHS}) is `weak`, folded only right after a folded word, unless its confusables come
 * from two scripts (`ԝгіτе`: Cyrillic and Greek), which no genuine word does.
 */
const foldKind = (word: string): 'fold' | 'weak' | 'no' => {
  let hasLatin = false;
  let allConfusable = true;
  let weak = false;
  // Scripts of the confusables seen (bit per script): a word mixing two is a spoof whatever it holds.
  let scripts = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 0x80) {
      if (isAsciiLetter(c)) hasLatin = true;
      continue;
    }
    if (HOMOGLYPHS.has(c)) {
      if (WEAK_HOMOGLYPHS.has(c)) weak = true;
      scripts |= scriptBit(c);
      continue;
    }
    const ch = word[i] ?? '';
    if (LATIN_RE.test(ch)) hasLatin = true;
    else if (LETTER_RE.test(ch)) allConfusable = false;
  }
  if (hasLatin) return 'fold';
  if (!allConfusable || word.length < 2) return 'no';
  return weak && (scripts & (scripts - 1)) === 0 ? 'weak' : 'fold';
};

/** Cyrillic, Greek, Armenian, Cherokee, other (Latin extensions, IPA): one bit each. */
const scriptBit = (c: number): number => {
  if (c >= 0x0400 && c <= 0x052f) return 1;
  if (c >= 0x0370 && c <= 0x03ff) return 2;
  if (c >= 0x0530 && c <= 0x058f) return 4;
  if (c >= 0x13a0 && c <= 0x13ff) return 8;
  return 16;
};

/** Most characters between a lone confusable letter and a spoofed word next to it (`а`, `і'm`, `'ѕ`). */
const MAX_NEIGHBOUR_GAP = 3;

/**
 * Folds confusable letters to Latin, word by word (see {@link foldKind}). A confusable letter standing
 * alone as a word (Cyrillic `а`, `і`) is folded only next to a word that was folded (`wrіtе а ѕсrірt`):
 * alone or among genuine Cyrillic words it may be a real one-letter word and stays. Linear: candidates
 * come from one scan of {@link CONFUSABLE_BLOCKS_RE} and each word is examined once.
 * @returns the folded text and how many characters were replaced.
 */
export function foldHomoglyphs(text: string): { text: string; folds: number } {
  if (!BLOCKS_TEST.test(text)) return { text, folds: 0 };
  const re = CONFUSABLE_BLOCKS_RE;
  re.lastIndex = 0;
  const parts: string[] = [];
  let last = 0;
  let folds = 0;
  // End of the last folded word, and a lone confusable letter waiting for a folded word after it.
  let foldedEnd = -1;
  let pending = -1;
  const fold = (start: number, end: number): void => {
    let folded = '';
    for (let i = start; i < end; i++) {
      const to = HOMOGLYPHS.get(text.charCodeAt(i));
      if (to === undefined) folded += text[i] ?? '';
      else {
        folded += to;
        folds++;
      }
    }
    parts.push(text.slice(last, start), folded);
    last = end;
    foldedEnd = end;
  };
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (!HOMOGLYPHS.has(text.charCodeAt(m.index))) continue;
    let start = m.index;
    while (start > last && isWordChar(text, start - 1)) start--;
    let end = m.index + 1;
    while (end < text.length && isWordChar(text, end)) end++;
    re.lastIndex = end;
    const kind = foldKind(text.slice(start, end));
    if (kind === 'fold' || (kind === 'weak' && foldedEnd >= 0 && start - foldedEnd <= MAX_NEIGHBOUR_GAP)) {
      if (pending >= 0 && start - pending - 1 <= MAX_NEIGHBOUR_GAP) fold(pending, pending + 1);
      pending = -1;
      fold(start, end);
    } else if (end - start === 1) {
      if (foldedEnd >= 0 && start - foldedEnd <= MAX_NEIGHBOUR_GAP) fold(start, end);
      else pending = start;
    } else pending = -1;
  }
  if (last === 0 && folds === 0) return { text, folds: 0 };
  parts.push(text.slice(last));
  return { text: parts.join(''), folds };
}
