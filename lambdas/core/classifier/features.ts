import { CONCEPTS } from './lexicon';

/**
 * Hashed n-gram features of canonical text, shared by training and scoring so both see exactly
 * the same vectors. Character n-grams (FNV-1a over UTF-16 code units, murmur3 finaliser) and word
 * uni/bi-grams are hashed into `buckets` signed buckets (the sign halves the bias of collisions).
 */

/** Feature extraction settings; stored in the model artifact. */
export interface FeatureConfig {
  /** Number of hash buckets, a power of two. */
  readonly buckets: number;
  /** Inclusive range of character n-gram lengths. */
  readonly charMin: number;
  readonly charMax: number;
  /** Word n-grams up to this length (1 = unigrams, 2 = uni+bigrams). */
  readonly wordMax: number;
  /** Multiplier of word features relative to character features. */
  readonly wordWeight: number;
  /** Multiplier of concept-lexicon features (0 disables them). */
  readonly conceptWeight: number;
  /** Version of the concept lexicon the model was trained with (must equal LEXICON_VERSION). */
  readonly lexicon: string;
  /** Scoring window length in UTF-16 code units, and the stride between windows. */
  readonly windowChars: number;
  readonly windowStride: number;
}

/** Features of one whole text: parallel arrays sorted by start position. */
export interface TextFeatures {
  /** `bucket << 1 | negativeSign`. */
  readonly codes: Int32Array;
  /** Start offset (into the text) of each feature. */
  readonly pos: Int32Array;
  /** Weight of each feature (1 for characters, `wordWeight` for words). */
  readonly weight: Float32Array;
  readonly length: number;
}

/** A sparse, L2-normalised feature vector. */
export interface SparseVector {
  readonly idx: Int32Array;
  readonly val: Float32Array;
}

const FNV_OFFSET = 0x811c9dc5;
const WORD_SEED = FNV_OFFSET ^ 0x5bd1e995;
const FNV_PRIME = 0x01000193;

function fmix32(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c > 127;
}

