/**
 * Character codes written out as numbers: decimal code points separated by spaces or commas (garak's
 * `CharCode` buff writes `72 111 119 …`; JavaScript's `String.fromCharCode(72,111,119)`), and runs of
 * octal byte escapes (`\150\157\167`, C and Python string literals). Both are read in place, like the
 * `\u` escapes: each run becomes one decoded piece, and its span is blanked in the residual view, so
 * the numbers are judged by what they spell, not as noise (before this decoder a benign request in
 * garak's CharCode form was blocked as an injection 83 % of the time on the validation split).
 *
 * No regex: one forward scan; every character is read a bounded number of times.
 */
import { bytesToText } from './decode';
import type { Decoded } from './encodings';
import { DECIMAL_PAIR_RE } from './patterns';
import { asciiSet, runsOf } from './text';

/** Numbers a decimal run needs: fewer is a list of figures, not a message. */
export const MIN_CHAR_CODES = 12;
/** Octal escapes an octal run needs. */
export const MIN_OCTAL_ESCAPES = 8;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isOctal = (c: number): boolean => c >= 0x30 && c <= 0x37;
const isAlnum = (c: number): boolean =>
  isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x5f;

/**
 * Whether decoded code points read as text: almost all printable ASCII, mostly letters and spaces,
 * and, when long enough to hold words, some spaces. A table of figures (`10, 20, 30 …`, years,
 * prices) decodes to control characters, digits' neighbours or CJK and fails here.
 */
function readsAsText(codes: readonly number[]): boolean {
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (const c of codes) {
    if ((c >= 0x20 && c <= 0x7e) || c === 0x0a || c === 0x09) printable++;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) letters++;
    if (c === 0x20 || c === 0x0a) spaces++;
  }
  const n = codes.length;
  if (printable < n * 0.95) return false;
  if (letters + spaces < n * 0.7) return false;
  return n < 16 || spaces > 0;
}

/**
 * Decimal runs: numbers of one to three digits (plus a few longer code points, below U+10FFFF)
 * separated by spaces, tabs, commas or semicolons, at least {@link MIN_CHAR_CODES} of them, not
 * glued to a letter, digit, `.` or `_` (a version string or a decimal number is no run).
 */
function decimalRuns(text: string, out: Decoded, budget: number, used: { n: number }): void {
  // Candidate stretches come from the shared jump scan: prose is mostly skipped unread.
  for (const [from, to] of runsOf(text, MIN_DECIMAL_RUN, DECIMAL_UNITS))
    decimalRunsIn(text, from, to, out, budget, used);
}

/** What decimal runs are made of, and their shortest form: twelve one-digit numbers and eleven separators. */
const DECIMAL_UNITS = asciiSet('0123456789 ,;\t');
const MIN_DECIMAL_RUN = MIN_CHAR_CODES * 2 - 1;

