import { isUtf8 } from 'node:buffer';
import * as ascii from '../util/ascii';
import { FUNCTION_WORDS } from './function-words';
import {
  BASE64URL_RE,
  ENGLISH_WORDS_RE,
  HEX_ESCAPED_RE,
  HEX_NOISE_RE,
  HEX_ONLY_RE,
  HEX_SPACED_RE,
  PERCENT_RE,
  ROT13_SIGNAL_RE,
  URL_RUN_RE,
} from './patterns';
import {
  asciiSet,
  cipherStretch,
  codeUnits,
  contextEnd,
  contextStart,
  hasRun,
  isSentenceEnd,
  matchStarts,
  runsOf,
  scratchOf,
} from './text';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiLower } = ascii;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Share of characters that must be printable for decoded bytes to count as text. */
export const MIN_PRINTABLE_RATIO = 0.9;
/** Decoded text shorter than this is ignored (too little to be an instruction, too likely a fluke). */
export const MIN_DECODED_CHARS = 6;

/** Whether a decoded string looks like text: mostly printable, not control bytes or U+FFFD. */
export function isMostlyPrintable(text: string): boolean {
  if (text.length < MIN_DECODED_CHARS) return false;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f) || c === 0xfffd)
      bad++;
  }
  return bad <= text.length * (1 - MIN_PRINTABLE_RATIO);
}

/**
 * Decodes bytes as strict UTF-8 and keeps the result only when it looks like text. Invalid UTF-8 is
 * ruled out first by the native validator: the fatal decoder would throw, and an exception per
 * candidate run (URLs, code and long words are candidates of the base64 and base85 scans) costs more
 * than the decoding.
 */
export const bytesToText = (bytes: Uint8Array): string | undefined => {
  if (!isUtf8(bytes)) return undefined;
  try {
    const text = UTF8.decode(bytes);
    return isMostlyPrintable(text) ? text : undefined;
  } catch {
    return undefined;
  }
};

/** The run without its trailing `=` padding (a loop: `/=+$/` is quadratic on long runs of `=`). */
const stripPadding = (run: string): string => {
  let end = run.length;
  while (end > 0 && run.charCodeAt(end - 1) === 0x3d) end--;
  return run.slice(0, end);
};

/** `[A-Za-z0-9+/_-]`: the base64 and base64url alphabets. */
const B64 = asciiSet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-');

/** Shortest candidate run (symbols, padding excluded). */
const MIN_BASE64_RUN = 16;

/**
 * The matches (group 1) of {@link BASE64_RUN_RE} — maximal runs of ≥ 16 base64/base64url symbols
 * with up to two `=` of padding, each starting at the text start or after a symbol not consumed by the
 * previous match — found by the shared jump scan ({@link runsOf}) instead of a match tried at every
 * position: ordinary words are mostly skipped unread. Linear.
 */
export function base64Runs(text: string): string[] {
  const runs: string[] = [];
  const n = text.length;
  let lastEnd = 0;
  for (const [i, e] of runsOf(text, MIN_BASE64_RUN, B64)) {
    let padded = e;
    while (padded < n && padded - e < 2 && text.charCodeAt(padded) === 0x3d) padded++;
    // The regex needs the text start or an unconsumed non-symbol before the run.
    if (i === 0 || i - 1 >= lastEnd) {
      runs.push(text.slice(i, padded));
      lastEnd = padded;
    }
  }
  return runs;
}

/**
 * Decodes every base64 / base64url run of ≥ 16 symbols that yields mostly printable UTF-8.
 * Runs made only of hex digits are also appended to `hexRuns` when given (see {@link decodeHexRuns}).
 * @returns the decoded pieces, in order of appearance, at most `budget` characters in total.
 */
export function decodeBase64Runs(text: string, budget: number, hexRuns?: string[]): string[] {
  const out: string[] = [];
  let used = 0;
  for (const run of base64Runs(text)) {
    if (hexRuns !== undefined && HEX_ONLY_RE.test(run)) hexRuns.push(run);
    const body = stripPadding(run);
    if (body.length % 4 === 1) continue;
    const bytes = Buffer.from(
      body.replace(BASE64URL_RE, (c) => (c === '-' ? '+' : '/')),
      'base64',
    );
    const decoded = bytesToText(bytes);
    if (decoded === undefined || used + decoded.length > budget) continue;
    out.push(decoded);
    used += decoded.length;
  }
  return out;
}

/** Decodes one hex run (prefixes and separators dropped; an odd trailing digit ignored). */
const decodeHex = (run: string): string | undefined => {
  const digits = run.replace(HEX_NOISE_RE, '');
  return bytesToText(Buffer.from(digits.length % 2 === 0 ? digits : digits.slice(0, -1), 'hex'));
};

