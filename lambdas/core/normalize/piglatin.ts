/**
 * Pig Latin read back (promptfoo's "pig-latin" strategy): every word moved its leading consonants to
 * the end and added "ay" (`how to make` → `owhay otay akemay`). The move loses where the word began
 * (`owhay` is "how" or "who"), so the reading is a best guess: a word that is already a common English
 * word starting with a vowel stays (`anday` → and), otherwise the longest English onset among the
 * trailing consonants moves back to the front (`eetstray` → street, `ombbay` → bomb).
 */

const isVowel = (c: number): boolean => c === 0x61 || c === 0x65 || c === 0x69 || c === 0x6f || c === 0x75;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;

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

/** One Pig Latin word (lowercase, ends in "ay") read back; undefined when it is not one. */
function readWord(w: string): string | undefined {
  if (w.length < 3 || !w.endsWith('ay')) return undefined;
  const r = w.slice(0, -2);
  if (VOWEL_WORDS.has(r)) return r;
  let k = 0;
  while (k < r.length && !isVowel(r.charCodeAt(r.length - 1 - k))) k++;
  if (k === 0 || k === r.length) return r; // began with a vowel, or has none (`myay` → my)
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
const MIN_SHARE = 0.8;
const MIN_WORDS = 3;

/**
 * Pig Latin view of lowercase text, or undefined when fewer than {@link MIN_SHARE} of the words (and
 * fewer than {@link MIN_WORDS}) end in "ay". A cheap count of "ay" endings decides first. Linear.
 */
export function readPigLatin(text: string): string | undefined {
  let endings = 0;
  for (let i = text.indexOf('ay'); i >= 0; i = text.indexOf('ay', i + 2)) {
    if (!isLower(text.charCodeAt(i + 2))) endings++;
  }
  if (endings < MIN_WORDS) return undefined;
  // Words are about the spaces plus one (native scan): most text stops here, before the word pass.
  let spaces = 0;
  for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) spaces++;
  if (endings < (spaces + 1) * MIN_SHARE) return undefined;
  let words = 0;
  const parts: string[] = [];
  let last = 0;
  for (let i = 0; i < text.length; ) {
    if (!isLower(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    while (i < text.length && isLower(text.charCodeAt(i))) i++;
    words++;
    const read = readWord(text.slice(s, i));
    if (read !== undefined) {
      parts.push(text.slice(last, s), read);
      last = i;
    }
  }
  if (endings < words * MIN_SHARE) return undefined;
  parts.push(text.slice(last));
  return parts.join('');
}
