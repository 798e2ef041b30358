import {
  ASCII_LETTER_RE,
  BASE64_RUN_RE,
  BASE64URL_RE,
  HEX_NOISE_RE,
  HEX_RUN_RE,
  PERCENT_RE,
  ROT13_HINT_RE,
  URL_RUN_RE,
} from './patterns';
import { isLowerAscii } from './text';

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

/** Decodes bytes as strict UTF-8 and keeps the result only when it looks like text. */
const bytesToText = (bytes: Uint8Array): string | undefined => {
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

/**
 * Decodes every base64 / base64url run of ≥ 16 symbols that yields mostly printable UTF-8.
 * @returns the decoded pieces, in order of appearance, at most `budget` characters in total.
 */
export function decodeBase64Runs(text: string, budget: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const m of text.matchAll(BASE64_RUN_RE)) {
    const body = stripPadding(m[0]);
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

/** Decodes every run of ≥ 8 hex-encoded bytes (`\x41…`, `0x41 …`, `41 42 …`, `4142…`) that yields text. */
export function decodeHexRuns(text: string, budget: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const m of text.matchAll(HEX_RUN_RE)) {
    const digits = m[0].replace(HEX_NOISE_RE, '');
    const bytes = Buffer.from(digits.length % 2 === 0 ? digits : digits.slice(0, -1), 'hex');
    const decoded = bytesToText(bytes);
    if (decoded === undefined || used + decoded.length > budget) continue;
    out.push(decoded);
    used += decoded.length;
  }
  return out;
}

/** Minimum number of `%xx` escapes before a URL-decoded view is worth producing. */
export const MIN_URL_ESCAPES = 3;

/**
 * Decodes percent-encoded runs in place (the rest of the text is kept, so context survives).
 * @returns the decoded text, or undefined when there are fewer than {@link MIN_URL_ESCAPES} escapes
 * or nothing decoded to valid UTF-8.
 */
export function decodeUrlRuns(text: string): string | undefined {
  let escapes = 0;
  let changed = false;
  const decoded = text.replace(URL_RUN_RE, (run) => {
    escapes += run.length / 3;
    const bytes = Buffer.from(run.replace(PERCENT_RE, ''), 'hex');
    try {
      const s = UTF8.decode(bytes);
      changed = true;
      return s;
    } catch {
      return run;
    }
  });
  return escapes >= MIN_URL_ESCAPES && changed ? decoded : undefined;
}

/** rot13 of ASCII letters (case kept); everything else unchanged. */
export function rot13(text: string): string {
  return text.replace(ASCII_LETTER_RE, (ch) => {
    const c = ch.charCodeAt(0);
    const base = c >= 0x61 ? 0x61 : 0x41;
    return String.fromCharCode(((c - base + 13) % 26) + base);
  });
}

/** English letter frequencies (a–z), percent. */
const ENGLISH = [
  8.17, 1.49, 2.78, 4.25, 12.7, 2.23, 2.02, 6.09, 6.97, 0.15, 0.77, 4.03, 2.41, 6.75, 7.51, 1.93, 0.1, 5.99,
  6.33, 9.06, 2.76, 0.98, 2.36, 0.15, 1.97, 0.07,
];

/** Letters needed before letter statistics are trusted. */
export const MIN_ROT13_LETTERS = 24;

/** Chi-squared distance of a letter histogram (rotated by `shift`) from English. */
const chiSquared = (counts: readonly number[], total: number, shift: number): number => {
  let chi = 0;
  for (let i = 0; i < 26; i++) {
    const expected = ((ENGLISH[i] ?? 0) * total) / 100;
    const observed = counts[(i + shift) % 26] ?? 0;
    chi += ((observed - expected) * (observed - expected)) / expected;
  }
  return chi;
};

/**
 * Whether lowercase text deserves a rot13 view: it names the cipher (rot13, caesar, cipher,
 * "rotate by 13"), or it has ≥ {@link MIN_ROT13_LETTERS} letters and its rot13 is at least twice as
 * close to English letter frequencies (chi-squared) as the text itself.
 */
export function wantsRot13(lower: string): boolean {
  if (ROT13_HINT_RE.test(lower)) return true;
  const counts = new Array<number>(26).fill(0);
  let total = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (isLowerAscii(c)) {
      counts[c - 0x61] = (counts[c - 0x61] ?? 0) + 1;
      total++;
    }
  }
  if (total < MIN_ROT13_LETTERS) return false;
  return chiSquared(counts, total, 13) * 2 < chiSquared(counts, total, 0);
}
