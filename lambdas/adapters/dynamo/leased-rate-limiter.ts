import { type Cost, DIMENSIONS, type Dimension, type RateLimits } from '../../core/enforcement/types';
import { type AdmitResult, type RateLimiter, setBounded } from './rate-limiter';

/** Options of {@link LeasedRateLimiter}. */
export interface LeaseOptions {
  /** How long a claimed slice may be spent locally. @default 1000 ms */
  readonly leaseMs?: number;
  /** Largest slice an instance claims, as a fraction of the limit. @default 0.1 */
  readonly maxFraction?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Lease {
  /** Units claimed from the table and not yet spent, per dimension. */
  readonly remaining: Record<Dimension, number>;
  /** Units spent during this lease (sizes the next claim after it expires). */
  readonly spent: Record<Dimension, number>;
  /** Slice claimed on top of the request's own cost (doubles while leases run dry before expiry). */
  readonly slice: Record<Dimension, number>;
  readonly expiresAt: number;
}

const zero = (): Record<Dimension, number> => ({ requests: 0, inputTokens: 0, outputTokens: 0 });

/**
 * Per-instance leases over a {@link RateLimiter}: an admission that fits in the instance's unexpired slice costs
 * no table call; otherwise the instance claims (in the same single round trip) the request's cost plus a slice
 * sized by what it spent during its previous lease, capped at `maxFraction` of the limit. Everything admitted was
 * first taken from the shared bucket, so the global limit holds exactly; the price is that a slice unspent when
 * its lease ends is not returned (at most one lease's worth of traffic per instance).
 */
export class LeasedRateLimiter implements RateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly leaseMs: number;
  private readonly maxFraction: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: RateLimiter,
    options: LeaseOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 1_000;
    this.maxFraction = options.maxFraction ?? 0.1;
    this.now = options.now ?? Date.now;
  }

  async admit(tenantId: string, limits: RateLimits, cost: Cost): Promise<AdmitResult> {
    const now = this.now();
    const lease = this.leases.get(tenantId);
    const live = lease && lease.expiresAt > now ? lease : undefined;
    if (live && DIMENSIONS.every((d) => live.remaining[d] >= (cost[d] ?? 0))) {
      for (const d of DIMENSIONS) {
        live.remaining[d] -= cost[d] ?? 0;
        live.spent[d] += cost[d] ?? 0;
      }
      return { allowed: true, retryAfterMs: 0 };
    }
    // Claim: this request's cost plus a slice sized by recent local demand.
    const claim: Record<Dimension, number> = zero();
    const slice: Record<Dimension, number> = zero();
    for (const d of DIMENSIONS) {
      const c = Math.max(0, cost[d] ?? 0);
      const cap = Math.max(0, Math.floor(limits[d] * this.maxFraction));
      // Ran dry before expiry: demand exceeds the slice, double it. Expired recently: size it by what it served.
      // Dimensions this admission does not charge (output tokens, settled after the response) are claimed
      // too when recent demand exists, so their settlements are served from the lease as well.
      const recent = lease && lease.expiresAt > now - this.leaseMs ? lease.spent[d] : 0;
      const wanted = live ? Math.max(c, live.slice[d] * 2, c > 0 ? 0 : recent) : recent;
      if (c <= 0 && wanted <= 0) continue;
      slice[d] = Math.min(cap, wanted);
      claim[d] = Math.min(limits[d], c + slice[d]);
    }
    let result = await this.inner.admit(tenantId, limits, claim);
    let granted = claim;
    if (!result.allowed && DIMENSIONS.some((d) => claim[d] > (cost[d] ?? 0))) {
      // The slice does not fit: fall back to the exact cost (a second round trip, only near the limit).
      granted = zero();
      for (const d of DIMENSIONS) {
        granted[d] = cost[d] ?? 0;
        slice[d] = 0;
      }
      result = await this.inner.admit(tenantId, limits, granted);
    }
    if (!result.allowed) return result;
    const remaining = zero();
    const spent = zero();
    for (const d of DIMENSIONS) {
      remaining[d] = granted[d] - (cost[d] ?? 0) + (live ? live.remaining[d] : 0);
      spent[d] = (cost[d] ?? 0) + (live ? live.spent[d] : 0);
    }
    setBounded(this.leases, tenantId, { remaining, spent, slice, expiresAt: now + this.leaseMs }, 10_000);
    return result;
  }

  /**
   * With a live lease, refunds go back into it and charges it can cover come out of it (no table call); the rest
   * goes to the table (off the hot path: after the response).
   */
  async settle(tenantId: string, limits: RateLimits, delta: Cost): Promise<void> {
    const lease = this.leases.get(tenantId);
    const live = lease && lease.expiresAt > this.now() ? lease : undefined;
    const toTable: Record<Dimension, number> = zero();
    for (const d of DIMENSIONS) {
      const c = delta[d] ?? 0;
      if (live && (c < 0 || live.remaining[d] >= c)) {
        live.remaining[d] -= c;
        if (c > 0) live.spent[d] += c;
      } else {
        toTable[d] = c;
        // Remember demand served by the table, so the next claim brings a slice for it.
        if (live && c > 0) live.spent[d] += c;
      }
    }
    await this.inner.settle(tenantId, limits, toTable);
  }

  /** Drops every lease (e.g. after a status change). Unspent slices are not returned. */
  clear(): void {
    this.leases.clear();
  }
}
