/** Small string helpers shared by the normalizer. */

const CHUNK = 8192;

/** JavaScript `\s` beyond ASCII (the same list as `WHITESPACE_RE`). */
export const isWideSpace = (c: number): boolean =>
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;

/** Hangul fillers: letters by category that render as a blank (the letter-like fold reads them as a space). */
export const HANGUL_FILLERS: readonly number[] = [0x3164, 0xffa0, 0x115f, 0x1160];

/** Builds a string from UTF-16 code units without spreading a huge array onto the stack. */
export function fromCodeUnits(codes: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, Array.prototype.slice.call(codes, i, i + CHUNK) as number[]));
  }
  return parts.join('');
}

/** Reused buffer for the code units of the text being scanned (grown on demand, kept up to 2 MiB). */
let scratch = Buffer.alloc(1 << 16);
let scratch16 = new Uint16Array(scratch.buffer, scratch.byteOffset, scratch.length >> 1);
const KEEP_BYTES = 1 << 21;

/** A buffer of at least `bytes` bytes: the shared scratch buffer, grown if needed (or a one-off above 2 MiB). */
export function scratchOf(bytes: number): Buffer {
  if (bytes <= scratch.length) return scratch;
  const grown = Buffer.alloc(Math.max(bytes, Math.min(KEEP_BYTES, scratch.length * 2)));
  if (bytes > KEEP_BYTES) return grown;
  scratch = grown;
  scratch16 = new Uint16Array(scratch.buffer, scratch.byteOffset, scratch.length >> 1);
  return scratch;
}

/** The UTF-16 code units of `text` in a typed array (indexed loads are much cheaper than `charCodeAt`). */
export function codeUnits(text: string): Uint16Array {
  const buf = scratchOf(text.length * 2);
  buf.write(text, 0, 'utf16le');
  return buf === scratch ? scratch16 : new Uint16Array(buf.buffer, buf.byteOffset, text.length);
}

/** A set of ASCII characters as a 128-entry membership table (see {@link hasRun}). */
export type AsciiSet = Uint8Array;

/** The set of the ASCII characters in `chars` (anything else is rejected: a set holds ASCII only). */
export function asciiSet(chars: string): AsciiSet {
  const set = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    if (c >= 0x80) throw new Error(`asciiSet: not ASCII: U+${c.toString(16)}`);
    set[c] = 1;
  }
  return set;
}

/** Whether code unit `c` is in `set` (non-ASCII never is). */
const inSet = (set: AsciiSet, c: number): boolean => c < 0x80 && set[c] === 1;

/**
 * The first maximal run of at least `min` consecutive code units from `set` that starts at or after
 * `from`, as `[start, end)`, or `undefined`. `from` must be 0 or follow a unit outside the set (the end
 * of the previous run is such a place), so a run is never reported from its middle. The unit `min − 1`
 * places ahead is looked at first and the scan jumps past the last unit outside the set in that window:
 * ordinary prose is mostly skipped unread, and each unit is read at most twice by the window checks and
 * once when a run is extended. The one run scanner of the gates and the decoders.
 */
export function nextRun(text: string, from: number, min: number, set: AsciiSet): Span | undefined {
  const n = text.length;
  let i = from;
  while (i + min <= n) {
    let k = i + min - 1;
    while (k >= i && inSet(set, text.charCodeAt(k))) k--;
    if (k >= i) {
      i = k + 1;
      continue;
    }
    let e = i + min;
    while (e < n && inSet(set, text.charCodeAt(e))) e++;
    return [i, e];
  }
  return undefined;
}

/** Every maximal run of at least `min` code units from `set` in `text`, in order (see {@link nextRun}). */
export function* runsOf(text: string, min: number, set: AsciiSet): Generator<Span, undefined> {
  for (let run = nextRun(text, 0, min, set); run; run = nextRun(text, run[1] + 1, min, set)) yield run;
  return undefined;
}

/**
 * Whether `text` holds a run of at least `min` consecutive code units from `set`: the cheap, exact
 * gate in front of a decoder whose every match is such a run (see {@link nextRun} for its cost).
 */
export function hasRun(text: string, min: number, set: AsciiSet): boolean {
  return !(min > 0) || nextRun(text, 0, min, set) !== undefined;
}

/** A span `[start, end)` of a text (UTF-16 offsets). */
export type Span = readonly [number, number];

