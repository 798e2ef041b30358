import { matchesDetector } from '../policy/load';
import type { CategoryPolicy } from '../policy/schema';
import type { Action, Category, Finding } from '../types';

/** Severity order of actions: the final decision is the most severe enforced action. */
export const ACTION_SEVERITY: Readonly<Record<Action, number>> = { allow: 0, flag: 1, redact: 2, block: 3 };

export function mostSevere(a: Action, b: Action): Action {
  return ACTION_SEVERITY[b] > ACTION_SEVERITY[a] ? b : a;
}

/** The top finding per (tier, category) among the findings a category policy selects. */
export interface TierTop {
  readonly score: number;
  readonly detector: string;
}

/** Tier name of a check id: `tier0.pii.email` → `tier0`. */
export function tierOf(detector: string): 'tier0' | 'tier1' | 'tier2' {
  const dot = detector.indexOf('.');
  const head = dot === -1 ? detector : detector.slice(0, dot);
  return head === 'tier1' || head === 'tier2' ? head : 'tier0';
}

/** Whether a category policy takes findings from this detector. */
export function selects(policy: CategoryPolicy, detector: string): boolean {
  for (const ref of policy.detectors) if (matchesDetector(ref, detector)) return true;
  return false;
}

/** Groups findings by tier for one category: the maximum score and the detector that gave it. */
export function topByTier(
  findings: readonly Finding[],
  category: Category,
  policy: CategoryPolicy,
): Map<'tier0' | 'tier1' | 'tier2', TierTop> {
  const out = new Map<'tier0' | 'tier1' | 'tier2', TierTop>();
  for (const f of findings) {
    if (f.category !== category || !selects(policy, f.detector)) continue;
    const tier = tierOf(f.detector);
    const prev = out.get(tier);
    if (!prev || f.score > prev.score) out.set(tier, { score: f.score, detector: f.detector });
  }
  return out;
}
