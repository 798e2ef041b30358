import * as z from 'zod';
import type { Policy } from '../policy/load';
import type { CategoryPolicy, DetectorRef } from '../policy/schema';
import { type Action, CATEGORIES, type Category } from '../types';
import { ACTION_SEVERITY, mostSevere } from './scoring';

/** A per-tenant override for one category: it can only make the baseline stricter. */
export interface CategoryOverride {
  /** Applied only when lower than the baseline's thresholds (every detector's threshold is capped by it). */
  readonly threshold?: number;
  /** Applied only when more severe than the baseline's action. */
  readonly action?: Action;
}

export type TenantOverrides = Partial<Record<Category, CategoryOverride>>;

/** Stored and transported form of {@link TenantOverrides}, validated wherever it is read. */
export const tenantOverridesSchema = z.partialRecord(
  z.enum(CATEGORIES),
  z.strictObject({
    threshold: z.number().min(0).max(1).optional(),
    action: z.enum(['allow', 'flag', 'redact', 'block']).optional(),
  }),
);

/** Why an override was refused: it would loosen the baseline. Empty when it only tightens. */
export function looseningIn(policy: Policy, overrides: TenantOverrides): string[] {
  const out: string[] = [];
  for (const [cat, ov] of Object.entries(overrides) as [Category, CategoryOverride][]) {
    const cp = policy.document.categories[cat];
    if (!cp) {
      out.push(`${cat}: not a category of policy '${policy.name}'`);
      continue;
    }
    if (ov.threshold !== undefined && (ov.threshold < 0 || ov.threshold > cp.threshold)) {
      out.push(
        `${cat}.threshold: ${ov.threshold} would loosen the baseline ${cp.threshold} (overrides may only tighten)`,
      );
    }
    if (ov.action !== undefined && ACTION_SEVERITY[ov.action] < ACTION_SEVERITY[cp.action]) {
      out.push(`${cat}.action: '${ov.action}' is less severe than the baseline '${cp.action}'`);
    }
  }
  return out;
}

/**
 * The categories with per-tenant overrides (tightening only — a loosening value is ignored) and operator
 * shadow toggles applied. `modelThresholds` resolves `"model"` detector thresholds so they can be capped.
 */
export function effectiveCategories(
  categories: Policy['categories'],
  overrides: TenantOverrides | undefined,
  shadow: readonly Category[] | undefined,
  modelThresholds: Partial<Record<Category, number>>,
): Policy['categories'] {
  if (!overrides && (!shadow || shadow.length === 0)) return categories;
  const shadowSet = new Set(shadow ?? []);
  return categories.map(([cat, cp]) => {
    const ov = overrides?.[cat];
    let next: CategoryPolicy = cp;
    if (ov) {
      const cap = ov.threshold !== undefined && ov.threshold <= cp.threshold ? ov.threshold : undefined;
      next = {
        ...cp,
        action: ov.action ? mostSevere(cp.action, ov.action) : cp.action,
        threshold: cap ?? cp.threshold,
        detectors:
          cap === undefined
            ? cp.detectors
            : cp.detectors.map((ref): DetectorRef => {
                if (typeof ref === 'string') return ref;
                const base =
                  ref.threshold === 'model' ? (modelThresholds[cat] ?? cp.threshold) : ref.threshold;
                return { id: ref.id, threshold: Math.min(base, cap) };
              }),
      };
    }
    if (shadowSet.has(cat) && !next.shadow) next = { ...next, shadow: true };
    return [cat, next] as const;
  });
}
