import { maskEncodedRuns } from '../normalize/encoded';
import * as ascii from '../util/ascii';
import { CONCEPTS } from './lexicon';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiAlnum } = ascii;

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
  /**
   * Window scales as `[length, stride]` in UTF-16 code units. Every scale tiles the text with
   * overlapping windows; the score of a text is the max over all windows of all scales.
   */
  readonly windows: ReadonlyArray<readonly [number, number]>;
  /**
   * Runs of base64/hex-like characters at least this long are replaced by one space before features
   * are extracted (see `maskEncodedRuns` in lambdas/core/normalize/encoded.ts); 0 or absent disables masking.
   */
  readonly maskEncoded?: number;
  /**
   * Floor on the length normaliser: a window's vector is divided by √max(Σ weight², normFloor), so a
   * very short text cannot give a handful of rare n-grams full weight. 0 or absent: no floor.
   */
  readonly normFloor?: number;
  /** Runs of at least this many single-character words are replaced by one space; 0 or absent: off. */
  readonly maskSpaced?: number;
}

/** One stream of features: parallel arrays sorted by position. */
export interface FeatureStream {
  /** `bucket << 1 | negativeSign`. */
  readonly codes: Int32Array;
  /** Offset (into the text) that decides which windows contain the feature. */
  readonly pos: Int32Array;
  /** Weight of each feature; `undefined` means 1 for all. */
  readonly weight: Float32Array | undefined;
  readonly length: number;
}

/** Features of one whole text: character n-grams and word n-grams (+ concepts), each position-sorted. */
export interface TextFeatures {
  readonly chars: FeatureStream;
  readonly words: FeatureStream;
}

/**
 * A sparse feature vector: signed, weighted counts per bucket divided by the root of the sum of squared
 * feature weights in the window (a length normalisation that, unlike the L2 norm of the bucket vector,
 * is additive, so a window's margin is a difference of prefix sums).
 */
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
  return isAsciiAlnum(c) || c > 127;
}

/**
 * Hash of one word token, as computed inside {@link extractFeatures}, as a signed 32-bit integer (a
 * small-integer map key; the unsigned form above 2³¹ would be a boxed number on every lookup).
 */
function tokenHash(word: string): number {
  let h = WORD_SEED;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h | 0;
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

/**
 * Windows `[start, end)` of a text of `length` code units, for every scale: overlapping, the last one
 * flush with the end. A scale at least as long as the text contributes the whole text, once.
 */
export function windowsOf(length: number, cfg: FeatureConfig): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  let whole = false;
  for (const [size, stride] of cfg.windows) {
    if (length <= size) {
      whole = true;
      continue;
    }
    for (let start = 0; start + size < length; start += stride) out.push([start, start + size]);
    out.push([length - size, length]);
  }
  if (whole || out.length === 0) out.unshift([0, length]);
  return out;
}

/** The text features are extracted from: `text` with encoded runs masked when the config asks for it. */
export function featureText(text: string, cfg: FeatureConfig): string {
  const unencoded = cfg.maskEncoded ? maskEncodedRuns(text, cfg.maskEncoded) : text;
  return cfg.maskSpaced ? maskSpacedLetters(unencoded, cfg.maskSpaced) : unencoded;
}

/** A word gap of canonical text: a space, or a line break kept by `linedText`. */
const isGap = (c: number): boolean => c === 32 || c === 10;

/** Three single-character words in a row: cheap native pre-check before the exact scan. */
const SPACED_RUN_HINT = /(?:^|[ \n])[^ \n][ \n][^ \n][ \n][^ \n](?:[ \n]|$)/;

/**
 * Replaces each run of at least `min` single-character words separated by single spaces
 * ("w h a t i s t h e …", as spaced-out text reads once canonical whitespace is collapsed) by one
 * space. Those letters are not words the model knows; the despace view carries their content.
 * Linear, one pass.
 */
