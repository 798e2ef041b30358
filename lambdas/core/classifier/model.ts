/**
 * Tier-1 linear classifier: one-vs-rest logistic regression per safety category over hashed
 * n-grams of the canonical text, int8-quantised, Platt-calibrated, scored per window (max).
 */
import type { Category, CategoryScores } from '../types';
import { type FeatureConfig, featureText, PrefixSums } from './features';
import { LEXICON_VERSION } from './lexicon';

/** Categories the tier-1 model scores, in weight-interleaving order. */
export const MODEL_CATEGORIES = ['harmful', 'jailbreak', 'injection'] as const;
export type ModelCategory = (typeof MODEL_CATEGORIES)[number];

/** Platt scaling: p = 1 / (1 + exp(a · margin + b)). */
export interface PlattParams {
  readonly a: number;
  readonly b: number;
}

/** The committed model file (lambdas/core/classifier/model.json). Contains no dataset text. */
export interface ModelArtifact {
  readonly format: 'csp-linear-v1';
  /** Content hash (SHA-256 prefix) of everything below. */
  readonly version: string;
  readonly categories: readonly ModelCategory[];
  readonly features: FeatureConfig;
  readonly weights: {
    readonly encoding: 'int8-base64';
    /** Per-category dequantisation scale: w = int8 · scale. */
    readonly scales: readonly number[];
    readonly bias: readonly number[];
    /** `buckets × categories` int8 values, bucket-major (categories interleaved), base64. */
    readonly data: string;
  };
  readonly calibration: {
    readonly method: 'platt';
    readonly params: Readonly<Record<ModelCategory, PlattParams>>;
  };
  readonly thresholds: Readonly<Record<ModelCategory, number>>;
  /** Split rule, row counts, optimiser settings, out-of-fold metrics. Free-form, informational. */
  readonly training: Readonly<Record<string, unknown>>;
}

/** A loaded tier-1 model. */
export interface LinearClassifier {
  readonly version: string;
  /**
   * Calibrated probabilities for harmful, jailbreak and injection. `text` is the canonical view
   * (output of the normalizer's canonicalize), where a `\n` may mark a line break of the original
   * (`linedText`): it is read as a space, and ends a sentence window. Long texts are scored in
   * overlapping windows and the maximum per category is returned, so cost is linear and a bad
   * paragraph is not diluted.
   */
  score(text: string): CategoryScores;
  /** Recommended operating points (probability thresholds), chosen on training folds. */
  readonly thresholds: Partial<Record<Category, number>>;
}

/** Per-window raw margins (before calibration); exposed for training and diagnostics. */
export interface MarginScorer {
  /** Max margin over windows, per category (same order as MODEL_CATEGORIES). */
  maxMargins(text: string): Float64Array;
}

