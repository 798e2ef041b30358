import { closest, distance } from 'fastest-levenshtein';
import * as z from 'zod';
import type { RateLimits, Tenant, TenantStatus } from './types';

/** Per-minute default limits of each tier, and how much a throttled tenant keeps. */
export interface TierConfig {
  /** Defaults per tier name; a tenant's own `limits` override these per dimension. */
  readonly tiers: Readonly<Record<string, RateLimits>>;
  /** Tier used when a tenant's tier is not in `tiers`. */
  readonly fallbackTier: string;
  /** Fraction of its limits a `throttled` tenant keeps (0 < f ≤ 1); every limit stays ≥ 1. */
  readonly throttleFactor: number;
}

/** Built-in tier defaults (requests, input tokens, output tokens per minute). */
export const DEFAULT_TIER_CONFIG: TierConfig = {
  tiers: {
    free: { requests: 20, inputTokens: 40_000, outputTokens: 8_000 },
    standard: { requests: 600, inputTokens: 400_000, outputTokens: 80_000 },
    enterprise: { requests: 4_000, inputTokens: 2_000_000, outputTokens: 400_000 },
    // The live-enforcement canary: a few dozen probes a minute; its blocks are never ladder strikes.
    canary: { requests: 240, inputTokens: 200_000, outputTokens: 40_000 },
  },
  fallbackTier: 'free',
  throttleFactor: 0.1,
};

/** A tenant's status at `now`: a `throttled`/`suspended` status whose `until` has passed is `active`. */
export function effectiveStatus(tenant: Pick<Tenant, 'status' | 'until'>, now: number): TenantStatus {
  if ((tenant.status === 'throttled' || tenant.status === 'suspended') && tenant.until !== undefined) {
    return tenant.until <= now ? 'active' : tenant.status;
  }
  return tenant.status;
}

/** Limits in force for a tenant with the given effective status: overrides over tier defaults, reduced when throttled. */
export function effectiveLimits(
  tenant: Pick<Tenant, 'tier' | 'limits'>,
  status: TenantStatus,
  config: TierConfig = DEFAULT_TIER_CONFIG,
): RateLimits {
  const base = config.tiers[tenant.tier] ?? config.tiers[config.fallbackTier];
  if (!base) throw new Error(`tier config: fallback tier '${config.fallbackTier}' is not defined`);
  const merged: RateLimits = {
    requests: tenant.limits?.requests ?? base.requests,
    inputTokens: tenant.limits?.inputTokens ?? base.inputTokens,
    outputTokens: tenant.limits?.outputTokens ?? base.outputTokens,
  };
  if (status !== 'throttled') return merged;
  const f = config.throttleFactor;
  return {
    requests: Math.max(1, Math.floor(merged.requests * f)),
    inputTokens: Math.max(1, Math.floor(merged.inputTokens * f)),
    outputTokens: Math.max(1, Math.floor(merged.outputTokens * f)),
  };
}

/** Whether a status admits traffic at all. */
export function admitsTraffic(status: TenantStatus): boolean {
  return status === 'active' || status === 'throttled';
}

/**
 * Upper bounds of a per-tenant limit (per minute): 25× the enterprise tier's requests and 50× its tokens, far
 * above any real contract, low enough that a typo with extra zeros is refused rather than silently unlimiting.
 */
export const LIMIT_BOUNDS: RateLimits = {
  requests: 100_000,
  inputTokens: 100_000_000,
  outputTokens: 20_000_000,
};

const limitOf = (d: keyof RateLimits) =>
  z
    .number({ error: 'expected a number' })
    .int('expected a whole number')
    .min(1, 'expected a positive whole number')
    .max(LIMIT_BOUNDS[d], `at most ${LIMIT_BOUNDS[d]} per minute`);

/** Per-tenant limit overrides as written by operators: at least one dimension, each a bounded positive integer. */
export const tenantLimitsSchema = z
  .strictObject({
    requests: limitOf('requests').optional(),
    inputTokens: limitOf('inputTokens').optional(),
    outputTokens: limitOf('outputTokens').optional(),
  })
  .refine((l) => Object.values(l).some((v) => v !== undefined), {
    message: 'give at least one of requests, inputTokens, outputTokens',
  });

/** The tier names of a tier table an operator may assign, and the closest one to a mistyped name. */
export function unknownTierMessage(
  tier: string,
  config: TierConfig = DEFAULT_TIER_CONFIG,
): string | undefined {
  const known = Object.keys(config.tiers);
  if (known.includes(tier)) return undefined;
  const near = known.length > 0 ? closest(tier.toLowerCase(), known) : undefined;
  const hint =
    near !== undefined && distance(tier.toLowerCase(), near) <= 2 ? `; did you mean '${near}'?` : '';
  return `unknown tier '${tier}': the tier table has ${known.join(', ')}${hint}`;
}