export function maskSpacedLetters(text: string, min: number): string {
  if (!(min > 1) || (min >= 3 && !SPACED_RUN_HINT.test(text))) return text;
  const n = text.length;
  let out: string[] | undefined;
  let last = 0;
  let runStart = -1;
  let count = 0;
  const flush = (end: number): void => {
    if (count >= min) {
      out ??= [];
      out.push(text.slice(last, runStart), ' ');
      last = end;
    }
    count = 0;
    runStart = -1;
  };
  for (let i = 0; i < n; i++) {
    const single =
      !isGap(text.charCodeAt(i)) &&
      (i === 0 || isGap(text.charCodeAt(i - 1))) &&
      (i + 1 === n || isGap(text.charCodeAt(i + 1)));
    if (single) {
      if (runStart < 0) runStart = i;
      count++;
      i++; // skip the following space (or the end)
      continue;
    }
    if (runStart >= 0) flush(i);
    // skip to the end of this word
    while (i < n && !isGap(text.charCodeAt(i))) i++;
  }
  if (runStart >= 0) flush(n);
  if (out === undefined) return text;
  out.push(text.slice(last));
  return out.join('');
}

/** Receives features in non-decreasing `pos` order (per stream). */
export interface FeatureSink {
  add(code: number, pos: number, weight: number): void;
}

/** Growable typed buffers: a sink that stores a stream. */
class StreamBuffer implements FeatureSink {
  codes: Int32Array;
  pos: Int32Array;
  weight: Float32Array;
  length = 0;

  constructor(capacity: number) {
    const cap = Math.max(16, capacity);
    this.codes = new Int32Array(cap);
    this.pos = new Int32Array(cap);
    this.weight = new Float32Array(cap);
  }

  add(code: number, p: number, w: number): void {
    if (this.length === this.codes.length) {
      const cap = this.length * 2;
      const codes = new Int32Array(cap);
      codes.set(this.codes);
      const pos = new Int32Array(cap);
      pos.set(this.pos);
      const weight = new Float32Array(cap);
      weight.set(this.weight);
      this.codes = codes;
      this.pos = pos;
      this.weight = weight;
    }
    this.codes[this.length] = code;
    this.pos[this.length] = p;
    this.weight[this.length] = w;
    this.length++;
  }

  stream(): FeatureStream {
    return { codes: this.codes, pos: this.pos, weight: this.weight, length: this.length };
  }
}

/** Emits character n-grams over " " + text + " ", positioned at their start (clamped to the text). */
export function emitChars(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  const mask = cfg.buckets - 1;
  const n = text.length;
  const total = n + 2;
  const { charMin, charMax } = cfg;
  for (let i = 0; i + charMin <= total; i++) {
    let h = FNV_OFFSET;
    const p = i === 0 ? 0 : i - 1;
    const last = Math.min(charMax, total - i);
    for (let len = 1; len <= last; len++) {
      const j = i + len - 2;
      const c = j < 0 || j >= n ? 32 : text.charCodeAt(j);
      h = Math.imul(h ^ c, FNV_PRIME);
      if (len >= charMin) {
        const x = fmix32(h ^ len);
        sink.add(((x & mask) << 1) | (x >>> 31), p, 1);
      }
    }
  }
}

/** Emits word n-grams (positioned at the start of their last token) and the concept features of each token. */
export function emitWords(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  const mask = cfg.buckets - 1;
  const n = text.length;
  const concepts = cfg.conceptWeight > 0 ? conceptTable(cfg.buckets) : undefined;
  const wordMax = Math.max(1, cfg.wordMax);
  const recent = new Int32Array(wordMax);
  const { wordWeight, conceptWeight, wordMax: ngramMax } = cfg;
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
    recent[tokens % wordMax] = h;
    tokens++;
    let g = 0x9747b28c;
    for (let len = 1; len <= ngramMax && len <= tokens; len++) {
      g = Math.imul(g ^ recent[(tokens - len) % wordMax]!, FNV_PRIME) ^ len;
      const x = fmix32(g ^ 0x27d4eb2f);
      sink.add(((x & mask) << 1) | (x >>> 31), s, wordWeight);
    }
    const concept = concepts?.get(h | 0);
    if (concept) for (const code of concept) sink.add(code, s, conceptWeight);
  }
}

/**
 * {@link conceptTable} as an open-addressing table: slot `s` holds a token hash `key[s]` when
 * `count[s] > 0`, and that token's feature codes are `codes[start[s], start[s] + count[s])`, in the
 * map's order. Integer probes instead of a `Map` lookup per token.
 */
interface ConceptSlots {
  readonly key: Int32Array;
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly codes: Int32Array;
  /** Most feature codes of one token. */
  readonly maxPerToken: number;
}

