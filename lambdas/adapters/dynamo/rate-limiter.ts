import { gcraCase, gcraCharge, gcraIncrement } from '../../core/enforcement/gcra';
import { type Cost, DIMENSIONS, type Dimension, type RateLimits } from '../../core/enforcement/types';
import type { DocumentSender } from './client';
import { sendTokenGuardedUpdate } from './write-token';

/** Refill window of every bucket: limits are per minute. */
export const WINDOW_MS = 60_000;
/** Bucket state is kept in integer microseconds since the epoch (exact in doubles and in DynamoDB numbers). */
const US_PER_MS = 1_000;
const WINDOW = WINDOW_MS * US_PER_MS;
const toUs = (ms: number) => Math.round(ms * US_PER_MS);
/** Sort key of the single item holding a tenant's three buckets. */
export const BUCKET_ITEM = 'gcra';
/** Bucket items idle this long are expired by TTL (a bucket idle for a window is full anyway). */
const ITEM_TTL_S = 3600;
const MAX_ATTEMPTS = 4;
/** Tenants whose last-seen bucket state an instance remembers (oldest forgotten first). */
const MAX_REMEMBERED = 10_000;

/** `map.set` that evicts the oldest entry beyond `max` (Map iterates in insertion order). */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/** Outcome of {@link RateLimiter.admit}. */
export interface AdmitResult {
  readonly allowed: boolean;
  /** The dimension that refused (first one found), when denied. */
  readonly dimension?: Dimension;
  /** When the same request could be admitted (0 when allowed; Infinity when it can never fit). */
  readonly retryAfterMs: number;
}

/** Token buckets per tenant; the serving path's only rate-limit interface. */
export interface RateLimiter {
  /**
   * Charges `cost` (e.g. `{ requests: 1 }` in the authorizer, `{ inputTokens: estimate }` in the proxy) against
   * the tenant's buckets, all or nothing. Dimensions not charged are still checked: a bucket in debt (less than
   * one unit available) refuses. At most one table round trip when uncontended.
   */
  admit(tenantId: string, limits: RateLimits, cost: Cost): Promise<AdmitResult>;
  /**
   * Applies the difference between what was reserved and what was used (positive = charge more, e.g. output
   * tokens; negative = refund, e.g. over-estimated input). Never refused: an overrun puts the bucket in debt,
   * which later admissions wait out. A refund never fills a bucket beyond its limit.
   */
  settle(tenantId: string, limits: RateLimits, delta: Cost): Promise<void>;
}

/** Options of {@link DynamoRateLimiter}. */
export interface DynamoRateLimiterOptions {
  readonly client: DocumentSender;
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

type Tats = Partial<Record<Dimension, number>>;

/** Reads the bucket attributes out of a document item. */
function readTats(item: Record<string, unknown> | undefined): Tats {
  const tats: Tats = {};
  if (!item) return tats;
  for (const d of DIMENSIONS) {
    const v = item[d];
    if (typeof v === 'number') tats[d] = v;
  }
  return tats;
}

interface Plan {
  readonly set: string[];
  readonly conditions: string[];
  readonly values: Record<string, number>;
}

/**
 * GCRA token buckets in the `limits` table: one item per tenant (`dimension` = `gcra`) holding the theoretical
 * arrival time of each dimension (integer µs since the epoch), updated by one conditional `UpdateItem` per admission (see
 * docs/adr/0004-rate-limiting.md). The update case (idle/busy) is chosen from the last value this instance saw;
 * a `ConditionalCheckFailed` carries the current item (`ReturnValuesOnConditionCheckFailure`, or one
 * `GetItem` where the store does not return it) and the admission is decided or retried from it. Each update is
 * token-guarded (./write-token.ts): a client's re-send of an update that was applied but whose answer was lost is
 * taken as applied, never charged twice.
 */
export class DynamoRateLimiter implements RateLimiter {
  private readonly client: DocumentSender;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly lastSeen = new Map<string, Tats>();

  constructor(options: DynamoRateLimiterOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  async admit(tenantId: string, limits: RateLimits, cost: Cost): Promise<AdmitResult> {
    const now = toUs(this.now());
    for (const d of DIMENSIONS) {
      const c = cost[d] ?? 0;
      if (c > limits[d]) return { allowed: false, dimension: d, retryAfterMs: Number.POSITIVE_INFINITY };
    }
    let seen = this.lastSeen.get(tenantId) ?? {};
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const plan = this.admitPlan(seen, limits, cost, now);
      const result = await this.update(tenantId, plan, now);
      if (result.ok) {
        setBounded(this.lastSeen, tenantId, result.tats, MAX_REMEMBERED);
        return { allowed: true, retryAfterMs: 0 };
      }
      seen = result.tats;
      setBounded(this.lastSeen, tenantId, seen, MAX_REMEMBERED);
      const refusal = this.refusal(seen, limits, cost, now);
      if (refusal) return refusal;
    }
    // Persistent contention: refuse rather than over-admit (fail closed); the caller may retry.
    return { allowed: false, dimension: 'requests', retryAfterMs: 1 };
  }

