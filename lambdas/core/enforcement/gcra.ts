/**
 * GCRA ("generic cell rate algorithm", the virtual-scheduling form of a token bucket).
 *
 * A bucket of `limit` units refilled evenly over `windowMs` is represented by one number, the
 * *theoretical arrival time* `tat` (epoch ms): the instant at which the bucket would be full again.
 * `tat ≤ now` means full. Charging `n` units moves it to `max(tat, now) + n·T` with `T = windowMs / limit`;
 * the charge is allowed iff the result is at most `now + windowMs` (the bucket never holds more than `limit`).
 *
 * Both update cases are expressible as a conditional DynamoDB `UpdateItem` without reading first:
 *  - idle (`tat ≤ now`):  `SET tat = :now + :inc`  IF `attribute_not_exists(tat) OR tat <= :now`
 *  - busy (`tat > now`):  `SET tat = tat + :inc`   IF `tat > :now AND tat <= :now + windowMs - :inc`
 * The state is capacity-agnostic (a time), so changing a tenant's limit (e.g. throttling) needs no migration.
 */

/** Milliseconds per unit for a limit per window. */
export function emissionInterval(limit: number, windowMs: number): number {
  if (!(limit > 0)) throw new Error(`gcra: limit must be > 0, got ${limit}`);
  return windowMs / limit;
}

/** Outcome of charging a bucket, computed locally. */
export interface GcraResult {
  readonly allowed: boolean;
  /** New `tat` when allowed; unchanged `tat` when denied. */
  readonly tat: number;
  /** Wait until the same charge would be allowed (0 when allowed; Infinity when the charge exceeds the limit). */
  readonly retryAfterMs: number;
  /** Units left in the bucket after the charge (floor). */
  readonly remaining: number;
}

/** Charges `cost` units at `now` against a bucket in state `tat` (undefined = never used). */
export function gcraCharge(
  tat: number | undefined,
  cost: number,
  limit: number,
  windowMs: number,
  now: number,
): GcraResult {
  const t = emissionInterval(limit, windowMs);
  const start = Math.max(tat ?? now, now);
  const next = start + cost * t;
  if (cost > limit)
    return {
      allowed: false,
      tat: tat ?? now,
      retryAfterMs: Number.POSITIVE_INFINITY,
      remaining: available(tat, limit, windowMs, now),
    };
  if (next - now <= windowMs) {
    return { allowed: true, tat: next, retryAfterMs: 0, remaining: Math.floor((now + windowMs - next) / t) };
  }
  return {
    allowed: false,
    tat: tat ?? now,
    retryAfterMs: Math.ceil(next - now - windowMs),
    remaining: available(tat, limit, windowMs, now),
  };
}

/** Units available in a bucket at `now` (may be negative when the bucket is in debt after settlement). */
export function available(tat: number | undefined, limit: number, windowMs: number, now: number): number {
  const t = emissionInterval(limit, windowMs);
  return Math.floor((now + windowMs - Math.max(tat ?? now, now)) / t);
}

/** Which conditional update applies, given the last `tat` seen. */
export function gcraCase(tat: number | undefined, now: number): 'idle' | 'busy' {
  return tat === undefined || tat <= now ? 'idle' : 'busy';
}