function conceptSlots(table: ReadonlyMap<number, readonly number[]>): ConceptSlots {
  let size = 16;
  while (size < table.size * 4) size *= 2;
  const key = new Int32Array(size);
  const start = new Int32Array(size);
  const count = new Int32Array(size);
  const codes: number[] = [];
  for (const [h, list] of table) {
    let slot = h & (size - 1);
    while (count[slot] !== 0) slot = (slot + 1) & (size - 1);
    key[slot] = h;
    start[slot] = codes.length;
    count[slot] = list.length;
    codes.push(...list);
  }
  let maxPerToken = 0;
  for (const list of table.values()) maxPerToken = Math.max(maxPerToken, list.length);
  return { key, start, count, codes: Int32Array.from(codes), maxPerToken };
}

/** Distance between the lanes of a packed sum: three signed integers below 2¹⁶ in one double. */
const LANE = 2 ** 17;

/**
 * Int8 weights packed for the fused pass: bucket `b` holds `unit · (q₀ + q₁·2¹⁷ + q₂·2³⁴)`, so one
 * double addition adds a feature's weight to all three categories at once. `unit` is the smallest
 * power of two (≤ 64) that makes the word and concept weights integers once multiplied by it: every
 * lane then holds an exact integer, decoded (and reset) every `flushEvery` features, before any lane
 * can reach 2¹⁶. Undefined when no such unit exists or the budget would be too small to pay off:
 * the two separate passes, whose sums are rounded like any floating-point sum, are used then.
 */
interface PackedWeights {
  readonly table: Float64Array;
  readonly unit: number;
  /** 1 / unit. */
  readonly inv: number;
  /** Multipliers of a bucket's packed weights for a word and a concept feature (`table` holds `unit` already). */
  readonly word: number;
  readonly concept: number;
  readonly wordSq: number;
  readonly conceptSq: number;
  readonly flushEvery: number;
}

function packWeights(q: Int8Array, cfg: FeatureConfig, conceptsPerToken: number): PackedWeights | undefined {
  const { wordWeight, conceptWeight } = cfg;
  let unit = 1;
  while (unit <= 64 && !(Number.isInteger(unit * wordWeight) && Number.isInteger(unit * conceptWeight)))
    unit *= 2;
  if (unit > 64 || !(wordWeight >= 0) || !(conceptWeight >= 0)) return undefined;
  // Largest magnitude one feature adds to a lane, and most features added between two decodes.
  const step = 128 * unit * Math.max(1, wordWeight, conceptWeight);
  const perPosition = 1 + Math.max(1, cfg.wordMax) + conceptsPerToken;
  const flushEvery = Math.floor((LANE / 2 - 1) / step) - perPosition;
  if (flushEvery < 8) return undefined;
  const buckets = cfg.buckets;
  const table = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++)
    table[b] = unit * (q[b * 3]! + q[b * 3 + 1]! * LANE + q[b * 3 + 2]! * LANE * LANE);
  return {
    table,
    unit,
    inv: 1 / unit,
    word: wordWeight,
    concept: conceptWeight,
    wordSq: wordWeight * wordWeight,
    conceptSq: conceptWeight * conceptWeight,
    flushEvery,
  };
}

/** Whether typed arrays are little-endian here (they are on every platform Node runs on today). */
const LITTLE_ENDIAN = new Uint16Array(Uint8Array.of(1, 0).buffer)[0] === 1;

/** A concept table without entries (concepts off). */
const NO_CONCEPTS: ConceptSlots = {
  key: new Int32Array(1),
  start: new Int32Array(1),
  count: new Int32Array(1),
  codes: new Int32Array(0),
  maxPerToken: 0,
};

/** Past the last boundary (a small integer, as positions are: keeps the comparisons integer). */
const NO_BOUND = 0x7fffffff;

/** Adds the running sums to boundary `k`'s entry of `cum` (`cum[4·k …]`). */
function addAt(cum: Float64Array, k: number, s0: number, s1: number, s2: number, sq: number): void {
  const o = k * 4;
  cum[o] = cum[o]! + s0;
  cum[o + 1] = cum[o + 1]! + s1;
  cum[o + 2] = cum[o + 2]! + s2;
  cum[o + 3] = cum[o + 3]! + sq;
}

