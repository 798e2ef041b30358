import { statusRank, type TenantStatus } from './types';

/** One rung of the ladder: `threshold` strikes within `windowMs` (optionally of one category) → `status` for `durationMs`. */
export interface LadderRule {
  /** Stable name, recorded in the audit reason (e.g. `blocks-10m`). */
  readonly name: string;
  readonly windowMs: number;
  readonly threshold: number;
  /** Count only this category's strikes. @default - strikes of every category */
  readonly category?: string;
  readonly status: 'throttled' | 'suspended';
  readonly durationMs: number;
}

/** Thresholds of the enforcement ladder. */
export interface LadderConfig {
  readonly rules: readonly LadderRule[];
  /** `suspensions` suspensions within `windowMs` (the new one included) → banned, pending review. */
  readonly ban: { readonly suspensions: number; readonly windowMs: number };
  /** Granularity of the strike counters: windows slide in steps of this size. */
  readonly bucketMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** 3 blocks in 10 min → throttled 15 min; 10 in 1 h → suspended 24 h; 3 suspensions in 7 days → banned. */
export const DEFAULT_LADDER: LadderConfig = {
  rules: [
    {
      name: 'strikes-10m',
      windowMs: 10 * MINUTE,
      threshold: 3,
      status: 'throttled',
      durationMs: 15 * MINUTE,
    },
    { name: 'strikes-1h', windowMs: HOUR, threshold: 10, status: 'suspended', durationMs: DAY },
  ],
  ban: { suspensions: 3, windowMs: 7 * DAY },
  bucketMs: MINUTE,
};

/** One strike counter: strikes of `category` in the bucket starting at `start` (epoch ms). */
export interface StrikeBucket {
  readonly start: number;
  readonly category: string;
  readonly count: number;
}

/**
 * Strike counts per rule name at `now`, from bucketed counters. A bucket counts toward a window when any part
 * of it lies inside the window, so a window may over-count by at most one bucket (conservative).
 */
export function countStrikes(
  buckets: readonly StrikeBucket[],
  config: LadderConfig,
  now: number,
): Readonly<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const rule of config.rules) {
    let n = 0;
    for (const b of buckets) {
      if (b.start + config.bucketMs <= now - rule.windowMs || b.start > now) continue;
      if (rule.category !== undefined && b.category !== rule.category) continue;
      n += b.count;
    }
    counts[rule.name] = n;
  }
  return counts;
}

/**
 * The rule that decides for these counts, or `undefined` when none reached its threshold: the most severe
 * triggered status wins, and of equal statuses the longest duration. The only place the ladder chooses a rule.
 */
export function triggeredRule(
  counts: Readonly<Record<string, number>>,
  config: LadderConfig,
): LadderRule | undefined {
  let chosen: LadderRule | undefined;
  for (const rule of config.rules) {
    if ((counts[rule.name] ?? 0) < rule.threshold) continue;
    if (
      !chosen ||
      statusRank(rule.status) > statusRank(chosen.status) ||
      (rule.status === chosen.status && rule.durationMs > chosen.durationMs)
    ) {
      chosen = rule;
    }
  }
  return chosen;
}

/**
 * What {@link decideEscalation} still needs to read for these counts: nothing when no rule reached its threshold
 * (the result is `undefined` whatever the status), the tenant's status when one did, and the recent suspensions
 * only when the {@link triggeredRule} suspends (they matter only for a suspension that may become a ban).
 */
export function escalationInputs(
  counts: Readonly<Record<string, number>>,
  config: LadderConfig,
): { readonly status: boolean; readonly suspensions: boolean } {
  const chosen = triggeredRule(counts, config);
  return { status: chosen !== undefined, suspensions: chosen?.status === 'suspended' };
}

/** Inputs to {@link decideEscalation}. */
export interface LadderInput {
  /** The tenant's effective status now (expired suspensions already read as `active`). */
  readonly status: TenantStatus;
  /** Strike counts per rule name (see {@link countStrikes}). */
  readonly counts: Readonly<Record<string, number>>;
  /** Suspensions already recorded within `ban.windowMs`, not counting one this decision might add. */
  readonly recentSuspensions: number;
  readonly now: number;
}

/** A status change decided by the ladder. */
export interface Escalation {
  readonly status: 'throttled' | 'suspended' | 'banned';
  /** Epoch ms when the status lapses; absent for `banned` (pending review). */
  readonly until?: number;
  /** The rule that fired (or `ban` for the suspension count). */
  readonly rule: string;
  readonly reason: string;
}

/**
 * The next status for a tenant, or `undefined` when nothing changes. Pure and total: the
 * {@link triggeredRule} decides; a rung never lowers a status (`banned` stays banned); a suspension that reaches the
 * ban threshold becomes a ban.
 */
export function decideEscalation(input: LadderInput, config: LadderConfig): Escalation | undefined {
  const chosen = triggeredRule(input.counts, config);
  if (!chosen) return undefined;
  const scope = chosen.category ? ` of category ${chosen.category}` : '';
  const strikes = `${input.counts[chosen.name] ?? 0} strikes${scope} within ${Math.round(chosen.windowMs / MINUTE)} min`;
  let next: Escalation = {
    status: chosen.status,
    until: input.now + chosen.durationMs,
    rule: chosen.name,
    reason: `${chosen.name}: ${strikes}`,
  };
  if (chosen.status === 'suspended' && input.recentSuspensions + 1 >= config.ban.suspensions) {
    next = {
      status: 'banned',
      rule: 'ban',
      reason: `ban: ${input.recentSuspensions + 1} suspensions within ${Math.round(config.ban.windowMs / DAY)} days (${strikes}); pending review`,
    };
  }
  return statusRank(next.status) > statusRank(input.status) ? next : undefined;
}
