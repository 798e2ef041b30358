/**
 * Caesar shifts other than 13 (garak's `Caesar` buff shifts by 5 and says so; "ROT3", "shift each letter
 * back by 7"…). rot13 has its own view (`decode.ts`); any other shift is read here, only when the text
 * names the cipher (`caesar`, `cipher`, `shift`, `rot` + a number): without such a hint, ordinary text
 * never builds the word table (segment.ts) for this reading.
 *
 * The shift is the one that turns most of the text's unknown words (not in the word-frequency list, ADR
 * 0039) into known ones. The reading is the stretch from the first to the last word so explained, rotated
 * (English words inside it that no shift explains kept), and nothing else: the text around it is read in
 * the other views. Linear: one tokenising pass, at most {@link MAX_PROBE_WORDS} × 24 lookups to choose
 * the shift, one pass to write the reading.
 */
import { knownWordCost } from './segment';

/** Unknown words probed per shift. */
export const MAX_PROBE_WORDS = 64;
/** Unknown words the chosen shift must explain, at least. */
export const MIN_SHIFTED_WORDS = 3;
/** Share of the probed unknown words the chosen shift must explain. */
export const MIN_SHIFTED_SHARE = 0.5;
/** Shortest word probed: shorter ones are words under too many shifts. */
const MIN_PROBE_LENGTH = 3;
/** Longest word probed (longer ones are identifiers or run-together text). */
const MAX_PROBE_LENGTH = 18;

const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** Whether lowercase text names a Caesar shift. String searches only. */
export function namesCaesar(lower: string): boolean {
  if (lower.includes('caesar') || lower.includes('cipher') || lower.includes('shift')) return true;
  for (let i = lower.indexOf('rot'); i >= 0; i = lower.indexOf('rot', i + 3)) {
    const c = lower.charCodeAt(i + 3);
    const d = c === 0x2d || c === 0x5f || c === 0x20 ? lower.charCodeAt(i + 4) : c;
    if (d >= 0x31 && d <= 0x39) return true;
  }
  return false;
}

/** `word` (lowercase ASCII letters) shifted back by `shift` letters. */
export function unshift(word: string, shift: number): string {
  let out = '';
  for (let i = 0; i < word.length; i++)
    out += String.fromCharCode(((word.charCodeAt(i) - 0x61 + 26 - shift) % 26) + 0x61);
  return out;
}

const known = (word: string): boolean => knownWordCost(word) !== undefined;

/**
 * The Caesar reading of lowercase text that {@link namesCaesar}, or undefined when no shift other than
 * 0 and 13 explains enough of its unknown words.
 */
export function caesarReading(lower: string): string | undefined {
  // Words: maximal runs of a–z.
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < lower.length; ) {
    if (!isLower(lower.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < lower.length && isLower(lower.charCodeAt(j))) j++;
    starts.push(i);
    ends.push(j);
    i = j;
  }
  const probes: string[] = [];
  for (let w = 0; w < starts.length && probes.length < MAX_PROBE_WORDS; w++) {
    const len = (ends[w] as number) - (starts[w] as number);
    if (len < MIN_PROBE_LENGTH || len > MAX_PROBE_LENGTH) continue;
    const word = lower.slice(starts[w], ends[w]);
    if (!known(word)) probes.push(word);
  }
  if (probes.length < MIN_SHIFTED_WORDS) return undefined;
  let best = 0;
  let bestCount = 0;
  for (let shift = 1; shift < 26; shift++) {
    if (shift === 13) continue;
    let n = 0;
    for (const p of probes) if (known(unshift(p, shift))) n++;
    if (n > bestCount) {
      bestCount = n;
      best = shift;
    }
  }
  if (bestCount < MIN_SHIFTED_WORDS || bestCount < probes.length * MIN_SHIFTED_SHARE) return undefined;
  // The stretch from the first to the last word the shift explains (a word it turns into a known one
  // that was not one already).
  const explains = (w: number): boolean => {
    const word = lower.slice(starts[w], ends[w]);
    return !known(word) && known(unshift(word, best));
  };
  let first = -1;
  for (let w = 0; w < starts.length; w++)
    if (explains(w)) {
      first = w;
      break;
    }
  let last = first;
  for (let w = starts.length - 1; w > first; w--)
    if (explains(w)) {
      last = w;
      break;
    }
  if (first < 0) return undefined;
  // Short words of the code that happen to be words as written (`ph` for `me`) join the stretch at its
  // ends as long as their shift is a word too.
  const shiftsToWord = (w: number): boolean => known(unshift(lower.slice(starts[w], ends[w]), best));
  while (first > 0 && shiftsToWord(first - 1)) first--;
  while (last + 1 < starts.length && shiftsToWord(last + 1)) last++;
  let out = '';
  for (let w = first; w <= last; w++) {
    const word = lower.slice(starts[w], ends[w]);
    const shifted = unshift(word, best);
    // A plain English word inside the stretch stays unless its shift is a word too.
    out += known(word) && !known(shifted) ? word : shifted;
    out += lower.slice(ends[w], w < last ? starts[w + 1] : ends[w]);
  }
  // The stretch alone: a lead-in naming the cipher, read with the request, lifts its injection score
  // (a benign request after "Caesar cipher (shift 3):" was flagged); the plain text is in the other views.
  let end = ends[last] as number;
  while (end < lower.length && end - (ends[last] as number) < 4 && !isBlank(lower.charCodeAt(end))) end++;
  return out + lower.slice(ends[last], end);
}