/** Decodes the artifact's weights. Throws with the field name when the artifact is malformed. */
export function decodeWeights(artifact: ModelArtifact): Int8Array {
  const { buckets } = artifact.features;
  if (!Number.isInteger(Math.log2(buckets)))
    throw new Error('model.features.buckets: expected a power of two');
  const bytes = Buffer.from(artifact.weights.data, 'base64');
  const expected = buckets * artifact.categories.length;
  if (bytes.length !== expected) {
    throw new Error(`model.weights.data: expected ${expected} bytes, got ${bytes.length}`);
  }
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Flat list of windows (`[start0, end0, start1, end1, …]`) with the sorted set of their boundaries,
 * built without a tuple per window; buffers grow and are reused across calls (the scorer is
 * synchronous, so one set per scorer suffices).
 */
class WindowList {
  ends: Int32Array = new Int32Array(64);
  length = 0;
  /**
   * Boundary position → 1 + its index in `bounds`. Written by {@link index} at the boundaries only (the
   * only positions read), so it is never cleared. Sized to the text.
   */
  at: Int32Array = new Int32Array(0);
  bounds: Int32Array = new Int32Array(0);
  nb = 0;
  /** One bit per position (a bitset of the boundaries), all zero between calls of {@link index}. */
  private marks: Int32Array = new Int32Array(0);

  clear(): void {
    this.length = 0;
  }

  push(start: number, end: number): void {
    if (this.length + 2 > this.ends.length) {
      const grown = new Int32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.length++] = start;
    this.ends[this.length++] = end;
  }

  /**
   * Sorts the distinct boundaries of the windows of a text of `n` code units into `bounds`: each boundary
   * sets its bit, then the bitset is read in order, 32 positions a step (a few hundred windows against
   * thousands of positions: a sweep of every position was most of this step's cost).
   */
  index(n: number): void {
    const words = (n >>> 5) + 1;
    if (this.at.length < n + 1) this.at = new Int32Array(Math.max(n + 1, this.at.length * 2));
    if (this.marks.length < words) this.marks = new Int32Array(Math.max(words, this.marks.length * 2));
    if (this.bounds.length < this.length) this.bounds = new Int32Array(Math.max(this.length, 64));
    const { at, ends, marks, bounds } = this;
    for (let i = 0; i < this.length; i++) {
      const p = ends[i]!;
      marks[p >>> 5] = marks[p >>> 5]! | (1 << (p & 31));
    }
    let nb = 0;
    for (let w = 0; w < words; w++) {
      let bits = marks[w]!;
      if (bits === 0) continue;
      marks[w] = 0;
      do {
        const low = bits & -bits;
        const p = (w << 5) | (31 - Math.clz32(low));
        bounds[nb] = p;
        at[p] = ++nb;
        bits ^= low;
      } while (bits !== 0);
    }
    this.nb = nb;
  }
}

/** Appends the windows of {@link windowsOf} to `out`. */
function pushFixedWindows(out: WindowList, length: number, cfg: FeatureConfig): void {
  const first = out.length;
  let whole = false;
  for (const [size, stride] of cfg.windows) {
    if (length <= size) {
      whole = true;
      continue;
    }
    for (let start = 0; start + size < length; start += stride) out.push(start, start + size);
    out.push(length - size, length);
  }
  // windowsOf puts the whole text first; the order of windows does not change the maximum.
  if (whole || out.length === first) out.push(0, length);
}

/** Sentence windows of the runtime scorer (see {@link sentenceWindows}). */
export interface SentenceWindowOptions {
  /** Texts at most this long are scored whole only. @default 0 (every text) */
  readonly minText: number;
  /** Longest sentence window (a single sentence or two consecutive ones). @default 512 */
  readonly maxChars: number;
}

export const SENTENCE_WINDOW_DEFAULTS: SentenceWindowOptions = { minText: 0, maxChars: 512 };

const isSentenceEnd = (c: number): boolean => c === 0x2e || c === 0x21 || c === 0x3f || c === 0x3b;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Windows aligned on sentences: every sentence (ended by `.`, `!`, `?` or `;` before a space, or by a
 * line break) and every two consecutive sentences, up to `maxChars`. A harmful sentence padded with
 * any amount of benign text is then scored as if it stood alone — the fixed windows alone average it
 * with up to 500 characters of its neighbours. One pass; O(sentences) windows.
 */
export function sentenceWindows(text: string, opts: SentenceWindowOptions): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  const codes = new Uint16Array(text.length + 1);
  for (let i = 0; i < text.length; i++) codes[i + 1] = text.charCodeAt(i);
  eachSentenceWindow(codes, text.length, opts, {
    push(s, e) {
      out.push([s, e]);
    },
  });
  return out;
}

/**
 * Pushes each window of {@link sentenceWindows}, in the same order, to `out`. The text is `codes[1 … n]`
 * (text index i at i + 1, as {@link PrefixSums.load} lays it out).
 */
function eachSentenceWindow(
  codes: Uint16Array,
  n: number,
  opts: SentenceWindowOptions,
  out: { push(start: number, end: number): void },
): void {
  const max = opts.maxChars;
  // The previous sentence span (its single and paired windows are pushed once the next one closes).
  let ps = -1;
  let pe = -1;
  let start = 0;
  let i = 0;
  // Plain loops rather than a `close` closure: captured, mutated locals would live in a heap context.
  for (;;) {
    // The next sentence end: a line break (excluded) or `.!?;` before a space or the end (included).
    // Letters and digits (most code units) fail the first test.
    let end = n;
    let more = false;
    for (; i < n; i++) {
      const c = codes[i + 1]!;
      if (c > 0x3f) continue;
      if (c === 0x0a || c === 0x0d) {
        end = i;
      } else if (isSentenceEnd(c) && (i + 1 === n || isSpace(codes[i + 2]!))) {
        end = i + 1;
      } else continue;
      i++;
      more = true;
      break;
    }
    let s = start;
    while (s < end && isSpace(codes[s + 1]!)) s++;
    start = end;
    if (end > s) {
      if (ps >= 0) {
        if (pe - ps <= max) out.push(ps, pe);
        if (end - ps <= max) out.push(ps, end);
      }
      ps = s;
      pe = end;
    }
    if (!more) break;
  }
  if (ps >= 0 && pe - ps <= max) out.push(ps, pe);
}