/**
 * Streams the features of a text — exactly those of {@link emitChars} and {@link emitWords}, hashed the
 * same way — into running sums of the three categories' int8 weights and of the squared feature
 * weights, recorded into `cum` each time a feature's position passes a window boundary (`cum[4·k …]` =
 * the sums over features positioned before `bounds[k]`). The hashing is inlined rather than going
 * through a `FeatureSink` per feature: this loop is most of tier 1's time. With the shipped weights every
 * term is a multiple of 1/4 far below 2⁵³, so the sums are exact and equal to the generic path's in any
 * order (test/unit/scripts/classifier/training.test.ts checks it against explicit dot products), and
 * the packed pass ({@link packWeights}) computes the same exact sums
 * (test/unit/lambdas/core/classifier/features.test.ts compares both bit for bit). `cum` must be zero
 * on entry. Buffers are reused across calls (the scorer is synchronous).
 */
export class PrefixSums {
  private padded = new Uint16Array(256);
  /** The bytes of `padded` (a view of the same memory). */
  private paddedBytes = Buffer.from(this.padded.buffer);
  private readonly recent: Int32Array;
  private readonly mask: number;
  /** Concept table as open addressing (see {@link ConceptSlots}); undefined when concepts are off. */
  private readonly concepts: ConceptSlots | undefined;
  /** Weights packed for {@link packedRun}; undefined when the config or the weights do not allow it. */
  private readonly packed: PackedWeights | undefined;

  /** `packed: false` keeps the two unpacked passes even where packing applies (tests compare both). */
  constructor(
    private readonly cfg: FeatureConfig,
    private readonly q: Int8Array,
    options: { readonly packed?: boolean } = {},
  ) {
    this.mask = cfg.buckets - 1;
    this.recent = new Int32Array(Math.max(1, cfg.wordMax));
    this.concepts = cfg.conceptWeight > 0 ? conceptSlots(conceptTable(cfg.buckets)) : undefined;
    this.packed =
      options.packed !== false && cfg.charMin === 4 && cfg.charMax === 4
        ? packWeights(q, cfg, this.concepts?.maxPerToken ?? 0)
        : undefined;
  }

  /** Whether {@link run} takes the packed path. */
  get isPacked(): boolean {
    return this.packed !== undefined;
  }

  /** {@link load} then {@link runLoaded}. */
  run(text: string, bounds: Int32Array, nb: number, cum: Float64Array): void {
    this.load(text);
    this.runLoaded(text.length, bounds, nb, cum);
  }

  /**
   * The sums of the text last {@link load}ed (`n` code units, possibly edited in place since, as the
   * scorer does to read line breaks as spaces).
   */
  runLoaded(n: number, bounds: Int32Array, nb: number, cum: Float64Array): void {
    const padded = this.padded;
    if (this.packed !== undefined) {
      this.packedChars(padded, n, bounds, nb, cum, this.packed);
      this.packedWords(padded, n, bounds, nb, cum, this.packed);
      return;
    }
    this.chars(padded, n, bounds, nb, cum);
    this.words(padded, n, bounds, nb, cum);
  }

  /**
   * Copies " " + text + " " as UTF-16 code units into the scorer's buffer and returns it (valid until the
   * next call): text index i is at i + 1.
   */
  load(text: string): Uint16Array {
    const n = text.length;
    if (this.padded.length < n + 2) {
      this.padded = new Uint16Array(Math.max(n + 2, this.padded.length * 2));
      this.paddedBytes = Buffer.from(this.padded.buffer);
    }
    const padded = this.padded;
    padded[0] = 32;
    // A native copy of the code units (lone surrogates included) on little-endian hosts: ~10× the loop.
    if (LITTLE_ENDIAN) this.paddedBytes.write(text, 2, 'utf16le');
    else for (let j = 0; j < n; j++) padded[j + 1] = text.charCodeAt(j);
    padded[n + 1] = 32;
    return padded;
  }