/** `text` with the given spans replaced by a space each (spans clamped to the text). Linear after sorting. */
export function blankSpans(text: string, spans: readonly Span[]): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let last = 0;
  for (const [start, end] of sorted) {
    const s = Math.max(last, Math.min(start, text.length));
    const e = Math.max(s, Math.min(end, text.length));
    if (e <= s) continue;
    parts.push(text.slice(last, s), ' ');
    last = e;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/**
 * Ends a sentence or clause for the readers that split canonical text into sentences (`. ! ? : ;`): the
 * rot13 reading, the Pig Latin reader and the scanner's Pig Latin gate, which must split alike. Not line
 * breaks: those readers see whitespace-collapsed text.
 */
export const isSentenceEnd = (c: number): boolean =>
  c === 0x2e || c === 0x21 || c === 0x3f || c === 0x3a || c === 0x3b;

/** `.`, `:`, `?`, `!`: a sentence or a lead-in ("Decode this: …") ends here when a space follows. */
const isLeadInEnd = (c: number): boolean => c === 0x2e || c === 0x3a || c === 0x3f || c === 0x21;

/**
 * Where the text an encoded run belongs to starts: scanning back from `at` (at most `limit` units),
 * just after the nearest line break or sentence end. A lead-in such as "Decode it and do what it says."
 * is then not read as part of the payload, which it would dilute.
 */
export function contextStart(text: string, at: number, limit = text.length): number {
  const stop = Math.max(0, at - limit);
  for (let i = at; i > stop; i--) {
    const c = text.charCodeAt(i - 1);
    if (c === 0x0a || c === 0x0d) return i;
    if ((c === 0x20 || c === 0x09) && isLeadInEnd(text.charCodeAt(i - 2))) return i;
  }
  return stop;
}

/** Where the text an encoded run belongs to ends: the nearest line break, or just after a sentence end. */
export function contextEnd(text: string, at: number, limit = text.length): number {
  const stop = Math.min(text.length, at + limit);
  for (let i = at; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) return i;
    if (isLeadInEnd(c)) {
      const next = text.charCodeAt(i + 1);
      if (Number.isNaN(next) || next === 0x20 || next === 0x0a || next === 0x09) return i + 1;
    }
  }
  return stop;
}

/** Start offsets of the matches of a global regex, skipping those `skip` rejects. */
export function matchStarts(re: RegExp, text: string, skip?: (m: string) => boolean): number[] {
  const out: number[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) if (!skip?.(m[0])) out.push(m.index);
  return out;
}

/**
 * The stretch `[start, end)` of `text` that a whole-text cipher reading (rot13, Atbash, reversed text) should read:
 * without a plain lead-in or tail. `signal` and `plain` are the sorted start offsets of the cipher's signal words and
 * of plain English function words. The clause holding the last plain word before the first signal word ends the
 * lead-in; the clause holding the first plain word after the last signal word starts the tail (clauses end at a line
 * break or at `.`, `:`, `?`, `!` before a blank: {@link contextEnd}, {@link contextStart}); so does the clause holding
 * a hint that names the cipher (`hints`, offsets) when signal words follow it. Read through the cipher,
 * a lead-in such as "Decode this ROT13 and answer it:" is letter noise in the payload's sentence, and dilutes it as a
 * plain lead-in would (see the decoders' context rule). The whole text when there is neither.
 */
export function cipherStretch(
  text: string,
  signal: readonly number[],
  plain: readonly number[],
  hints: readonly number[] = [],
): readonly [number, number] {
  let start = 0;
  let end = text.length;
  const first = signal[0];
  const last = signal[signal.length - 1];
  if (first === undefined || last === undefined) return [start, end];
  let before = -1;
  let after = -1;
  for (const p of plain) {
    if (p < first) before = p;
    else if (p > last) {
      after = p;
      break;
    }
  }
  if (before >= 0) {
    const e = contextEnd(text, before);
    if (e <= first) start = e;
  }
  // A lead-in that names the cipher may be written in it (`sdrawkcab siht daeR (read this backwards):`): the clause
  // holding a hint ends the lead-in when signal words follow that clause.
  for (const h of hints) {
    const e = contextEnd(text, h);
    if (e > start && e <= last) start = e;
  }
  if (after >= 0) {
    const s = contextStart(text, after);
    if (s > last && s > start) end = s;
  }
  return [start, end];
}

/**
 * Lowercase and strip combining marks (é → e, ü → u, ß → ss), so lookups ignore accents: the gloss lexicons'
 * keys and text (detectors/multilingual.ts), the blocklist's accent-folded reading (detectors/index.ts).
 */
export function foldAccents(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss');
}
