/**
 * Payloads hidden in characters that render as nothing, other than tag characters (`invisible.ts`):
 *
 * - **Variation-selector ("emoji") smuggling**: one byte per selector, VS1–VS16 (U+FE00–U+FE0F) for
 *   bytes 0–15 and VS17–VS256 (U+E0100–U+E01EF) for bytes 16–255, the bytes being UTF-8; a variant
 *   maps a character `c` to U+E0100 + c directly. Both readings are tried, the more text-like wins.
 * - **Invisible binary ("sneaky bits")**: each character written in binary with two invisible
 *   characters as 0 and 1 (U+2062 INVISIBLE TIMES / U+2064 INVISIBLE PLUS in the published form, or
 *   zero-width space / non-joiner / joiner), either 8 bits per UTF-8 byte or the shortest binary form
 *   of each character with a third invisible character (usually U+200B) standing for a space.
 *
 * Decoding is linear: one pass collects runs, each run is decoded a constant number of ways.
 */
import { fromCodeUnits } from './text';

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Shortest run of selectors / invisible bits worth decoding (fewer cannot hide a word). */
export const MIN_SMUGGLED_RUN = 16;

const isVs = (cp: number): boolean => (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);

/** How much decoded text looks like prose: letters and spaces count, control or replacement characters cost. */
export function textScore(s: string): number {
  let score = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x20) score += 2;
    else if (c >= 0x21 && c <= 0x7e) score += 1;
    else if (c < 0x20 || c === 0xfffd || (c >= 0x7f && c <= 0x9f)) score -= 4;
  }
  return score;
}

/**
 * Decodes every run of ≥ {@link MIN_SMUGGLED_RUN} variation selectors (other characters, such as the
 * carrier emoji, may not interrupt a run except at its start). One line per run; '' when none.
 */
export function decodeVariationSelectors(text: string): string {
  const out: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length >= MIN_SMUGGLED_RUN) {
      const bytes = Uint8Array.from(run, (cp) => (cp <= 0xfe0f ? cp - 0xfe00 : cp - 0xe0100 + 16));
      const byBytes = UTF8.decode(bytes);
      const direct = fromCodeUnits(run.map((cp) => (cp <= 0xfe0f ? cp - 0xfe00 : cp - 0xe0100)));
      out.push(textScore(direct) > textScore(byBytes) ? direct : byBytes);
    }
    run = [];
  };
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) ?? 0;
    if (cp > 0xffff) i++;
    if (isVs(cp)) run.push(cp);
    else if (run.length > 0) flush();
  }
  flush();
  return out.join('\n');
}

/** Invisible characters that may carry bits. */
const isBitChar = (c: number): boolean =>
  (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) || c === 0xfeff || c === 0x180e;

/** 8 bits per byte, most significant first, as UTF-8. */
function decodeFixed(bits: readonly number[]): string {
  const bytes = new Uint8Array(bits.length >> 3);
  for (let i = 0; i + 8 <= bits.length; i += 8) {
    let b = 0;
    for (let j = 0; j < 8; j++) b = (b << 1) | (bits[i + j] as number);
    bytes[i >> 3] = b;
  }
  return UTF8.decode(bytes);
}

/**
 * Shortest binary form per character (`bin(ord(c))`: 6 bits for U+0020–U+003F, 7 for U+0040–U+007F),
 * concatenated without separators. Every group starts with a 1, so the split is chosen by a small
 * dynamic programme that prefers letters (linear: two transitions per position).
 */
function decodeVariable(bits: readonly number[]): string {
  const n = bits.length;
  const best = new Float64Array(n + 1).fill(-Infinity);
  const step = new Uint8Array(n + 1);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    const here = best[i] as number;
    if (here === -Infinity || bits[i] !== 1) continue;
    for (const len of [6, 7]) {
      if (i + len > n) continue;
      let v = 0;
      for (let j = 0; j < len; j++) v = (v << 1) | (bits[i + j] as number);
      const gain = (v >= 0x61 && v <= 0x7a) || (v >= 0x41 && v <= 0x5a) ? 2 : v >= 0x20 ? 1 : -4;
      if (here + gain > (best[i + len] as number)) {
        best[i + len] = here + gain;
        step[i + len] = len;
      }
    }
  }
  if (best[n] === -Infinity) return '';
  const codes: number[] = [];
  for (let i = n; i > 0; ) {
    const len = step[i] as number;
    let v = 0;
    for (let j = i - len; j < i; j++) v = (v << 1) | (bits[j] as number);
    codes.push(v);
    i -= len;
  }
  return fromCodeUnits(codes.reverse());
}

/** Decodes one run of invisible characters, trying each symbol assignment; undefined when nothing reads as text. */
function decodeBitRun(run: readonly number[]): string | undefined {
  const freq = new Map<number, number>();
  for (const c of run) freq.set(c, (freq.get(c) ?? 0) + 1);
  if (freq.size < 2 || freq.size > 3) return undefined;
  const symbols = [...freq.keys()].sort((a, b) => (freq.get(b) as number) - (freq.get(a) as number));
  const candidates: string[] = [];
  // With three symbols the rarest is a word separator.
  const sep = symbols.length === 3 ? (symbols[2] as number) : -1;
  const [x, y] = symbols as [number, number];
  for (const [zero, one] of [
    [x, y],
    [y, x],
  ] as const) {
    const words: number[][] = [[]];
    for (const c of run) {
      if (c === sep) words.push([]);
      else (words[words.length - 1] as number[]).push(c === one ? 1 : c === zero ? 0 : 0);
    }
    const fixed = words.map(decodeFixed).join(' ');
    const variable = words.map(decodeVariable).join(' ');
    candidates.push(fixed, variable);
  }
  let bestText: string | undefined;
  let bestScore = 0;
  for (const c of candidates) {
    const s = textScore(c);
    if (s > bestScore && s >= c.length) {
      bestScore = s;
      bestText = c;
    }
  }
  return bestText;
}

/**
 * Decodes runs of ≥ {@link MIN_SMUGGLED_RUN} invisible characters drawn from two or three distinct
 * zero-width / invisible-operator characters as binary ("sneaky bits"). One line per run that reads
 * as text; '' when none.
 */
export function decodeInvisibleBits(text: string): string {
  const out: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length >= MIN_SMUGGLED_RUN) {
      const decoded = decodeBitRun(run);
      if (decoded !== undefined) out.push(decoded);
    }
    run = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isBitChar(c)) run.push(c);
    else if (run.length > 0) flush();
  }
  flush();
  return out.join('\n');
}
