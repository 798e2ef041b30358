import { type Cost, DIMENSIONS, type Dimension, type RateLimits } from '../../core/enforcement/types';
import { type BackgroundFailureReporter, logBackgroundFailures } from './background-failures';
import { type AdmitResult, type RateLimiter, setBounded } from './rate-limiter';

/** Options of {@link LeasedRateLimiter}. */
export interface LeaseOptions {
  /** How long a claimed slice may be spent locally. @default 1000 ms */
  readonly leaseMs?: number;
  /** Largest slice an instance claims, as a fraction of the limit. @default 0.1 */
  readonly maxFraction?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Where a failed renewal ahead of expiry is reported (counted and logged). @default logBackgroundFailures */
  readonly onBackgroundFailure?: BackgroundFailureReporter;
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

/** Table settlements of one tenant added up into one update. */
interface SettleBatch {
  limits: RateLimits;
  readonly delta: Record<Dimension, number>;
  done: Promise<void>;
}

/** Claims an admission waits for before it claims for itself (each doubles the slice while demand lasts). */
const MAX_CLAIM_WAITS = 4;

/** Fraction of a lease's length before its expiry within which an admission from it claims the next one ahead. */
const RENEW_AHEAD = 0.25;

const zero = (): Record<Dimension, number> => ({ requests: 0, inputTokens: 0, outputTokens: 0 });

/**
 * Per-instance leases over a {@link RateLimiter}: an admission that fits in the instance's unexpired slice costs
 * no table call; otherwise the instance claims (in the same single round trip) the request's cost plus a slice
 * sized by what it spent during its previous lease, capped at `maxFraction` of the limit (what the lease still holds
 * counts toward it: a lease never holds more than that cap). Everything admitted was
 * first taken from the shared bucket, so the global limit holds exactly; the price is that a slice unspent when
 * its lease ends is not returned (at most one lease's worth of traffic per instance).
 */
export class LeasedRateLimiter implements RateLimiter {
  private readonly leases = new Map<string, Lease>();
  /** The claim in flight per tenant (settles, never rejects), which concurrent admissions wait for. */
  private readonly claims = new Map<string, Promise<void>>();
  /** Per tenant: the table settlement in flight (never rejects), and the one collecting deltas behind it. */
  private readonly settling = new Map<string, Promise<void>>();
  private readonly queuedSettlements = new Map<string, SettleBatch>();
  /** Admissions waiting for that claim: the next claim brings their cost too. */
  private readonly waiting = new Map<string, number>();
  /** Per tenant: a renewal ahead was refused (near the limit); none is tried before this time. */
  private readonly noRenewUntil = new Map<string, number>();
  private readonly leaseMs: number;
  private readonly maxFraction: number;
  private readonly now: () => number;
  private readonly onBackgroundFailure: BackgroundFailureReporter;

  constructor(
    private readonly inner: RateLimiter,
    options: LeaseOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 1_000;
    this.maxFraction = options.maxFraction ?? 0.1;
    this.now = options.now ?? Date.now;
    this.onBackgroundFailure = options.onBackgroundFailure ?? logBackgroundFailures;
  }

  async admit(tenantId: string, limits: RateLimits, cost: Cost): Promise<AdmitResult> {
    // One claim per tenant in flight: concurrent admissions that find the lease dry wait for that claim and
    // are then served from the slice it brought, instead of each claiming (and racing on the bucket item) on
    // its own. Bounded: after a few claims that did not cover it, an admission claims for itself.
    for (let waits = 0; ; waits++) {
      if (this.spendFromLease(tenantId, cost)) {
        this.renewAhead(tenantId, limits);
        return { allowed: true, retryAfterMs: 0 };
      }
      const pending = this.claims.get(tenantId);
      if (!pending || waits >= MAX_CLAIM_WAITS) break;
      this.waiting.set(tenantId, (this.waiting.get(tenantId) ?? 0) + 1);
      try {
        await pending;
      } finally {
        const left = (this.waiting.get(tenantId) ?? 1) - 1;
        if (left > 0) this.waiting.set(tenantId, left);
        else this.waiting.delete(tenantId);
      }
    }
    const claim = this.claim(tenantId, limits, cost);
    const settled = claim.then(
      () => undefined,
      () => undefined,
    );
    this.claims.set(tenantId, settled);
    try {
      return await claim;
    } finally {
      if (this.claims.get(tenantId) === settled) this.claims.delete(tenantId);
    }
  }