  /*
   * The packed passes, for character 4-grams (the shipped model) when the weights pack (see
   * {@link packWeights}): each feature adds one packed double instead of three int8 terms. Every sum
   * is the same exact integer (in units of 1/`unit`) as the unpacked passes compute, so `cum` is
   * bit-for-bit theirs.
   */
  private packedChars(
    padded: Uint16Array,
    n: number,
    bounds: Int32Array,
    nb: number,
    cum: Float64Array,
    pw: PackedWeights,
  ): void {
    const { mask } = this;
    const { table, inv, flushEvery } = pw;
    const total = n + 2;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let acc = 0;
    let bi = 0;
    let next = nb > 0 ? bounds[0]! : NO_BOUND;
    const grams = Math.max(0, total - 3);
    let c0 = padded[0]!;
    let c1 = padded[1]!;
    let c2 = padded[2]!;
    // Gram i is at position max(0, i − 1): the grams before boundary b are those below b + 1 (none for b = 0).
    for (let i = 0; i < grams; ) {
      while (next === 0 || (next < NO_BOUND && next + 1 <= i)) {
        const r = Math.round(acc / LANE);
        const a2 = Math.round(r / LANE);
        s0 += acc - r * LANE;
        s1 += r - a2 * LANE;
        s2 += a2;
        acc = 0;
        const o = bi * 4;
        cum[o] = s0 * inv;
        cum[o + 1] = s1 * inv;
        cum[o + 2] = s2 * inv;
        cum[o + 3] = i;
        bi++;
        next = bi < nb ? bounds[bi]! : NO_BOUND;
      }
      // Grams up to the next boundary or the decode budget, whichever comes first.
      const stop = Math.min(grams, next === NO_BOUND ? grams : next + 1, i + flushEvery);
      for (; i < stop; i++) {
        const c3 = padded[i + 3]!;
        let h = Math.imul(FNV_OFFSET ^ c0, FNV_PRIME);
        h = Math.imul(h ^ c1, FNV_PRIME);
        h = Math.imul(h ^ c2, FNV_PRIME);
        h = Math.imul(h ^ c3, FNV_PRIME) ^ 4;
        c0 = c1;
        c1 = c2;
        c2 = c3;
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        acc += table[h & mask]! * ((h >> 31) | 1);
      }
      const r = Math.round(acc / LANE);
      const a2 = Math.round(r / LANE);
      s0 += acc - r * LANE;
      s1 += r - a2 * LANE;
      s2 += a2;
      acc = 0;
    }
    while (bi < nb) {
      const o = bi * 4;
      cum[o] = s0 * inv;
      cum[o + 1] = s1 * inv;
      cum[o + 2] = s2 * inv;
      cum[o + 3] = grams;
      bi++;
    }
  }

  private packedWords(
    padded: Uint16Array,
    n: number,
    bounds: Int32Array,
    nb: number,
    cum: Float64Array,
    pw: PackedWeights,
  ): void {
    const { mask, recent } = this;
    const { key, start, count, codes } = this.concepts ?? NO_CONCEPTS;
    const cmask = key.length - 1;
    const { table, inv, word, concept, wordSq, conceptSq, flushEvery } = pw;
    const ngramMax = this.cfg.wordMax;
    const wordMax = recent.length;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let sq = 0;
    let acc = 0;
    let left = flushEvery;
    let bi = 0;
    // A token at padded index i (text index i − 1) is past boundary b when i > b.
    let next = nb > 0 ? bounds[0]! : NO_BOUND;
    let tokens = 0;
    let slot = -1;
    // padded[i] is text[i − 1]; the padding after the text ends the last token.
    let i = 1;
    for (;;) {
      let c = padded[i]!;
      while (i <= n && !isWordCode(c)) c = padded[++i]!;
      if (i > n) break;
      if (i > next || left <= 0) {
        const r = Math.round(acc / LANE);
        const a2 = Math.round(r / LANE);
        s0 += acc - r * LANE;
        s1 += r - a2 * LANE;
        s2 += a2;
        acc = 0;
        left = flushEvery;
        while (i > next) {
          const o = bi * 4;
          cum[o] = cum[o]! + s0 * inv;
          cum[o + 1] = cum[o + 1]! + s1 * inv;
          cum[o + 2] = cum[o + 2]! + s2 * inv;
          cum[o + 3] = cum[o + 3]! + sq;
          bi++;
          next = bi < nb ? bounds[bi]! : NO_BOUND;
        }
      }
      let h = WORD_SEED;
      do {
        h = Math.imul(h ^ c, FNV_PRIME);
        c = padded[++i]!;
      } while (isWordCode(c));
      slot = slot + 1 === wordMax ? 0 : slot + 1;
      recent[slot] = h;
      tokens++;
      let g = 0x9747b28c;
      let r = slot;
      const grams = Math.min(tokens, ngramMax);
      for (let len = 1; len <= grams; len++) {
        g = Math.imul(g ^ recent[r]!, FNV_PRIME) ^ len;
        r = r === 0 ? wordMax - 1 : r - 1;
        let x = g ^ 0x27d4eb2f;
        x ^= x >>> 16;
        x = Math.imul(x, 0x85ebca6b);
        x ^= x >>> 13;
        x = Math.imul(x, 0xc2b2ae35);
        x ^= x >>> 16;
        acc += table[x & mask]! * (x < 0 ? -word : word);
      }
      sq += grams * wordSq;
      left -= grams;
      let cs = h & cmask;
      while (count[cs] !== 0 && key[cs] !== h) cs = (cs + 1) & cmask;
      for (let e = start[cs]!, end = e + count[cs]!; e < end; e++) {
        const code = codes[e]!;
        acc += table[code >>> 1]! * (code & 1 ? -concept : concept);
        sq += conceptSq;
        left--;
      }
    }
    const r = Math.round(acc / LANE);
    const a2 = Math.round(r / LANE);
    s0 += acc - r * LANE;
    s1 += r - a2 * LANE;
    s2 += a2;
    while (bi < nb) {
      const o = bi * 4;
      cum[o] = cum[o]! + s0 * inv;
      cum[o + 1] = cum[o + 1]! + s1 * inv;
      cum[o + 2] = cum[o + 2]! + s2 * inv;
      cum[o + 3] = cum[o + 3]! + sq;
      bi++;
    }
  }

