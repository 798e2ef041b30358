/**
 * Binary-to-text encodings that pack bytes into most of printable ASCII: ASCII85 (Adobe `<~ … ~>` and
 * the undelimited form of Python's `base64.a85encode`), base85 (RFC 1924, Python's `b85encode`, git's
 * binary patches) and uuencode (POSIX `begin … end` files and bare `binascii.b2a_uu` lines). garak's
 * InjectAscii85 and InjectUU probes use exactly these forms.
 *
 * No regexes: candidate runs are found by the shared jump scan (`runsOf`, as for base64), which jumps past
 * whitespace, so ordinary prose is mostly skipped unread; each candidate is decoded at most twice. A
 * candidate counts only when its bytes are strict UTF-8 and mostly printable text (`isMostlyPrintable`),
 * which random bytes almost never are: a long word or a URL decoded as base85 is noise and is dropped.
 */

import * as ascii from '../util/ascii';
import { bytesToText as asText } from './decode';
import type { Decoded } from './encodings';
import { asciiSet, runsOf } from './text';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiAlnum } = ascii;

/** Shortest run tried (12 bytes of payload; shorter is too little to be an instruction). */
export const MIN_BASE85_RUN = 15;

/** Visible ASCII (`!`–`~`, no whitespace): the characters a base85 run is made of. */
export const VISIBLE_ASCII = asciiSet(
  Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i)).join(''),
);

/** RFC 1924 alphabet (Python `b85encode`): digit value per ASCII code, -1 outside it. */
const B85 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';
const B85_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B85.length; i++) B85_VALUE[B85.charCodeAt(i)] = i;

/**
 * Decodes groups of five base-85 digits into four bytes each (a final group of k < 5 digits padded with
 * the highest digit gives k − 1 bytes). `digit` maps a code unit to 0–84, -1 for invalid, or -2 for
 * ASCII85's `z` (four zero bytes, only between groups). Undefined on an invalid digit or overflow.
 */
function decodeGroups(
  run: string,
  start: number,
  end: number,
  digit: (c: number) => number,
): Uint8Array | undefined {
  const out = new Uint8Array(Math.ceil(((end - start) * 4) / 5) + 4);
  let n = 0;
  let acc = 0;
  let k = 0;
  for (let i = start; i < end; i++) {
    const d = digit(run.charCodeAt(i));
    if (d === -2 && k === 0) {
      out.fill(0, n, n + 4);
      n += 4;
      continue;
    }
    if (d < 0) return undefined;
    acc = acc * 85 + d;
    if (++k === 5) {
      if (acc > 0xffffffff) return undefined;
      out[n++] = acc >>> 24;
      out[n++] = (acc >>> 16) & 0xff;
      out[n++] = (acc >>> 8) & 0xff;
      out[n++] = acc & 0xff;
      acc = 0;
      k = 0;
    }
  }
  if (k === 1) return undefined;
  if (k > 1) {
    for (let j = k; j < 5; j++) acc = acc * 85 + 84;
    if (acc > 0xffffffff) return undefined;
    for (let j = 0; j < k - 1; j++) out[n++] = (acc >>> (24 - 8 * j)) & 0xff;
  }
  return out.subarray(0, n);
}

const a85Digit = (c: number): number => (c >= 0x21 && c <= 0x75 ? c - 0x21 : c === 0x7a ? -2 : -1);
const b85Digit = (c: number): number => (c < 0x80 ? (B85_VALUE[c] ?? -1) : -1);

/** One candidate run as ASCII85 (Adobe delimiters stripped) or, failing that, as RFC 1924 base85. */
function decodeBase85Run(run: string): string | undefined {
  let s = 0;
  let e = run.length;
  const adobe = run.startsWith('<~');
  if (adobe) s = 2;
  const close = run.indexOf('~>', s);
  if (close >= 0) e = close;
  else if (adobe) return undefined;
  const a85 = decodeGroups(run, s, e, a85Digit);
  const text = a85 === undefined ? undefined : asText(a85);
  if (text !== undefined || adobe) return text;
  const b85 = decodeGroups(run, s, e, b85Digit);
  return b85 === undefined ? undefined : asText(b85);
}

/**
 * Runs of ≥ {@link MIN_BASE85_RUN} visible ASCII characters holding at least one character that is not
 * a letter or digit (base64, hex and long words are all alphanumeric) that decode, as ASCII85 or
 * base85, to text. `budget` bounds the decoded characters.
 */
export function decodeBase85Runs(text: string, budget: number): Decoded {
  const out: Decoded = { pieces: [], spans: [] };
  let used = 0;
  for (const [i, e] of runsOf(text, MIN_BASE85_RUN, VISIBLE_ASCII)) {
    let symbol = false;
    for (let j = i; j < e && !symbol; j++) symbol = !isAsciiAlnum(text.charCodeAt(j));
    if (symbol) {
      const token = text.slice(i, e);
      // A lead-in glued to the run ("ASCII85:<~…") is not part of it: start at `<~` when there is one.
      const adobe = token.indexOf('<~');
      const s = adobe > 0 ? i + adobe : i;
      const decoded = decodeBase85Run(adobe > 0 ? token.slice(adobe) : token);
      if (decoded !== undefined && used + decoded.length <= budget) {
        out.pieces.push(decoded);
        out.spans.push([s, e]);
        used += decoded.length;
      }
    }
  }
  return out;
}