  /**
   * In the last quarter of a lease that is being spent, or when it would run dry within a quarter lease at the rate it
   * is spent, claims the next one in the background (one round trip, as
   * the claim at expiry would have been), so that steady traffic never waits for the table on the request path. The
   * claim tops the lease up to what a whole lease period needs at the rate this lease was spent, capped like every
   * slice: what is left counts toward it, so the lease never holds more than one slice cap and unspent units do not
   * pile up across renewals (ADR 0004's bound: at most one lease's worth per instance beyond the bucket). A lease
   * already holding that much is not renewed and runs out at its expiry. The claim starts a new lease period. While it is in flight,
   * admissions that find the lease dry wait for it as for any claim. A failed renewal is reported (counted and
   * logged) and, like a refused one, stops renewals for the tenant for a lease period; otherwise neither changes anything:
   * the lease runs out and the next admission claims inline, falling back to its exact cost near the limit (after a
   * refusal, no renewal is tried for the tenant for a lease period or until the bucket has room).
   */
  private renewAhead(tenantId: string, limits: RateLimits): void {
    const lease = this.leases.get(tenantId);
    const now = this.now();
    if (!lease || (this.noRenewUntil.get(tenantId) ?? 0) > now || this.claims.has(tenantId)) return;
    const elapsed = Math.max(1, now - (lease.expiresAt - this.leaseMs));
    const ahead = this.leaseMs * RENEW_AHEAD;
    let due = lease.expiresAt - now <= ahead;
    const claim = zero();
    for (const d of DIMENSIONS) {
      if (lease.spent[d] <= 0) continue;
      const perMs = lease.spent[d] / elapsed;
      // Runs dry within the last quarter of a lease at this rate: due as well.
      if (lease.remaining[d] < perMs * ahead) due = true;
      // Tops the lease up to a whole lease period at the rate it was spent (capped like every slice): what is
      // left counts toward it, so unspent units never pile up from one renewal to the next.
      const wanted = Math.min(this.cap(limits, d), Math.ceil(perMs * this.leaseMs));
      claim[d] = Math.max(0, wanted - Math.max(0, lease.remaining[d]));
    }
    if (!due || !DIMENSIONS.some((d) => claim[d] > 0)) return;
    const renewal = this.inner.admit(tenantId, limits, claim).then(
      (result) => {
        if (!result.allowed) {
          // Near the limit: leases run out and admissions claim their exact cost, as without renewals, until
          // the bucket has room again.
          setBounded(this.noRenewUntil, tenantId, now + Math.max(this.leaseMs, result.retryAfterMs), 10_000);
          return;
        }
        const current = this.leases.get(tenantId);
        const at = this.now();
        // The lease dropped (clear()) or expired meanwhile: the claim starts a fresh one, as an inline claim would.
        const base = current && current.expiresAt > at ? current : undefined;
        const remaining = zero();
        const slice = zero();
        for (const d of DIMENSIONS) {
          remaining[d] = this.held(limits, d, claim[d] + (base ? base.remaining[d] : 0));
          slice[d] = Math.max(claim[d], remaining[d]);
        }
        setBounded(
          this.leases,
          tenantId,
          // Dated from the claim's start, as an inline claim is; the lease holds at most one slice cap.
          { remaining, spent: zero(), slice, expiresAt: now + this.leaseMs },
          10_000,
        );
      },
      (e: unknown) => {
        // Reported; and no renewal for a lease period, so a table outage does not start a background update on
        // every admission (the lease runs out and the next admission claims inline, failing there).
        this.onBackgroundFailure('lease-renewal', e);
        setBounded(this.noRenewUntil, tenantId, this.now() + this.leaseMs, 10_000);
      },
    );
    this.claims.set(tenantId, renewal);
    void renewal.then(() => {
      if (this.claims.get(tenantId) === renewal) this.claims.delete(tenantId);
    });
  }

  /** Largest slice of dimension `d` an instance holds under `limits`. */
  private cap(limits: RateLimits, d: Dimension): number {
    return Math.max(0, Math.min(limits[d], Math.floor(limits[d] * this.maxFraction)));
  }

  /**
   * What a lease keeps of `units` after a claim: at most one slice cap under the limits of that claim (units
   * beyond it, e.g. from a slice claimed under higher limits before a throttle, are dropped, as at expiry).
   * Debt (negative, from settlements) is kept as it is.
   */
  private held(limits: RateLimits, d: Dimension, units: number): number {
    return Math.min(units, this.cap(limits, d));
  }