function decimalRunsIn(
  text: string,
  from: number,
  to: number,
  out: Decoded,
  budget: number,
  used: { n: number },
): void {
  const n = text.length;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (!isDigit(c) || (i > 0 && isAlnum(text.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    const start = i;
    const codes: number[] = [];
    let end = i;
    let j = i;
    for (;;) {
      let v = 0;
      let digits = 0;
      while (j < n && isDigit(text.charCodeAt(j)) && digits < 8) {
        v = v * 10 + (text.charCodeAt(j) - 0x30);
        j++;
        digits++;
      }
      // A number glued to a letter, `.` or `_`, or too long, ends the run before it.
      if (digits === 0 || (j < n && isAlnum(text.charCodeAt(j))) || v > 0x10ffff) break;
      codes.push(v);
      end = j;
      // Separator: spaces/tabs with at most one comma or semicolon among them.
      let k = j;
      let marks = 0;
      while (k < n && k - j < 4) {
        const s = text.charCodeAt(k);
        if (s === 0x20 || s === 0x09) k++;
        else if ((s === 0x2c || s === 0x3b) && marks === 0) {
          marks++;
          k++;
        } else break;
      }
      if (k === j || k >= n || !isDigit(text.charCodeAt(k))) break;
      j = k;
    }
    if (codes.length >= MIN_CHAR_CODES && readsAsText(codes)) {
      let decoded = '';
      for (const cp of codes) decoded += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCodePoint(cp);
      if (used.n + decoded.length <= budget) {
        out.pieces.push(decoded);
        out.spans.push([start, end]);
        used.n += decoded.length;
      }
    }
    i = Math.max(end, start + 1);
  }
}

/** Octal runs: consecutive `\ooo` escapes (first digit 0–3), at least {@link MIN_OCTAL_ESCAPES}. */
function octalRuns(text: string, out: Decoded, budget: number, used: { n: number }): void {
  const n = text.length;
  let i = text.indexOf('\\');
  while (i >= 0 && i < n) {
    const start = i;
    const bytes: number[] = [];
    let j = i;
    while (
      j + 3 < n &&
      text.charCodeAt(j) === 0x5c &&
      text.charCodeAt(j + 1) >= 0x30 &&
      text.charCodeAt(j + 1) <= 0x33 &&
      isOctal(text.charCodeAt(j + 2)) &&
      isOctal(text.charCodeAt(j + 3))
    ) {
      bytes.push(
        (text.charCodeAt(j + 1) - 0x30) * 64 +
          (text.charCodeAt(j + 2) - 0x30) * 8 +
          (text.charCodeAt(j + 3) - 0x30),
      );
      j += 4;
    }
    if (bytes.length >= MIN_OCTAL_ESCAPES) {
      const decoded = bytesToText(Uint8Array.from(bytes));
      if (decoded !== undefined && used.n + decoded.length <= budget) {
        out.pieces.push(decoded);
        out.spans.push([start, j]);
        used.n += decoded.length;
      }
    }
    i = text.indexOf('\\', Math.max(j, start + 1));
  }
}

/** Decimal character codes and octal escapes, each run decoded on its own (see the module comment). */
export function decodeCharCodes(text: string, budget: number, digit: boolean): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  if (!digit) return out;
  const used = { n: 0 };
  if (DECIMAL_PAIR_RE.test(text)) decimalRuns(text, out, budget, used);
  if (text.includes('\\')) octalRuns(text, out, budget, used);
  return out;
}

/** Base64 words a text needs before they are read in place. */
export const MIN_BASE64_WORDS = 2;

const isB64 = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || isDigit(c) || c === 0x2b || c === 0x2f;
const isAsciiLetterByte = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/**
 * Whether some `=` pads a base64 token of 2–22 symbols that decodes to ASCII letters only: found from the
 * `=` signs (string searches), each looked back on at most 22 characters, so text without such a word is
 * not read whole.
 */
function paddedLetterWord(text: string): boolean {
  for (let k = text.indexOf('='); k >= 0; k = text.indexOf('=', k + 1)) {
    if (k > 0 && text.charCodeAt(k - 1) === 0x3d) continue;
    let s = k;
    while (s > 0 && k - s < 22 && isB64(text.charCodeAt(s - 1))) s--;
    if (s > 0 && isB64(text.charCodeAt(s - 1))) continue;
    let pad = k;
    while (pad < text.length && pad - k < 2 && text.charCodeAt(pad) === 0x3d) pad++;
    if ((pad - s) % 4 !== 0 || k - s < 2) continue;
    const bytes = Buffer.from(text.slice(s, k), 'base64');
    let letters = bytes.length >= 3;
    for (const b of bytes) if (!isAsciiLetterByte(b)) letters = false;
    if (letters) return true;
  }
  return false;
}

/**
 * Single words in base64 among plain ones (`how do i make a Ym9tYg==`): a partial encoding of only the
 * words a filter would catch. Only text where some `=` pads such a word is read (two encoded words almost
 * never both lack padding). A token of 4–24 base64 symbols (with its `=` padding, a length the padding makes a multiple
 * of 4) that mixes cases and holds a digit or padding, and decodes to 3 or more letters and nothing else is
 * such a word; a random token (a name, an id) almost never decodes to letters only (about (52/256)^n
 * for n bytes). With at least {@link MIN_BASE64_WORDS} of them, the text is returned with each decoded in
 * place, its spans blanked in the residual view. One pass; each token decoded once.
 */
export function decodeBase64Words(text: string): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  // Two encoded words almost never both lack padding (a word of 3k letters has none): no `=`, no pass.
  if (!text.includes('=') || !paddedLetterWord(text)) return out;
  const n = text.length;
  const words: Array<[number, number, string]> = [];
  for (let i = 0; i < n; ) {
    if (!isB64(text.charCodeAt(i)) || (i > 0 && isB64(text.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    let j = i;
    let upper = false;
    let lower = false;
    let digit = false;
    while (j < n && isB64(text.charCodeAt(j))) {
      const c = text.charCodeAt(j);
      if (c >= 0x41 && c <= 0x5a) upper = true;
      else if (c >= 0x61 && c <= 0x7a) lower = true;
      else digit = true;
      j++;
    }
    let end = j;
    while (end < n && end - j < 2 && text.charCodeAt(end) === 0x3d) end++;
    const len = end - i;
    const next = end < n ? text.charCodeAt(end) : 0x20;
    // Mixed case, and a digit or padding: a capitalised word (`Then`, `Whatever`) is not decoded.
    const shaped = upper && lower && (digit || end > j);
    if (len >= 4 && len <= 24 && len % 4 === 0 && shaped && !isB64(next) && next !== 0x3d) {
      const bytes = Buffer.from(text.slice(i, j), 'base64');
      let letters = bytes.length >= 3;
      for (const b of bytes) if (!isAsciiLetterByte(b)) letters = false;
      if (letters) words.push([i, end, bytes.toString('latin1')]);
    }
    i = end > i ? end : i + 1;
  }
  if (words.length < MIN_BASE64_WORDS) return out;
  let piece = '';
  let last = 0;
  for (const [s, e, w] of words) {
    piece += `${text.slice(last, s)}${w}`;
    last = e;
    out.spans.push([s, e]);
  }
  out.pieces.push(piece + text.slice(last));
  return out;
}