/** uuencode: a character's 6-bit value (space and backtick are both 0), -1 outside the alphabet. */
const uuValue = (c: number): number => (c === 0x60 ? 0 : c >= 0x20 && c < 0x60 ? c - 0x20 : -1);
/** Encoded characters after the length character of a line holding `n` bytes. */
const uuChars = (n: number): number => 4 * Math.ceil(n / 3);

/**
 * Whether `[s, end)` is one uuencoded line: a length character for 1–45 bytes, then that many bytes'
 * worth of characters, every one in the alphabet. Up to two trailing characters may be missing (trailing
 * spaces are zero digits that copy-paste strips). Stops at the first character outside the alphabet,
 * so a line of prose costs a few comparisons.
 */
function uuLineBytes(text: string, s: number, end: number): number {
  const n = uuValue(text.charCodeAt(s));
  if (n < 1 || n > 45) return 0;
  const want = uuChars(n);
  const have = end - s - 1;
  if (have > want || have < want - 2) return 0;
  for (let i = s + 1; i < end; i++) if (uuValue(text.charCodeAt(i)) < 0) return 0;
  return n;
}

/** Appends the `n` bytes of the uuencoded line at `s` to `bytes` (missing trailing digits read as 0). */
function uuDecodeLine(text: string, s: number, end: number, n: number, bytes: number[]): void {
  const digit = (i: number): number => (i < end ? Math.max(0, uuValue(text.charCodeAt(i))) : 0);
  let left = n;
  for (let i = s + 1; left > 0; i += 4) {
    const a = digit(i);
    const b = digit(i + 1);
    const c = digit(i + 2);
    const d = digit(i + 3);
    const triple = [(a << 2) | (b >> 4), ((b & 15) << 4) | (c >> 2), ((c & 3) << 6) | d];
    for (let j = 0; j < 3 && left > 0; j++, left--) bytes.push(triple[j] ?? 0);
  }
}

/**
 * Where a uuencoded line could start inside a line that begins with a lead-in (`UUencode: M…`): the
 * position after a space from which the rest is exactly one line's worth of characters. Only tried
 * when the line ends in four alphabet characters (prose ends in lower-case letters); ≤ 45 probes.
 */
function uuStartAfterLead(text: string, lineStart: number, end: number): number {
  if (end - lineStart < 6) return -1;
  for (let i = end - 4; i < end; i++) if (uuValue(text.charCodeAt(i)) < 0) return -1;
  for (let n = 45; n >= 1; n--) {
    const s = end - 1 - uuChars(n);
    if (s <= lineStart || text.charCodeAt(s - 1) !== 0x20) continue;
    if (uuValue(text.charCodeAt(s)) === n && uuLineBytes(text, s, end) === n) return s;
  }
  return -1;
}

/**
 * uuencoded blocks: consecutive lines that are each a valid uuencoded line (the first may follow a
 * lead-in on its line), with or without the `begin` / `end` lines, decoded together when the bytes are
 * text. Linear: each line is looked at a bounded number of times.
 */
export function decodeUuencode(text: string, budget: number): Decoded {
  const block: UuBlock = { out: { pieces: [], spans: [] }, used: 0, bytes: [], start: -1, end: -1 };
  for (let lineStart = 0; lineStart <= text.length; ) {
    let end = text.indexOf('\n', lineStart);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > lineStart && text.charCodeAt(end - 1) === 0x0d) end--;
    let s = lineStart;
    let n = uuLineBytes(text, s, end);
    if (n === 0 && block.start < 0) {
      s = uuStartAfterLead(text, lineStart, end);
      n = s < 0 ? 0 : uuLineBytes(text, s, end);
    }
    if (n > 0) {
      if (block.start < 0) block.start = s;
      uuDecodeLine(text, s, end, n, block.bytes);
      block.end = end;
    } else if (block.start >= 0) flushUuBlock(block, budget);
    lineStart = next;
  }
  if (block.start >= 0) flushUuBlock(block, budget);
  return block.out;
}

/**
 * The uuencoded block being read by {@link decodeUuencode}. State in an object and the flush at module
 * level, not a closure: this decoder runs on every segment, and a closure made per call costs a property
 * definition where functions keep their names (`tsx`, which runs the local runtime and the benches).
 */
interface UuBlock {
  readonly out: Decoded;
  /** Characters decoded so far (bounded by the budget). */
  used: number;
  bytes: number[];
  /** Span of the block's lines in the text; `start` is -1 outside a block. */
  start: number;
  end: number;
}

/** Ends the current block: its text joins the output when it decodes to text within the budget. */
function flushUuBlock(block: UuBlock, budget: number): void {
  if (block.bytes.length > 0) {
    const decoded = asText(Uint8Array.from(block.bytes));
    if (decoded !== undefined && block.used + decoded.length <= budget) {
      block.out.pieces.push(decoded);
      block.out.spans.push([block.start, block.end]);
      block.used += decoded.length;
    }
  }
  block.bytes = [];
  block.start = -1;
}