  async settle(tenantId: string, limits: RateLimits, delta: Cost): Promise<void> {
    if (!DIMENSIONS.some((d) => (delta[d] ?? 0) !== 0)) return;
    const now = toUs(this.now());
    let seen = this.lastSeen.get(tenantId) ?? {};
    for (let attempt = 0; attempt < MAX_ATTEMPTS + 2; attempt++) {
      const result = await this.update(tenantId, this.settlePlan(seen, limits, delta, now), now);
      setBounded(this.lastSeen, tenantId, result.tats, MAX_REMEMBERED);
      if (result.ok) return;
      seen = result.tats;
    }
    throw new Error(`rate limiter: settlement for tenant ${tenantId} did not converge`);
  }

  /** The first dimension that cannot take its charge given the current state, if any. */
  private refusal(tats: Tats, limits: RateLimits, cost: Cost, now: number): AdmitResult | undefined {
    for (const d of DIMENSIONS) {
      const c = cost[d] ?? 0;
      const r = gcraCharge(tats[d], c > 0 ? c : 1, limits[d], WINDOW, now);
      if (!r.allowed)
        return { allowed: false, dimension: d, retryAfterMs: Math.ceil(r.retryAfter / US_PER_MS) };
    }
    return undefined;
  }

  private admitPlan(seen: Tats, limits: RateLimits, cost: Cost, now: number): Plan {
    const plan: Plan = { set: [], conditions: [], values: { ':now': now } };
    for (const d of DIMENSIONS) {
      const c = cost[d] ?? 0;
      const name = `#${d}`;
      if (c <= 0) {
        // Check only: at least one unit available (not in debt).
        plan.values[`:chk_${d}`] = now + WINDOW - gcraIncrement(1, limits[d], WINDOW);
        plan.conditions.push(`(attribute_not_exists(${name}) OR ${name} <= :chk_${d})`);
        continue;
      }
      const inc = gcraIncrement(c, limits[d], WINDOW);
      if (gcraCase(seen[d], now) === 'idle') {
        plan.values[`:new_${d}`] = now + inc;
        plan.set.push(`${name} = :new_${d}`);
        plan.conditions.push(`(attribute_not_exists(${name}) OR ${name} <= :now)`);
      } else {
        plan.values[`:inc_${d}`] = inc;
        plan.values[`:max_${d}`] = now + WINDOW - inc;
        plan.set.push(`${name} = ${name} + :inc_${d}`);
        plan.conditions.push(`(${name} > :now AND ${name} <= :max_${d})`);
      }
    }
    return plan;
  }

  private settlePlan(seen: Tats, limits: RateLimits, delta: Cost, now: number): Plan {
    const plan: Plan = { set: [], conditions: [], values: { ':now': now } };
    for (const d of DIMENSIONS) {
      const c = delta[d] ?? 0;
      if (c === 0) continue;
      const amount = gcraIncrement(Math.abs(c), limits[d], WINDOW);
      const name = `#${d}`;
      const tat = seen[d];
      if (c > 0) {
        // Charge without a limit check (an overrun becomes debt).
        if (gcraCase(tat, now) === 'idle') {
          plan.values[`:new_${d}`] = now + amount;
          plan.set.push(`${name} = :new_${d}`);
          plan.conditions.push(`(attribute_not_exists(${name}) OR ${name} <= :now)`);
        } else {
          plan.values[`:inc_${d}`] = amount;
          plan.set.push(`${name} = ${name} + :inc_${d}`);
          plan.conditions.push(`${name} > :now`);
        }
      } else if (tat !== undefined && tat - amount > now) {
        // Refund that leaves the bucket below its limit.
        plan.values[`:dec_${d}`] = amount;
        plan.values[`:floor_${d}`] = now + amount;
        plan.set.push(`${name} = ${name} - :dec_${d}`);
        plan.conditions.push(`${name} > :floor_${d}`);
      } else {
        // Refund that would overfill: clamp at full (tat = now). A missing/past tat is already full.
        plan.values[`:floor_${d}`] = now + amount;
        plan.set.push(`${name} = :now`);
        plan.conditions.push(`(attribute_not_exists(${name}) OR ${name} <= :floor_${d})`);
      }
    }
    return plan;
  }

  private async update(
    tenantId: string,
    plan: Plan,
    now: number,
  ): Promise<{ readonly ok: boolean; readonly tats: Tats }> {
    const expressions = [...plan.set, ...plan.conditions].join(' ');
    const values: Record<string, number> = { ':exp': Math.ceil(now / (US_PER_MS * 1000)) + ITEM_TTL_S };
    for (const [k, v] of Object.entries(plan.values)) {
      if (new RegExp(`${k}(?![A-Za-z0-9_])`).test(expressions)) values[k] = v;
    }
    const names: Record<string, string> = { '#exp': 'expiresAt' };
    for (const d of DIMENSIONS) {
      if (plan.set.some((s) => s.includes(`#${d}`)) || plan.conditions.some((s) => s.includes(`#${d}`))) {
        names[`#${d}`] = d;
      }
    }
    // Token-guarded: an attempt applied whose answer was lost is not applied again by the client's re-send, and its
    // failed condition is known as this admission's own (docs/adr/0057): the window is charged once.
    const outcome = await sendTokenGuardedUpdate(this.client, {
      TableName: this.tableName,
      Key: { tenantId, dimension: BUCKET_ITEM },
      UpdateExpression: `SET ${[...plan.set, '#exp = :exp'].join(', ')}`,
      ConditionExpression: plan.conditions.length ? plan.conditions.join(' AND ') : undefined,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    });
    return outcome.applied
      ? { ok: true, tats: readTats(outcome.attributes) }
      : { ok: false, tats: readTats(outcome.item) };
  }
}
