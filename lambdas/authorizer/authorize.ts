import type { RateLimiter } from '../adapters/dynamo/rate-limiter';
import type { TenantLookup } from '../adapters/dynamo/tenant-store';
import { extractCredential, type HeaderBag } from '../core/enforcement/credentials';
import { hashApiKey, isWellFormedApiKey } from '../core/enforcement/keys';
import { statusNotice } from '../core/enforcement/notice';
import {
  admitsTraffic,
  DEFAULT_TIER_CONFIG,
  effectiveLimits,
  effectiveStatus,
  type TierConfig,
} from '../core/enforcement/tenant';
import type { Dimension, RateLimits, TenantRecord, TenantStatus } from '../core/enforcement/types';
import { cameThroughEdge, type EdgeRequirement, type RequestLine } from './edge-origin';

/** Why a request was refused. Credential reasons map to 401, the others to 403 / 429 (docs/enforcement.md). */
export type DenyReason =
  | 'missing_credential'
  | 'conflicting_credentials'
  | 'malformed_credential'
  | 'unknown_key'
  | 'suspended'
  | 'banned'
  | 'rate_limited'
  | 'not_via_edge'
  | 'internal_error';

/** Reasons that mean "no valid credential" (401) rather than "valid tenant, refused" (403/429). */
export const CREDENTIAL_REASONS: ReadonlySet<DenyReason> = new Set([
  'missing_credential',
  'conflicting_credentials',
  'malformed_credential',
  'unknown_key',
]);

/** Result of {@link authorize}. */
export type AuthorizeOutcome =
  | {
      readonly allow: true;
      readonly tenant: TenantRecord;
      /** Effective status (`active` or `throttled`). */
      readonly status: TenantStatus;
      /** Limits in force (reduced when throttled). */
      readonly limits: RateLimits;
    }
  | {
      readonly allow: false;
      readonly reason: DenyReason;
      /** Present once the credential resolved to a tenant. */
      readonly tenant?: TenantRecord;
      /** For `rate_limited`: the dimension that refused and when to retry. */
      readonly dimension?: Dimension;
      readonly retryAfterMs?: number;
      /** For `suspended`: when the suspension lapses (epoch ms). */
      readonly until?: number;
      /**
       * For a suspended, banned or throttled tenant: by whom, until when and how it is lifted, for the response
       * body (lambdas/core/enforcement/notice.ts).
       */
      readonly notice?: string;
    };

/** Minimal logger (Powertools Logger satisfies it). */
export interface AuthorizerLogger {
  error(message: string, extra: Record<string, unknown>): void;
}

/** Minimal metrics sink (Powertools Metrics satisfies it). */
export interface AuthorizerMetrics {
  addMetric(name: string, unit: 'Count', value: number): void;
}

/** What {@link authorize} needs; built once per process. */
export interface AuthorizeDeps {
  readonly tenants: TenantLookup;
  readonly limiter: RateLimiter;
  /** @default DEFAULT_TIER_CONFIG */
  readonly tierConfig?: TierConfig;
  readonly now: () => number;
  readonly logger: AuthorizerLogger;
  readonly metrics: AuthorizerMetrics;
  /**
   * Set when this region is served only through the global edge: requests without a valid edge assertion are
   * refused (`not_via_edge`, 403) before any table is read (docs/edge.md).
   *
   * @default - requests are accepted directly
   */
  readonly edge?: EdgeRequirement;
}

/** Metric counted when a request is refused for not coming through the edge. */
export const EDGE_REFUSED_METRIC = 'EdgeAssertionRefused';

/** Metric counted on every internal error (the request is denied: fail closed). */
export const AUTHORIZER_ERRORS_METRIC = 'AuthorizerErrors';

/**
 * Authenticates a request from its headers and applies tenant status and the request-rate limit. The Lambda
 * authorizer and the local gateway both call this; tenant identity comes only from the verified key.
 * Never throws: any error yields `{ allow: false, reason: 'internal_error' }`, counted and logged (without the key).
 */
export async function authorize(
  headers: HeaderBag,
  deps: AuthorizeDeps,
  line?: RequestLine,
): Promise<AuthorizeOutcome> {
  const credential = extractCredential(headers);
  if (!credential.ok) return { allow: false, reason: credential.reason };
  if (!isWellFormedApiKey(credential.apiKey)) return { allow: false, reason: 'unknown_key' };
  if (deps.edge && !cameThroughEdge(headers, credential.apiKey, line, deps.edge, deps.now())) {
    deps.metrics.addMetric(EDGE_REFUSED_METRIC, 'Count', 1);
    return { allow: false, reason: 'not_via_edge' };
  }
  const keyHash = hashApiKey(credential.apiKey);
  try {
    const tenant = await deps.tenants.lookup(keyHash);
    if (!tenant) return { allow: false, reason: 'unknown_key' };
    const now = deps.now();
    const status = effectiveStatus(tenant, now);
    const notice = statusNotice(tenant, now);
    if (!admitsTraffic(status)) {
      return {
        allow: false,
        reason: status === 'banned' ? 'banned' : 'suspended',
        tenant,
        ...(status === 'suspended' && tenant.until !== undefined ? { until: tenant.until } : {}),
        ...(notice ? { notice } : {}),
      };
    }
    const limits = effectiveLimits(tenant, status, deps.tierConfig ?? DEFAULT_TIER_CONFIG);
    const admitted = await deps.limiter.admit(tenant.tenantId, limits, { requests: 1 });
    if (!admitted.allowed) {
      return {
        allow: false,
        reason: 'rate_limited',
        tenant,
        retryAfterMs: admitted.retryAfterMs,
        ...(admitted.dimension ? { dimension: admitted.dimension } : {}),
        ...(notice ? { notice } : {}),
      };
    }
    return { allow: true, tenant, status, limits };
  } catch (err) {
    deps.metrics.addMetric(AUTHORIZER_ERRORS_METRIC, 'Count', 1);
    deps.logger.error('authorizer: failing closed', {
      keyHashPrefix: keyHash.slice(0, 12),
      error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
    });
    return { allow: false, reason: 'internal_error' };
  }
}

/** Fixed wording per refusal reason, used when there is no tenant notice. */
const DENY_MESSAGES: Readonly<Record<DenyReason, string>> = {
  missing_credential: 'invalid or missing API key (x-api-key or Authorization: Bearer)',
  conflicting_credentials: 'invalid or missing API key (x-api-key or Authorization: Bearer)',
  malformed_credential: 'invalid or missing API key (x-api-key or Authorization: Bearer)',
  unknown_key: 'invalid or missing API key (x-api-key or Authorization: Bearer)',
  suspended: 'request refused: the tenant is suspended',
  banned: 'request refused: the tenant is banned',
  rate_limited: 'request refused: request rate limit exceeded; retry later',
  not_via_edge: 'request refused: this region is served through the global edge only',
  internal_error: 'request refused: authorization is temporarily unavailable; retry later',
};

/**
 * The message a refused request is answered with: the tenant notice (who, until when, how to lift it) when the
 * tenant is suspended, banned or throttled, else the reason's fixed wording. Free of `"` and `\` (API Gateway
 * substitutes it into a JSON string unescaped).
 */
export function denyMessage(outcome: Extract<AuthorizeOutcome, { allow: false }>): string {
  const base = DENY_MESSAGES[outcome.reason];
  if (!outcome.notice) return base;
  return outcome.reason === 'rate_limited'
    ? `${base}; ${outcome.notice}`
    : `request refused: ${outcome.notice}`;
}
