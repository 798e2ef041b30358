/** Masking of undecoded encoded runs (base64, hex), shared by the tier-1 features and the tier-0 suffix heuristic. */
import { asciiSet, runsOf } from './text';

/** `[A-Za-z0-9+/]`: the base64 alphabet (hex digits included). */
const B64_CODES = asciiSet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/**
 * Replaces each long undecoded encoded run (base64 or hex: a maximal run of `[A-Za-z0-9+/]` of at least
 * `min` code units, with its `=` padding) by one space. A run counts as encoded when it contains a digit
 * or `+`, ends in `=` padding, or is at least `min + 8` long without `/` (an English word almost never
 * is): "harassment/discrimination" and "triphenylphosphoranylidene" stay, a blob goes. The classifier
 * reads gibberish n-grams as noise that lands on arbitrary hashed weights; the decoded views carry the
 * blob's content. Linear: one pass, each character inspected a bounded number of times.
 */
export function maskEncodedRuns(text: string, min: number): string {
  if (!(min > 0) || text.length < min) return text;
  // One jump scan finds the runs (most text has none and is mostly skipped unread).
  let out: string[] | undefined;
  let last = 0;
  const n = text.length;
  for (const [s, i] of runsOf(text, min, B64_CODES)) {
    let digitOrPlus = false;
    let slash = false;
    for (let j = s; j < i; j++) {
      const c = text.charCodeAt(j);
      if ((c >= 48 && c <= 57) || c === 43) digitOrPlus = true;
      else if (c === 47) slash = true;
    }
    let e = i;
    while (e < n && e - i < 2 && text.charCodeAt(e) === 61) e++;
    if (digitOrPlus || e > i || (!slash && i - s >= min + 8)) {
      out ??= [];
      out.push(text.slice(last, s), ' ');
      last = e;
    }
  }
  if (out === undefined) return text;
  out.push(text.slice(last));
  return out.join('');
}