  /** Takes `cost` from the tenant's unexpired lease when it covers every dimension; false otherwise. */
  private spendFromLease(tenantId: string, cost: Cost): boolean {
    const lease = this.leases.get(tenantId);
    if (!lease || lease.expiresAt <= this.now()) return false;
    if (!DIMENSIONS.every((d) => lease.remaining[d] >= (cost[d] ?? 0))) return false;
    for (const d of DIMENSIONS) {
      lease.remaining[d] -= cost[d] ?? 0;
      lease.spent[d] += cost[d] ?? 0;
    }
    return true;
  }

  /** One round trip (two near the limit): this admission's cost plus a slice for the ones that follow. */
  private async claim(tenantId: string, limits: RateLimits, cost: Cost): Promise<AdmitResult> {
    const now = this.now();
    const lease = this.leases.get(tenantId);
    const live = lease && lease.expiresAt > now ? lease : undefined;
    // Claim: this request's cost plus a slice sized by recent local demand.
    const claim: Record<Dimension, number> = zero();
    const slice: Record<Dimension, number> = zero();
    const queued = this.waiting.get(tenantId) ?? 0;
    for (const d of DIMENSIONS) {
      const c = Math.max(0, cost[d] ?? 0);
      const cap = this.cap(limits, d);
      // Ran dry before expiry: demand exceeds the slice, double it. Expired recently: size it by what it served.
      // Dimensions this admission does not charge (output tokens, settled after the response) are claimed
      // too when recent demand exists, so their settlements are served from the lease as well.
      const recent = lease && lease.expiresAt > now - this.leaseMs ? lease.spent[d] : 0;
      // Admissions queued behind this claim are assumed to cost what this one does.
      const wanted = Math.max(live ? Math.max(c, live.slice[d] * 2, c > 0 ? 0 : recent) : recent, c * queued);
      if (c <= 0 && wanted <= 0) continue;
      slice[d] = Math.min(cap, wanted);
      // What the live lease still holds counts toward the slice (a top-up, not an addition).
      claim[d] = Math.min(limits[d], c + Math.max(0, slice[d] - Math.max(0, live ? live.remaining[d] : 0)));
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
    // Merge into the lease as it is now (spends and settlements went on during the round trip); a lease
    // dropped meanwhile by clear() contributes nothing.
    const current = this.leases.get(tenantId);
    const base = current && current === live && current.expiresAt > this.now() ? current : undefined;
    const remaining = zero();
    const spent = zero();
    for (const d of DIMENSIONS) {
      remaining[d] = this.held(limits, d, granted[d] - (cost[d] ?? 0) + (base ? base.remaining[d] : 0));
      spent[d] = (cost[d] ?? 0) + (base ? base.spent[d] : 0);
    }
    setBounded(this.leases, tenantId, { remaining, spent, slice, expiresAt: now + this.leaseMs }, 10_000);
    return result;
  }

  /**
   * With a live lease, refunds go back into it and charges it can cover come out of it (no table call); the rest
   * goes to the table (off the hot path: after the response). Table settlements of one tenant are coalesced: while
   * one is in flight, the next ones add up into a single update sent after it (so concurrent responses do not race
   * on the bucket item); each caller's promise settles with the update that carries its delta.
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
        // Remember demand served by the table (also just after expiry), so the next claim brings a slice for it.
        if (lease && c > 0) lease.spent[d] += c;
      }
    }
    if (!DIMENSIONS.some((d) => toTable[d] !== 0)) return;
    let batch = this.queuedSettlements.get(tenantId);
    if (!batch) {
      const previous = this.settling.get(tenantId) ?? Promise.resolve();
      const b: SettleBatch = { limits, delta: zero(), done: Promise.resolve() };
      b.done = previous.then(() => {
        // The batch closes when its update starts: later settlements queue behind it.
        if (this.queuedSettlements.get(tenantId) === b) this.queuedSettlements.delete(tenantId);
        return this.inner.settle(tenantId, b.limits, b.delta);
      });
      const tail = b.done.catch(() => undefined);
      this.settling.set(tenantId, tail);
      void tail.then(() => {
        if (this.settling.get(tenantId) === tail) this.settling.delete(tenantId);
      });
      this.queuedSettlements.set(tenantId, b);
      batch = b;
    }
    for (const d of DIMENSIONS) batch.delta[d] += toTable[d];
    batch.limits = limits;
    await batch.done;
  }

  /** Drops every lease (e.g. after a status change). Unspent slices are not returned. */
  clear(): void {
    this.leases.clear();
  }
}