/** Hash of one word token, as computed inside {@link extractFeatures}. */
function tokenHash(word: string): number {
  let h = WORD_SEED;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

const conceptTables = new Map<number, ReadonlyMap<number, readonly number[]>>();

/** Token hash → feature codes of the concepts the token belongs to (built once per bucket count). */
function conceptTable(buckets: number): ReadonlyMap<number, readonly number[]> {
  const cached = conceptTables.get(buckets);
  if (cached) return cached;
  const table = new Map<number, number[]>();
  for (const [name, words] of Object.entries(CONCEPTS)) {
    let g = 0x3c6ef372;
    const label = `concept:${name}`;
    for (let i = 0; i < label.length; i++) g = Math.imul(g ^ label.charCodeAt(i), FNV_PRIME);
    const hashed = fmix32(g);
    const code = ((hashed & (buckets - 1)) << 1) | (hashed >>> 31);
    for (const w of words) {
      const key = tokenHash(w);
      const list = table.get(key) ?? [];
      if (!list.includes(code)) list.push(code);
      table.set(key, list);
    }
  }
  conceptTables.set(buckets, table);
  return table;
}

/** Windows `[start, end)` covering a text of `length` code units: overlapping, last one flush with the end. */
export function windowsOf(length: number, cfg: FeatureConfig): Array<readonly [number, number]> {
  if (length <= cfg.windowChars) return [[0, length]];
  const out: Array<readonly [number, number]> = [];
  let start = 0;
  for (; start + cfg.windowChars < length; start += cfg.windowStride)
    out.push([start, start + cfg.windowChars]);
  out.push([length - cfg.windowChars, length]);
  return out;
}

/** Hashes every n-gram of `text` once. Cost is linear in the text length. */
export function extractFeatures(text: string, cfg: FeatureConfig): TextFeatures {
  const mask = cfg.buckets - 1;
  const n = text.length;
  const cap = (cfg.charMax - cfg.charMin + 1) * (n + 2);
  const codes = new Int32Array(cap);
  const pos = new Int32Array(cap);
  const weight = new Float32Array(cap);
  let k = 0;
  const emit = (h: number, p: number, w: number): void => {
    codes[k] = ((h & mask) << 1) | (h >>> 31);
    pos[k] = p;
    weight[k] = w;
    k++;
  };
  // Character n-grams over " " + text + " " (virtual padding: index -1 and n are spaces).
  const charAt = (i: number): number => (i < 0 || i >= n ? 32 : text.charCodeAt(i));
  for (let i = -1; i + cfg.charMin <= n + 1; i++) {
    let h = FNV_OFFSET;
    for (let len = 1; len <= cfg.charMax && i + len <= n + 1; len++) {
      h = Math.imul(h ^ charAt(i + len - 1), FNV_PRIME);
      if (len >= cfg.charMin) emit(fmix32(h ^ len), Math.max(i, 0), 1);
    }
  }
  // Word n-grams, positioned at the start of their last token so positions stay sorted.
  const wordCodes: number[] = [];
  const wordPos: number[] = [];
  const wordWeights: number[] = [];
  const concepts = cfg.conceptWeight > 0 ? conceptTable(cfg.buckets) : undefined;
  const recent = new Array<number>(cfg.wordMax).fill(0);
  let tokens = 0;
  for (let i = 0; i < n; ) {
    if (!isWordCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let h = WORD_SEED;
    const s = i;
    while (i < n && isWordCode(text.charCodeAt(i))) {
      h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
      i++;
    }
    recent[tokens % cfg.wordMax] = h >>> 0;
    tokens++;
    let g = 0x9747b28c;
    for (let len = 1; len <= cfg.wordMax && len <= tokens; len++) {
      g = Math.imul(g ^ recent[(tokens - len) % cfg.wordMax]!, FNV_PRIME) ^ len;
      const hashed = fmix32(g ^ 0x27d4eb2f);
      wordCodes.push(((hashed & mask) << 1) | (hashed >>> 31));
      wordPos.push(s);
      wordWeights.push(cfg.wordWeight);
    }
    const concept = concepts?.get(h >>> 0);
    if (concept) {
      for (const code of concept) {
        wordCodes.push(code);
        wordPos.push(s);
        wordWeights.push(cfg.conceptWeight);
      }
    }
  }
  // Merge the two position-sorted streams.
  const charCount = k;
  const total = charCount + wordCodes.length;
  const mCodes = new Int32Array(total);
  const mPos = new Int32Array(total);
  const mWeight = new Float32Array(total);
  let a = 0;
  let b = 0;
  for (let o = 0; o < total; o++) {
    if (a < charCount && (b >= wordCodes.length || pos[a]! <= wordPos[b]!)) {
      mCodes[o] = codes[a]!;
      mPos[o] = pos[a]!;
      mWeight[o] = weight[a]!;
      a++;
    } else {
      mCodes[o] = wordCodes[b]!;
      mPos[o] = wordPos[b]!;
      mWeight[o] = wordWeights[b]!;
      b++;
    }
  }
  return { codes: mCodes, pos: mPos, weight: mWeight, length: total };
}

/** Index of the first feature with `pos >= p` (binary search). */
export function lowerBound(pos: Int32Array, length: number, p: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pos[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Reusable accumulator: sums signed feature weights of a window into buckets, then yields the
 * sublinear-tf, L2-normalised sparse vector. One instance per classifier; not re-entrant.
 */
export class Accumulator {
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;
  private readonly seen: Uint8Array;
  private count = 0;

  constructor(buckets: number) {
    this.acc = new Float64Array(buckets);
    this.touched = new Int32Array(buckets);
    this.seen = new Uint8Array(buckets);
  }

  /** Accumulates features `[from, to)` and returns the number of distinct buckets touched. */
  fill(f: TextFeatures, from: number, to: number): number {
    this.reset();
    const { acc, touched, seen } = this;
    for (let i = from; i < to; i++) {
      const code = f.codes[i]!;
      const bucket = code >>> 1;
      const w = code & 1 ? -f.weight[i]! : f.weight[i]!;
      if (seen[bucket] === 0) {
        seen[bucket] = 1;
        touched[this.count++] = bucket;
      }
      acc[bucket] = acc[bucket]! + w;
    }
    return this.count;
  }

  /** Dense-style access to the accumulated, transformed and normalised vector via a callback. */
  forEach(fn: (bucket: number, value: number) => void): void {
    const { acc, touched } = this;
    let norm = 0;
    for (let i = 0; i < this.count; i++) {
      const v = transform(acc[touched[i]!]!);
      norm += v * v;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < this.count; i++) {
      const b = touched[i]!;
      fn(b, transform(acc[b]!) * inv);
    }
  }

  /** Materialises the current vector (used by training). */
  toSparse(): SparseVector {
    const idx = new Int32Array(this.count);
    const val = new Float32Array(this.count);
    let j = 0;
    this.forEach((b, v) => {
      idx[j] = b;
      val[j] = v;
      j++;
    });
    return { idx, val };
  }

  private reset(): void {
    for (let i = 0; i < this.count; i++) {
      const b = this.touched[i]!;
      this.acc[b] = 0;
      this.seen[b] = 0;
    }
    this.count = 0;
  }
}

/** Sublinear term frequency keeping the sign: sign(x) · log(1 + |x|). */
function transform(x: number): number {
  return x >= 0 ? Math.log1p(x) : -Math.log1p(-x);
}
