/**
 * GCRA ("generic cell rate algorithm", the virtual-scheduling form of a token bucket).
 *
 * A bucket of `limit` units refilled evenly over `window` is represented by one number, the *theoretical
 * arrival time* `tat`: the instant at which the bucket would be full again (`tat ≤ now` means full). Charging
 * `n` units moves it to `max(tat, now) + inc(n)`; the charge is allowed iff the result is at most
 * `now + window`, so the bucket never holds more than `limit`.
 *
 * All quantities are **integers** in one time unit (the DynamoDB adapter uses microseconds): `inc(n)` is
 * `floor(n · window / limit)`, so `limit · inc(1) ≤ window` and exactly `limit` single units fit in a full
 * bucket whatever the limit — no floating-point rounding can lose or add a unit, and the comparisons made by
 * DynamoDB (decimal) and here (IEEE doubles, exact below 2^53) agree.
 *
 * Both update cases are expressible as a conditional DynamoDB `UpdateItem` without reading first:
 *  - idle (`tat ≤ now`):  `SET tat = :now + :inc`  IF `attribute_not_exists(tat) OR tat <= :now`
 *  - busy (`tat > now`):  `SET tat = tat + :inc`   IF `tat > :now AND tat <= :now + window - :inc`
 * The state is capacity-agnostic (a time), so changing a tenant's limit (e.g. throttling) needs no migration.
 */

/** Time a charge of `cost` units occupies: `floor(cost · window / limit)` (0 for cost ≤ 0, else ≥ 1). */
export function gcraIncrement(cost: number, limit: number, window: number): number {
  if (!(limit > 0)) throw new Error(`gcra: limit must be > 0, got ${limit}`);
  if (cost <= 0) return 0;
  return Math.max(1, Math.floor((cost * window) / limit));
}

/** Outcome of charging a bucket, computed locally. */
export interface GcraResult {
  readonly allowed: boolean;
  /** New `tat` when allowed; unchanged `tat` when denied. */
  readonly tat: number;
  /** Wait (time units) until the same charge would be allowed (0 when allowed; Infinity when it exceeds the limit). */
  readonly retryAfter: number;
}

/** Charges `cost` units at `now` against a bucket in state `tat` (undefined = never used). */
export function gcraCharge(
  tat: number | undefined,
  cost: number,
  limit: number,
  window: number,
  now: number,
): GcraResult {
  const unchanged = tat ?? now;
  if (cost > limit) return { allowed: false, tat: unchanged, retryAfter: Number.POSITIVE_INFINITY };
  const next = Math.max(unchanged, now) + gcraIncrement(cost, limit, window);
  if (next - now <= window) return { allowed: true, tat: next, retryAfter: 0 };
  return { allowed: false, tat: unchanged, retryAfter: next - now - window };
}

/** Whole units available in a bucket at `now` (negative when the bucket is in debt after settlement). */
export function available(tat: number | undefined, limit: number, window: number, now: number): number {
  return Math.floor(((now + window - Math.max(tat ?? now, now)) * limit) / window);
}

/** Which conditional update applies, given the last `tat` seen. */
export function gcraCase(tat: number | undefined, now: number): 'idle' | 'busy' {
  return tat === undefined || tat <= now ? 'idle' : 'busy';
}
