import { matchesDetector } from '../policy/load';
import type { CategoryPolicy } from '../policy/schema';
import type { Action, Category, Finding } from '../types';

/** Severity order of actions: the final decision is the most severe enforced action. */
export const ACTION_SEVERITY: Readonly<Record<Action, number>> = { allow: 0, flag: 1, redact: 2, block: 3 };

export function mostSevere(a: Action, b: Action): Action {
  return ACTION_SEVERITY[b] > ACTION_SEVERITY[a] ? b : a;
}

export type Tier = 'tier0' | 'tier1' | 'tier2';

/** The strongest finding of one tier for one category, judged against its own threshold. */
export interface TierTop {
  /** Raw score of the strongest finding (the highest decision score). */
  readonly score: number;
  /** The threshold that applies to that finding's detector. */
  readonly threshold: number;
  /** `score` mapped so that its threshold sits at 0.5 (see {@link decisionScore}). */
  readonly decision: number;
  readonly detector: string;
  /** The finding's trust-boundary reading, when not read whole (see Finding.reading). */
  readonly reading?: 'operator' | 'harness';
}

/**
 * Whether check id `id` names the tier `tier` followed by the digit whose code is `digit`, alone or before a
 * dot (`tier1`; `tier0.pii.email` for 0x30). Compared in place, the digit first (it rules most ids out):
 * this runs for every finding and detector reference of every category of every request.
 */
export function isTierId(id: string, digit: number): boolean {
  return (
    id.length >= 5 &&
    id.charCodeAt(4) === digit &&
    (id.length === 5 || id.charCodeAt(5) === 0x2e) &&
    id.charCodeAt(0) === 0x74 &&
    id.charCodeAt(1) === 0x69 &&
    id.charCodeAt(2) === 0x65 &&
    id.charCodeAt(3) === 0x72
  );
}

/** Tier name of a check id: `tier0.pii.email` → `tier0`. */
export function tierOf(detector: string): Tier {
  if (isTierId(detector, 0x31)) return 'tier1';
  return isTierId(detector, 0x32) ? 'tier2' : 'tier0';
}

/**
 * The threshold for `detector` under a category policy: the first matching reference's own
 * threshold, the model's recommended one for `"model"`, else the category's. Undefined when the
 * category does not take findings from this detector.
 */
export function thresholdFor(
  policy: CategoryPolicy,
  category: Category,
  detector: string,
  modelThresholds: Partial<Record<Category, number>>,
): number | undefined {
  for (const ref of policy.detectors) {
    if (!matchesDetector(ref, detector)) continue;
    if (typeof ref === 'string') return policy.threshold;
    if (ref.threshold === 'model') return modelThresholds[category] ?? policy.threshold;
    return ref.threshold;
  }
  return undefined;
}

/**
 * Maps a raw score to a decision score in [0, 1] with the threshold at 0.5, piecewise linearly and
 * monotonically. Scores of detectors with different operating points become comparable: a category
 * fires exactly when its highest decision score is ≥ 0.5. Used for evaluation curves and telemetry.
 */
export function decisionScore(score: number, threshold: number): number {
  if (threshold <= 0) return score > 0 ? 1 : 0.5;
  if (threshold >= 1) return score >= 1 ? 0.5 : 0.5 * score;
  return score < threshold ? (0.5 * score) / threshold : 0.5 + (0.5 * (score - threshold)) / (1 - threshold);
}

/**
 * Whether a tier-1 decision score falls in the escalation band `[low, high)` (decision-score space: tier 1's own
 * threshold is 0.5). The one rule serving and the training-time band choice both use.
 */
export function inBand(decision: number, band: readonly [number, number]): boolean {
  return decision >= band[0] && decision < band[1];
}

/** The strongest finding per tier of one category (see {@link topByTier}); a tier without one is absent. */
export type TierTops = { -readonly [T in Tier]?: TierTop };

/**
 * Groups a category's findings by tier: the finding with the highest decision score per tier. A finding
 * that carries its own threshold (operator text) is judged against it, if the category takes its detector.
 * A plain object with one slot per tier, not a `Map`: this runs for every category of every request.
 */
export function topByTier(
  findings: readonly Finding[],
  category: Category,
  policy: CategoryPolicy,
  modelThresholds: Partial<Record<Category, number>>,
): TierTops {
  const out: TierTops = {};
  for (const f of findings) {
    if (f.category !== category) continue;
    const own = thresholdFor(policy, category, f.detector, modelThresholds);
    if (own === undefined) continue;
    const threshold = f.threshold ?? own;
    const tier = tierOf(f.detector);
    const decision = decisionScore(f.score, threshold);
    const prev = out[tier];
    if (!prev || decision > prev.decision) {
      const top: { -readonly [K in keyof TierTop]: TierTop[K] } = {
        score: f.score,
        threshold,
        decision,
        detector: f.detector,
      };
      if (f.reading) top.reading = f.reading;
      out[tier] = top;
    }
  }
  return out;
}