  /** Character n-grams over " " + text + " ", positioned at their start (clamped to the text). */
  private chars(padded: Uint16Array, n: number, bounds: Int32Array, nb: number, cum: Float64Array): void {
    const { q, mask } = this;
    const { charMin, charMax } = this.cfg;
    const total = n + 2;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let sq = 0;
    let bi = 0;
    let next = nb > 0 ? bounds[0]! : NO_BOUND;
    if (charMin === 4 && charMax === 4) {
      // Character 4-grams only (the shipped model): the last three code units stay in locals, the
      // hash and its finaliser are unrolled, and the weight sign is applied without a branch
      // (`(w ^ m) - m` is `w` for m = 0 and `-w` for m = -1), as it is a coin flip per feature. The
      // hash stays a signed 32-bit integer: its low bits and sign are those of `fmix32`'s result.
      let c0 = padded[0]!;
      let c1 = padded[1]!;
      let c2 = padded[2]!;
      for (let i = 0; i + 4 <= total; i++) {
        const p = i === 0 ? 0 : i - 1;
        while (p >= next) {
          addAt(cum, bi++, s0, s1, s2, sq);
          next = bi < nb ? bounds[bi]! : NO_BOUND;
        }
        const c3 = padded[i + 3]!;
        let h = Math.imul(FNV_OFFSET ^ c0, FNV_PRIME);
        h = Math.imul(h ^ c1, FNV_PRIME);
        h = Math.imul(h ^ c2, FNV_PRIME);
        h = Math.imul(h ^ c3, FNV_PRIME) ^ 4;
        c0 = c1;
        c1 = c2;
        c2 = c3;
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        const o = (h & mask) * 3;
        const m = h >> 31;
        s0 += (q[o]! ^ m) - m;
        s1 += (q[o + 1]! ^ m) - m;
        s2 += (q[o + 2]! ^ m) - m;
        sq += 1;
      }
    } else {
      for (let i = 0; i + charMin <= total; i++) {
        const p = i === 0 ? 0 : i - 1;
        while (p >= next) {
          addAt(cum, bi++, s0, s1, s2, sq);
          next = bi < nb ? bounds[bi]! : NO_BOUND;
        }
        let h = FNV_OFFSET;
        const last = Math.min(charMax, total - i);
        for (let len = 1; len <= last; len++) {
          h = Math.imul(h ^ padded[i + len - 1]!, FNV_PRIME);
          if (len < charMin) continue;
          const x = fmix32(h ^ len);
          const o = (x & mask) * 3;
          const m = -(x >>> 31);
          s0 += (q[o]! ^ m) - m;
          s1 += (q[o + 1]! ^ m) - m;
          s2 += (q[o + 2]! ^ m) - m;
          sq += 1;
        }
      }
    }
    while (bi < nb) addAt(cum, bi++, s0, s1, s2, sq);
  }