/**
 * Builds a margin scorer from int8 weights (`buckets × 3`, interleaved, dequantised by `scales`; other
 * arrays are converted to int8) and biases. Features are hashed and summed in one streaming pass (nothing stored per feature); cumulative sums at
 * the window boundaries make each window's margin O(1): (S[end] − S[start]) / √(Q[end] − Q[start]) + bias.
 */
export function createMarginScorer(
  cfg: FeatureConfig,
  weights: ArrayLike<number>,
  scales: readonly number[],
  bias: readonly number[],
  sentences?: SentenceWindowOptions,
): MarginScorer {
  const sc = [scales[0] ?? 1, scales[1] ?? 1, scales[2] ?? 1] as const;
  const b = [bias[0] ?? 0, bias[1] ?? 0, bias[2] ?? 0] as const;
  const floor = cfg.normFloor ?? 0;
  const list = new WindowList();
  const sums = new PrefixSums(cfg, weights instanceof Int8Array ? weights : Int8Array.from(weights));
  let cum = new Float64Array(256);
  return {
    maxMargins(input) {
      const masked = featureText(input, cfg);
      const n = masked.length;
      const codes = sums.load(masked);
      list.clear();
      pushFixedWindows(list, n, cfg);
      if (sentences && n > sentences.minText) eachSentenceWindow(codes, n, sentences, list);
      // A line break ends a sentence window and is read as a space (the model was trained on canonical
      // text, where whitespace is collapsed to spaces).
      if (masked.includes('\n')) for (let i = 1; i <= n; i++) if (codes[i] === 0x0a) codes[i] = 0x20;
      list.index(n);
      const { bounds, nb, at, ends } = list;
      if (cum.length < nb * 4) cum = new Float64Array(Math.max(nb * 4, cum.length * 2));
      cum.fill(0, 0, nb * 4);
      sums.runLoaded(n, bounds, nb, cum);
      let best0 = -Infinity;
      let best1 = -Infinity;
      let best2 = -Infinity;
      for (let w = 0; w < list.length; w += 2) {
        const s = (at[ends[w]!]! - 1) * 4;
        const e = (at[ends[w + 1]!]! - 1) * 4;
        const norm = Math.max(cum[e + 3]! - cum[s + 3]!, floor);
        const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        best0 = Math.max(best0, (cum[e]! - cum[s]!) * sc[0] * inv + b[0]);
        best1 = Math.max(best1, (cum[e + 1]! - cum[s + 1]!) * sc[1] * inv + b[1]);
        best2 = Math.max(best2, (cum[e + 2]! - cum[s + 2]!) * sc[2] * inv + b[2]);
      }
      return Float64Array.of(best0, best1, best2);
    },
  };
}

/** Platt transform of a margin. */
export function platt(margin: number, p: PlattParams): number {
  const z = p.a * margin + p.b;
  return z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
}

let cachedDefault: LinearClassifier | undefined;

/**
 * Loads a classifier from an artifact, by default the committed model.json (loaded once and cached).
 */
export function loadModel(artifact?: ModelArtifact): LinearClassifier {
  if (artifact === undefined) {
    cachedDefault ??= loadModel(require('./model.json') as ModelArtifact);
    return cachedDefault;
  }
  if (artifact.format !== 'csp-linear-v1') {
    throw new Error(`model.format: unsupported ${String(artifact.format)}`);
  }
  if (artifact.features.conceptWeight > 0 && artifact.features.lexicon !== LEXICON_VERSION) {
    throw new Error(
      `model.features.lexicon: trained with lexicon ${artifact.features.lexicon}, code has ${LEXICON_VERSION}; retrain (npm run train)`,
    );
  }
  const q = decodeWeights(artifact);
  // At run time every text is also scored per sentence and per two sentences (minText 0: dilution, split
  // requests); training keeps the fixed windows.
  const scorer = createMarginScorer(
    artifact.features,
    q,
    artifact.weights.scales,
    artifact.weights.bias,
    SENTENCE_WINDOW_DEFAULTS,
  );
  const cal = artifact.calibration.params;
  const thresholds: Partial<Record<Category, number>> = { ...artifact.thresholds };
  return {
    version: artifact.version,
    thresholds,
    score(text) {
      const m = scorer.maxMargins(text);
      return {
        harmful: round4(platt(m[0]!, cal.harmful)),
        jailbreak: round4(platt(m[1]!, cal.jailbreak)),
        injection: round4(platt(m[2]!, cal.injection)),
      };
    },
  };
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