/**
 * What separated hex runs are made of (digits and the separators of {@link HEX_SPACED_RE}), and its
 * shortest match: eight two-digit bytes and seven separators.
 */
export const HEX_SPACED_UNITS = asciiSet('0123456789abcdefABCDEF :');
export const MIN_HEX_SPACED_RUN = 8 * 2 + 7;

/**
 * Decodes every run of ≥ 8 hex-encoded bytes that yields text: escaped (`\x41…`, `0x41 …`) and
 * separated (`41 42 …`) runs here; plain runs of ≥ 16 digits are passed in by the base64 scan
 * (`plainRuns`), which already found them.
 */
export function decodeHexRuns(text: string, budget: number, plainRuns: readonly string[] = []): string[] {
  const runs: string[] = [...plainRuns];
  if (text.includes('\\x') || text.includes('0x'))
    for (const m of text.matchAll(HEX_ESCAPED_RE)) runs.push(m[0]);
  if (hasRun(text, MIN_HEX_SPACED_RUN, HEX_SPACED_UNITS))
    for (const m of text.matchAll(HEX_SPACED_RE)) runs.push(m[0]);
  const out: string[] = [];
  let used = 0;
  for (const run of runs) {
    const decoded = decodeHex(run);
    if (decoded === undefined || used + decoded.length > budget) continue;
    out.push(decoded);
    used += decoded.length;
  }
  return out;
}

/** Minimum number of `%xx` escapes before a URL-decoded view is worth producing. */
export const MIN_URL_ESCAPES = 3;

/** Context kept on each side of a cluster of `%xx` runs in the URL-decoded view. */
export const URL_CONTEXT = 64;

/** Moves a slice boundary by one code unit in `direction` if it would split a surrogate pair. */
const pairSafe = (text: string, at: number, direction: -1 | 1): number => {
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  const splits = before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
  return splits ? at + direction : at;
};

const decodePercentRuns = (window: string): string =>
  window.replace(URL_RUN_RE, (run) => {
    try {
      return UTF8.decode(Buffer.from(run.replace(PERCENT_RE, ''), 'hex'));
    } catch {
      return run;
    }
  });

/**
 * URL-decoded view: every window of text holding `%xx` runs (runs closer than {@link URL_CONTEXT}
 * characters share a window; each window keeps {@link URL_CONTEXT} characters of context on both
 * sides, so partly encoded text like `how%20to%20make` reads whole), decoded in place, one window per
 * line. Windows rather than the whole text keep the view — and the recursive decoding of it — small
 * when a large document holds a few escapes.
 * @returns the decoded windows, or undefined when there are fewer than {@link MIN_URL_ESCAPES} escapes.
 */