  /** Word n-grams (positioned at the start of their last token) and the concept features of each token. */
  private words(padded: Uint16Array, n: number, bounds: Int32Array, nb: number, cum: Float64Array): void {
    const { q, mask, concepts, recent } = this;
    const { wordWeight, conceptWeight, wordMax: ngramMax } = this.cfg;
    const wordMax = recent.length;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let sq = 0;
    let bi = 0;
    let next = nb > 0 ? bounds[0]! : NO_BOUND;
    let tokens = 0;
    // `recent[slot]` is the latest token's hash; earlier ones precede it cyclically.
    let slot = -1;
    for (let i = 0; i < n; ) {
      let c = padded[i + 1]!;
      if (!isWordCode(c)) {
        i++;
        continue;
      }
      let h = WORD_SEED;
      const s = i;
      // Each code unit read once (the padding after the text is a space: not a word code).
      do {
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
        c = padded[i + 1]!;
      } while (isWordCode(c));
      while (s >= next) {
        addAt(cum, bi++, s0, s1, s2, sq);
        next = bi < nb ? bounds[bi]! : NO_BOUND;
      }
      slot = slot + 1 === wordMax ? 0 : slot + 1;
      recent[slot] = h;
      tokens++;
      let g = 0x9747b28c;
      let r = slot;
      for (let len = 1; len <= ngramMax && len <= tokens; len++) {
        g = Math.imul(g ^ recent[r]!, FNV_PRIME) ^ len;
        r = r === 0 ? wordMax - 1 : r - 1;
        const x = fmix32(g ^ 0x27d4eb2f);
        const o = (x & mask) * 3;
        const v = x >>> 31 ? -wordWeight : wordWeight;
        s0 += q[o]! * v;
        s1 += q[o + 1]! * v;
        s2 += q[o + 2]! * v;
        sq += v * v;
      }
      if (concepts !== undefined) {
        const { key, start, count, codes } = concepts;
        const cmask = key.length - 1;
        let slot = h & cmask;
        while (count[slot] !== 0 && key[slot] !== h) slot = (slot + 1) & cmask;
        for (let c = start[slot]!, end = c + count[slot]!; c < end; c++) {
          const code = codes[c]!;
          const o = (code >>> 1) * 3;
          const v = code & 1 ? -conceptWeight : conceptWeight;
          s0 += q[o]! * v;
          s1 += q[o + 1]! * v;
          s2 += q[o + 2]! * v;
          sq += v * v;
        }
      }
    }
    while (bi < nb) addAt(cum, bi++, s0, s1, s2, sq);
  }
}

/** Hashes every n-gram of `text` once into two position-sorted streams. Linear in the text length. */
export function extractFeatures(text: string, cfg: FeatureConfig): TextFeatures {
  const chars = new StreamBuffer((cfg.charMax - cfg.charMin + 1) * (text.length + 2));
  emitChars(text, cfg, chars);
  const words = new StreamBuffer(text.length >>> 1);
  emitWords(text, cfg, words);
  return { chars: chars.stream(), words: words.stream() };
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
 * Reusable accumulator (training): sums signed feature weights of a window into buckets and yields the
 * length-normalised sparse vector. Not re-entrant.
 */
export class Accumulator {
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;
  private readonly seen: Uint8Array;
  private count = 0;
  private sumSq = 0;

  constructor(
    buckets: number,
    private readonly normFloor = 0,
  ) {
    this.acc = new Float64Array(buckets);
    this.touched = new Int32Array(buckets);
    this.seen = new Uint8Array(buckets);
  }

  /** Accumulates the features of window `[start, end)` of both streams; returns the buckets touched. */
  fill(f: TextFeatures, start: number, end: number): number {
    this.reset();
    let sumSq = 0;
    for (const stream of [f.chars, f.words]) {
      const from = lowerBound(stream.pos, stream.length, start);
      const to = lowerBound(stream.pos, stream.length, end);
      for (let i = from; i < to; i++) {
        const code = stream.codes[i]!;
        const bucket = code >>> 1;
        const mag = stream.weight ? stream.weight[i]! : 1;
        const w = code & 1 ? -mag : mag;
        sumSq += w * w;
        if (this.seen[bucket] === 0) {
          this.seen[bucket] = 1;
          this.touched[this.count++] = bucket;
        }
        this.acc[bucket] = this.acc[bucket]! + w;
      }
    }
    this.sumSq = sumSq;
    return this.count;
  }

  /** Visits every non-empty bucket of the accumulated, normalised vector. */
  forEach(fn: (bucket: number, value: number) => void): void {
    const { acc, touched } = this;
    const norm = Math.max(this.sumSq, this.normFloor);
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < this.count; i++) fn(touched[i]!, acc[touched[i]!]! * inv);
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
