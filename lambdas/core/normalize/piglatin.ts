/**
 * Pig Latin read back (promptfoo's "pig-latin" strategy): every word moved its leading consonants to
 * the end and added "ay" (`how to make` → `owhay otay akemay`). The move loses where the word began
 * (`owhay` is "how" or "who"), so the reading is a best guess: a word that is already a common English
 * word starting with a vowel stays (`anday` → and), otherwise the longest English onset among the
 * trailing consonants moves back to the front (`eetstray` → street, `ombbay` → bomb). Where several
 * readings are English words, the most frequent one is taken (`segment.ts` holds the frequency list).
 */

import * as ascii from '../util/ascii';
import { wordCost } from './segment';
import { isSentenceEnd } from './text';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiLower } = ascii;

const isVowel = (c: number): boolean => c === 0x61 || c === 0x65 || c === 0x69 || c === 0x6f || c === 0x75;

/** English word onsets of two or three consonants ("y" counts as a consonant, as the encoders do). */
const ONSETS: ReadonlySet<string> = new Set(
  'bl br ch cl cr dr fl fr gl gr kn ph pl pr sc sh sk sl sm sn sp st sw th tr tw wh wr sch scr shr spl spr str thr'.split(
    ' ',
  ),
);

/** Common words that start with a vowel: read as they are once "ay" is dropped (`itay` → it, not "ti"). */
const VOWEL_WORDS: ReadonlySet<string> = new Set(
  'a i an and any anyone anything are as at all also always about above after again against am among another around away each either else even ever every everyone everything if in into is it its of off on once one only onto or other others our out over own under until up upon us use used using unless even open easy early end enough example illegal information instructions ignore image include instead internet online order others eat explain exactly access account actual address attack alcohol animal animals answer apply area ask item items age agent'.split(
    ' ',
  ),
);

/** One Pig Latin word (lowercase, ends in "ay" or "way") read back; undefined when it is not one. */
function readWord(w: string): string | undefined {
  if (w.length < 3 || !w.endsWith('ay')) return undefined;
  const r = w.slice(0, -2);
  if (VOWEL_WORDS.has(r)) return r;
  let k = 0;
  while (k < r.length && !isVowel(r.charCodeAt(r.length - 1 - k))) k++;
  if (k === 0 || k === r.length) return r; // began with a vowel, or has none (`myay` → my)
  // Every reading (as it is, or 1..k trailing consonants moved back to the front) that is an English
  // word competes; the most frequent wins (`owh` → how, `opt` → top, `and` stays).
  let best: string | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  // promptfoo's variant adds "way" to a word that starts with a vowel (`and` → `andway`): that reading
  // competes too (`andway` is "and", not "wand").
  if (w.endsWith('way') && isVowel(w.charCodeAt(0))) {
    const plain = w.slice(0, -3);
    if (VOWEL_WORDS.has(plain)) return plain;
    const cost = wordCost(plain);
    if (cost !== undefined) {
      best = plain;
      bestCost = cost;
    }
  }
  for (let m = 0; m <= k; m++) {
    const candidate = m === 0 ? r : r.slice(r.length - m) + r.slice(0, r.length - m);
    const cost = wordCost(candidate);
    if (cost !== undefined && cost < bestCost) {
      best = candidate;
      bestCost = cost;
    }
  }
  if (best !== undefined) return best;
  let j = 1;
  for (let m = Math.min(3, k); m >= 2; m--) {
    if (ONSETS.has(r.slice(r.length - m))) {
      j = m;
      break;
    }
  }
  return r.slice(r.length - j) + r.slice(0, r.length - j);
}

/** Share of words that must end in "ay" (Pig Latin turns every word; English prose has a few: day, say, may). */
export const MIN_SHARE = 0.8;
/** Words ending in "ay" needed, in the whole text or in one sentence. */
export const MIN_WORDS = 3;

/** The text `[start, end)` with its "ay" words (`spans`: start, end pairs) read back. */
function readSpans(text: string, start: number, end: number, spans: readonly number[]): string {
  const parts: string[] = [];
  let last = start;
  for (let k = 0; k < spans.length; k += 2) {
    const s = spans[k] as number;
    const e = spans[k + 1] as number;
    const word = readWord(text.slice(s, e));
    if (word === undefined) continue;
    parts.push(text.slice(last, s), word);
    last = e;
  }
  parts.push(text.slice(last, end));
  return parts.join('');
}

/**
 * Whether a stretch (the whole text, or one sentence) with `words` runs of `[a-z]`, `ays` of them Pig
 * Latin words (three letters or more, ending in "ay"), reads as Pig Latin. The scanner's gate asks the
 * same question of the same counts, so it says no only where this reader would find nothing.
 */
export const passes = (ays: number, words: number): boolean => ays >= MIN_WORDS && ays >= words * MIN_SHARE;

/**
 * Pig Latin view of lowercase text, or undefined when it is none. When at least {@link MIN_WORDS} words,
 * and at least {@link MIN_SHARE} of the words, of the whole text end in "ay", the whole text is read back
 * (`whole`: the reading holds every word, the text itself only the cipher).
 * Otherwise each sentence is judged on its own and the view holds only the sentences that pass, read
 * back (as the other decoders give the runs they decode), so a plain lead-in neither dilutes the share
 * nor the reading. A cheap count of "ay" endings decides first. Linear: every unit is visited once, and
 * each "ay" word is kept as one span.
 */
export function readPigLatin(text: string): { readonly text: string; readonly whole: boolean } | undefined {
  let endings = 0;
  for (let i = text.indexOf('ay'); i >= 0; i = text.indexOf('ay', i + 2)) {
    if (!isAsciiLower(text.charCodeAt(i + 2))) endings++;
  }
  if (endings < MIN_WORDS) return undefined;
  const sentences: string[] = [];
  // Start and end of each "ay" word of the text; those of the current sentence from `first` on.
  const spans: number[] = [];
  let first = 0;
  let start = 0;
  let words = 0;
  let allWords = 0;
  const endSentence = (end: number): void => {
    if (passes((spans.length - first) / 2, words)) {
      sentences.push(readSpans(text, start, end, spans.slice(first)).trim());
    }
    first = spans.length;
    start = end;
    allWords += words;
    words = 0;
  };
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (!isAsciiLower(c)) {
      i++;
      if (isSentenceEnd(c)) endSentence(i);
      continue;
    }
    const s = i;
    while (i < text.length && isAsciiLower(text.charCodeAt(i))) i++;
    words++;
    if (i - s >= 3 && text.charCodeAt(i - 2) === 0x61 && text.charCodeAt(i - 1) === 0x79) spans.push(s, i);
  }
  endSentence(text.length);
  if (passes(spans.length / 2, allWords))
    return { text: readSpans(text, 0, text.length, spans), whole: true };
  return sentences.length > 0 ? { text: sentences.join(' '), whole: false } : undefined;
}
