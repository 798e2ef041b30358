/**
 * The tenant store and the rate limiter, built the one way both the authorizer and token admission use them.
 * Kept apart from the serving graph (./compose.ts) so the authorizer's bundle holds no engine.
 */
import type { BackgroundFailureReporter } from '../adapters/dynamo/background-failures';
import type { DocumentSender, EnforcementTableNames } from '../adapters/dynamo/client';
import { LeasedRateLimiter } from '../adapters/dynamo/leased-rate-limiter';
import { DynamoRateLimiter, type RateLimiter } from '../adapters/dynamo/rate-limiter';
import { DynamoTenantStore } from '../adapters/dynamo/tenant-store';

/** The tenant store and rate limiter, shared by the authorizer and token admission where they run in one process. */
export interface EnforcementAccess {
  readonly tenants: DynamoTenantStore;
  readonly limiter: RateLimiter;
  /** Stops the background refreshes of the tenant cache (see {@link DynamoTenantStore.close}). */
  close(): Promise<void>;
}

/**
 * The tenant store (cached) and the rate limiter (leased unless `rateLimitLeaseMs` is 0). Their background table
 * calls (cache refreshes, lease renewals) report failures to `onBackgroundFailure` (default: a rate-limited log line).
 */
export function enforcementAccess(
  config: {
    readonly tables: Pick<EnforcementTableNames, 'tenants' | 'limits'>;
    readonly rateLimitLeaseMs: number;
    /** How long tenant records are cached (the status propagation bound). @default 2000 */
    readonly tenantCacheTtlMs?: number;
  },
  documents: DocumentSender,
  onBackgroundFailure?: BackgroundFailureReporter,
): EnforcementAccess {
  const base = new DynamoRateLimiter({ client: documents, tableName: config.tables.limits });
  const reporting = onBackgroundFailure ? { onBackgroundFailure } : {};
  const tenants = new DynamoTenantStore({
    client: documents,
    tableName: config.tables.tenants,
    ...(config.tenantCacheTtlMs !== undefined ? { cacheTtlMs: config.tenantCacheTtlMs } : {}),
    ...reporting,
  });
  return {
    tenants,
    close: () => tenants.close(),
    limiter:
      config.rateLimitLeaseMs > 0
        ? new LeasedRateLimiter(base, { leaseMs: config.rateLimitLeaseMs, ...reporting })
        : base,
  };
}