export function decodeUrlRuns(text: string): string | undefined {
  if (!text.includes('%')) return undefined;
  const runs = URL_RUN_RE;
  runs.lastIndex = 0;
  const windows: Array<[number, number]> = [];
  let escapes = 0;
  for (let m = runs.exec(text); m !== null; m = runs.exec(text)) {
    escapes += m[0].length / 3;
    // Context stops at a line break or a sentence end: a lead-in is not part of the payload.
    const start = pairSafe(text, contextStart(text, m.index, URL_CONTEXT), -1);
    const end = pairSafe(text, contextEnd(text, m.index + m[0].length, URL_CONTEXT), 1);
    const last = windows[windows.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = end;
    else windows.push([start, end]);
  }
  if (escapes < MIN_URL_ESCAPES) return undefined;
  return windows.map(([start, end]) => decodePercentRuns(text.slice(start, end))).join('\n');
}

/** rot13 of one code unit: ASCII letters rotate (case kept), anything else is returned as is. */
const rot13Unit = (c: number): number => {
  if (c >= 0x61 && c <= 0x7a) return c <= 0x6d ? c + 13 : c - 13;
  if (c >= 0x41 && c <= 0x5a) return c <= 0x4d ? c + 13 : c - 13;
  return c;
};

/**
 * rot13 of ASCII letters (case kept); everything else unchanged. The code units are rotated in a
 * typed array (one-byte text stays one-byte) rather than through a replace callback per letter.
 */
export function rot13(text: string): string {
  const n = text.length;
  if (Buffer.byteLength(text, 'utf8') === n) {
    const buf = scratchOf(n);
    buf.write(text, 0, 'latin1');
    for (let i = 0; i < n; i++) buf[i] = rot13Unit(buf[i] as number);
    return buf.toString('latin1', 0, n);
  }
  const units = codeUnits(text);
  for (let i = 0; i < n; i++) units[i] = rot13Unit(units[i] as number);
  return Buffer.from(units.buffer, units.byteOffset, n * 2).toString('utf16le');
}

/** English function words (function-words.ts), for telling a rotated decoded layer from one that is plain. */
let englishWords: ReadonlySet<string> | undefined;

/** How many of `text`'s runs of `[a-z]` are English function words. Linear. */
function englishWordCount(text: string): number {
  englishWords ??= new Set(FUNCTION_WORDS.en.split(' '));
  let n = 0;
  for (let i = 0; i < text.length; ) {
    if (!isAsciiLower(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    while (i < text.length && isAsciiLower(text.charCodeAt(i))) i++;
    if (i - s <= 5 && englishWords.has(text.slice(s, i))) n++;
  }
  return n;
}

/** English function words a rotated decoded layer must gain over the layer as decoded. */
export const MIN_ROTATED_GAIN = 3;

/**
 * Whether a decoded layer (lowercase) is rot13 by its content: rotated, it holds at least {@link MIN_ROTATED_GAIN}
 * more English function words (`to`, `a`, `of`, `in`… included, which the rot13 signal list leaves out as too short to
 * tell from other text) than as decoded, and at least twice as many. For decoded layers only, where no plain lead-in
 * or document surrounds the payload (`base64(hex(rot13(x)))`).
 */
export function layerReadsRotated(lower: string): boolean {
  const rotated = englishWordCount(rot13(lower));
  const plain = englishWordCount(lower);
  return rotated >= plain + MIN_ROTATED_GAIN && rotated >= 2 * plain;
}

/** rot13-looking English words needed, regardless of how much plain English surrounds them. */
export const MIN_ROT13_WORDS = 3;

/** Number of matches of a global regex (its `lastIndex` is reset first; calls are synchronous). */
const count = (re: RegExp, text: string): number => {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text) !== null) n++;
  return n;
};

const isHint = (word: string): boolean => word.startsWith('rot') || word === 'caesar' || word === 'cipher';

/**
 * Whether lowercase text deserves a rot13 view. Yes when it names the cipher (rot13, caesar, cipher,
 * "rotate by 13"); or when it contains common English words as they look after rot13 (`gur`, `naq`,
 * `lbh`, `vtaber`, …) — at least {@link MIN_ROT13_WORDS} of them, or at least one and no fewer than
 * the plain English function words. One regex scan (two when the evidence is thin); no
 * per-character work: letter statistics were measured too slow for the 1 MB budget.
 */
export function wantsRot13(lower: string): boolean {
  const re = ROT13_SIGNAL_RE;
  re.lastIndex = 0;
  let rotWords = 0;
  for (let m = re.exec(lower); m !== null; m = re.exec(lower)) {
    if (isHint(m[0])) return true;
    if (++rotWords >= MIN_ROT13_WORDS) return true;
  }
  return rotWords > 0 && rotWords >= count(ENGLISH_WORDS_RE, lower);
}

/**
 * English function words beyond the rot13-looking ones up to which text is still rotated whole: more
 * than this, and the text is an English document (one that names Caesar or a cipher, or carries a rot13
 * passage), of which only the sentences that look rot13 are rotated.
 */
export const MAX_PLAIN_SURPLUS = 8;

/**
 * The rot13 reading of lowercase text that {@link wantsRot13} accepted. Text with at most
 * {@link MAX_PLAIN_SURPLUS} more English function words than rot13-looking words is rotated whole (a
 * rot13 prompt), less a plain lead-in or tail ({@link cipherStretch}). In a longer English text only the stretch from the first to
 * the last rot13-looking word, widened to the sentences holding them, is rotated; undefined when there
 * is none (a hint such as "caesar" alone is no such word). English words padded into the payload's
 * sentence do not hide it, and a plain lead-in or tail is left out. Rotating a whole English document
 * turns it into letter noise that the classifier can take for an obfuscated attack (a 64 KB benign text
 * naming "Caesar" once was flagged so). Linear: two regex scans and two bounded walks to the sentence
 * ends.
 */
export function rot13Reading(lower: string): string | undefined {
  const rot = matchStarts(ROT13_SIGNAL_RE, lower, isHint);
  const plain = matchStarts(ENGLISH_WORDS_RE, lower);
  if (plain.length <= rot.length + MAX_PLAIN_SURPLUS) {
    const hints = matchStarts(ROT13_SIGNAL_RE, lower, (m) => !isHint(m));
    const [start, end] = cipherStretch(lower, rot, plain, hints);
    return rot13(lower.slice(start, end)).trim();
  }
  if (rot.length === 0) return undefined;
  // Back from the first rot13-looking word to just after the sentence end before it, forward from the
  // last one to its sentence end (inclusive).
  let start = rot[0] as number;
  while (start > 0 && !isSentenceEnd(lower.charCodeAt(start - 1))) start--;
  let end = rot[rot.length - 1] as number;
  while (end < lower.length && !isSentenceEnd(lower.charCodeAt(end))) end++;
  return rot13(lower.slice(start, Math.min(end + 1, lower.length))).trim();
}
