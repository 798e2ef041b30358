/**
 * Tier-1 linear classifier: one-vs-rest logistic regression per safety category over hashed
 * n-grams of the canonical text, int8-quantised, Platt-calibrated, scored per window (max).
 */
import type { Category, CategoryScores } from '../types';
import { Accumulator, extractFeatures, type FeatureConfig, lowerBound, windowsOf } from './features';
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
   * (output of the normalizer's canonicalize). Long texts are scored in overlapping windows and the
   * maximum per category is returned, so cost is linear and a bad paragraph is not diluted.
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

/** Builds a margin scorer from dense float weights (`buckets × 3`, interleaved) and biases. */
export function createMarginScorer(
  cfg: FeatureConfig,
  weights: ArrayLike<number>,
  scales: readonly number[],
  bias: readonly number[],
): MarginScorer {
  const acc = new Accumulator(cfg.buckets);
  const s0 = scales[0] ?? 1;
  const s1 = scales[1] ?? 1;
  const s2 = scales[2] ?? 1;
  return {
    maxMargins(text) {
      const f = extractFeatures(text, cfg);
      const best = new Float64Array([-Infinity, -Infinity, -Infinity]);
      for (const [start, end] of windowsOf(text.length, cfg)) {
        const from = lowerBound(f.pos, f.length, start);
        const to = lowerBound(f.pos, f.length, end);
        acc.fill(f, from, to);
        let d0 = 0;
        let d1 = 0;
        let d2 = 0;
        acc.forEach((b, v) => {
          const o = b * 3;
          d0 += weights[o]! * v;
          d1 += weights[o + 1]! * v;
          d2 += weights[o + 2]! * v;
        });
        best[0] = Math.max(best[0]!, d0 * s0 + (bias[0] ?? 0));
        best[1] = Math.max(best[1]!, d1 * s1 + (bias[1] ?? 0));
        best[2] = Math.max(best[2]!, d2 * s2 + (bias[2] ?? 0));
      }
      return best;
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
  if (artifact.format !== 'csp-linear-v1')
    throw new Error(`model.format: unsupported ${String(artifact.format)}`);
  const q = decodeWeights(artifact);
  const scorer = createMarginScorer(artifact.features, q, artifact.weights.scales, artifact.weights.bias);
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
