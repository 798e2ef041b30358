import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import {
  type BackgroundFailureReporter,
  backgroundFailureReporter,
} from '../adapters/dynamo/background-failures';
import { createDocumentClient } from '../adapters/dynamo/client';
import { DEFAULT_TENANT_CACHE_TTL_MS } from '../adapters/dynamo/tenant-store';
import { publicKeyFromX } from '../core/edge/claim-key';
import { DEFAULT_TIER_CONFIG } from '../core/enforcement/tenant';
import { enforcementAccess } from '../shared/access';
import { fromEnvironment } from '../shared/environment';
import { PORT_DIMENSION, PORT_ERRORS_METRIC } from '../shared/names';
import { powertools } from '../shared/powertools';
import type { AuthorizeDeps } from './authorize';

/** Deps of the Lambda handler: {@link AuthorizeDeps} plus the Powertools singletons it flushes. */
export interface AuthorizerDeps extends AuthorizeDeps {
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly rateLimitResponse: 'deny' | 'flag';
}

/** Structured JSON logger and EMF metrics of the authorizer. */
const { logger, metrics } = powertools('authorizer');

/**
 * Background refreshes and lease renewals of the authorizer: counted like the proxy's (`PortErrors{Port}`, one
 * shape, lambdas/shared/names.ts), logged at most once a minute per port.
 */
export function authorizerBackgroundFailures(
  m: Pick<Metrics, 'singleMetric'>,
  log: Pick<Logger, 'warn'>,
): BackgroundFailureReporter {
  return backgroundFailureReporter({
    count: (port) => {
      // Its own EMF line: the `Port` dimension is this data point's only, and it is written when the failure
      // happens (a background call can fail after the invocation's metrics were flushed).
      const single = m.singleMetric();
      single.addDimension(PORT_DIMENSION, port);
      single.addMetric(PORT_ERRORS_METRIC, 'Count', 1);
    },
    log: (message, details) => log.warn(message, { ...details }),
  });
}

/**
 * Builds the authorizer's dependencies from its environment (the contract in lambdas/shared/environment.ts, written
 * by lib/constructs/serving-functions.ts), once, at init. Fails fast naming every variable at fault:
 * `TENANTS_TABLE`, `LIMITS_TABLE`, `TENANT_CACHE_TTL_MS` (default 2000, the status propagation bound),
 * `RATE_LIMIT_LEASE_MS` (default 1000; 0 = one table call per request), `RATE_LIMIT_RESPONSE` (`deny` | `flag`,
 * default `deny`), `EDGE_ORIGIN_PUBLIC_KEYS` (when set, only requests with a valid edge assertion for `AWS_REGION`
 * are served, docs/edge.md).
 *
 * Does no network I/O (clients connect on first use).
 */
export function depsFromEnv(env: Readonly<Record<string, string | undefined>>): AuthorizerDeps {
  const settings = fromEnvironment('authorizer', env);
  const access = enforcementAccess(
    {
      tables: { tenants: settings.tenantsTable, limits: settings.limitsTable },
      rateLimitLeaseMs: settings.rateLimitLeaseMs ?? 1_000,
      tenantCacheTtlMs: settings.tenantCacheTtlMs ?? DEFAULT_TENANT_CACHE_TTL_MS,
    },
    createDocumentClient(),
    authorizerBackgroundFailures(metrics, logger),
  );
  const edgeKeys = settings.edgeOriginPublicKeys ?? [];
  return {
    ...access,
    tierConfig: DEFAULT_TIER_CONFIG,
    rateLimitResponse: settings.rateLimitResponse ?? 'deny',
    ...(edgeKeys.length > 0
      ? { edge: { region: settings.region, publicKeys: edgeKeys.map(publicKeyFromX) } }
      : {}),
    now: Date.now,
    logger,
    metrics,
  };
}
