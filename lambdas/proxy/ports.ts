/**
 * Bridges from the enforcement stores (lambdas/adapters/dynamo) to the serving ports.
 */
import type { RateLimiter } from '../adapters/dynamo/rate-limiter';
import { usageDelta } from '../core/enforcement/usage';
import type { Admission, Reservation, Violations } from '../core/serving/types';

/** A reservation made through {@link rateLimiterAdmission}. */
interface TokenReservation extends Reservation {
  readonly limits: { readonly requests: number; readonly inputTokens: number; readonly outputTokens: number };
  readonly inputTokens: number;
}

/**
 * Admission over the GCRA rate limiter: reserves the input-token estimate against the limits the
 * authorizer put in the request context; settles the difference (input correction, output tokens).
 * @throws Error from `reserve` when the identity carries no limits (serving fails open and counts it).
 */
export function rateLimiterAdmission(limiter: Pick<RateLimiter, 'admit' | 'settle'>): Admission {
  return {
    async reserve(identity, cost) {
      const limits = identity.limits;
      if (!limits) throw new Error('admission: the authorizer context has no limits');
      const r = await limiter.admit(identity.tenantId, limits, { inputTokens: cost.inputTokens });
      if (!r.allowed) {
        return {
          ok: false,
          retryAfterMs: r.retryAfterMs,
          ...(r.dimension ? { dimension: r.dimension } : {}),
        };
      }
      const reservation: TokenReservation = {
        tenantId: identity.tenantId,
        limits,
        inputTokens: cost.inputTokens,
      };
      return { ok: true, reservation };
    },
    async settle(reservation, used) {
      const r = reservation as TokenReservation;
      const delta = usageDelta({ inputTokens: r.inputTokens }, used);
      // Nothing to correct (e.g. a blocked request whose estimate was exact): no table call.
      if (Object.keys(delta).length === 0) return;
      await limiter.settle(r.tenantId, r.limits, delta);
    },
  };
}

/**
 * Violations over the enforcement ladder: one strike per blocked request, counted under its first blocking
 * category (a request blocked in three categories is one strike, not three). Tenants for which `exempt` holds
 * (e.g. the local demo tenant) are never struck.
 */
export function ladderViolations(
  ladder: { recordViolation(v: { tenantId: string; category: string }): Promise<unknown> },
  exempt: (tenantId: string) => boolean = () => false,
): Violations {
  return {
    async report(tenantId, violation) {
      const category = violation.categories[0];
      if (category === undefined || exempt(tenantId)) return;
      await ladder.recordViolation({ tenantId, category });
    },
  };
}
