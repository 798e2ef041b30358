/** Masking of undecoded encoded runs (base64, hex), shared by the tier-1 features and the tier-0 suffix heuristic. */
import { asciiSet, hasRun } from './text';

/** `[A-Za-z0-9+/]`: the base64 alphabet (hex digits included). */
const B64_CODES = asciiSet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

const isB64Code = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 43 || c === 47;

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
  // Fast path (most text): no run of `min` encoding characters anywhere. Scan by jumping: a run of
  // `min` must contain position k·min for some k, so only runs through those positions are measured.
  if (!hasRun(text, min, B64_CODES)) return text;
  let out: string[] | undefined;
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (!isB64Code(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    let digitOrPlus = false;
    let slash = false;
    while (i < n && isB64Code(text.charCodeAt(i))) {
      const c = text.charCodeAt(i);
      if ((c >= 48 && c <= 57) || c === 43) digitOrPlus = true;
      else if (c === 47) slash = true;
      i++;
    }
    let e = i;
    while (e < n && e - i < 2 && text.charCodeAt(e) === 61) e++;
    const len = i - s;
    if (len >= min && (digitOrPlus || e > i || (!slash && len >= min + 8))) {
      out ??= [];
      out.push(text.slice(last, s), ' ');
      last = e;
    }
    i = e;
  }
  if (out === undefined) return text;
  out.push(text.slice(last));
  return out.join('');
}
