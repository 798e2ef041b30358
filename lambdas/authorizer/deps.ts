import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createDocumentClient } from '../adapters/dynamo/client';
import { LeasedRateLimiter } from '../adapters/dynamo/leased-rate-limiter';
import { DynamoRateLimiter, type RateLimiter } from '../adapters/dynamo/rate-limiter';
import { DEFAULT_TENANT_CACHE_TTL_MS, DynamoTenantStore } from '../adapters/dynamo/tenant-store';
import { publicKeyFromX } from '../core/edge/claim-key';
import { DEFAULT_TIER_CONFIG } from '../core/enforcement/tenant';
import type { AuthorizeDeps } from './authorize';

/** Deps of the Lambda handler: {@link AuthorizeDeps} plus the Powertools singletons it flushes. */
export interface AuthorizerDeps extends AuthorizeDeps {
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly rateLimitResponse: 'deny' | 'flag';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`authorizer: environment variable ${name} is required`);
  return value;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`authorizer: environment variable ${name} must be an integer ≥ 0, got '${raw}'`);
  return n;
}

/**
 * Builds the authorizer's dependencies from the environment, once, at init. Fails fast naming the variable.
 *
 * - `TENANTS_TABLE`, `LIMITS_TABLE` (required)
 * - `TENANT_CACHE_TTL_MS` (default 2000): status propagation bound
 * - `RATE_LIMIT_LEASE_MS` (default 1000; 0 = no leases, one table call per request)
 * - `RATE_LIMIT_RESPONSE` (`deny` | `flag`, default `deny`): see `HandlerDeps.rateLimitResponse`
 * - `EDGE_ORIGIN_PUBLIC_KEYS` (comma-separated Ed25519 keys, optional): when set, only requests with a valid
 *   edge assertion for `AWS_REGION` are served (docs/edge.md)
 * - `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`: read by Powertools
 *
 * Does no network I/O (clients connect on first use).
 */
export function depsFromEnv(env: NodeJS.ProcessEnv): AuthorizerDeps {
  const tenantsTable = required(env, 'TENANTS_TABLE');
  const limitsTable = required(env, 'LIMITS_TABLE');
  const cacheTtlMs = nonNegativeInt(env, 'TENANT_CACHE_TTL_MS', DEFAULT_TENANT_CACHE_TTL_MS);
  const leaseMs = nonNegativeInt(env, 'RATE_LIMIT_LEASE_MS', 1_000);
  const rateLimitResponse = env.RATE_LIMIT_RESPONSE ?? 'deny';
  if (rateLimitResponse !== 'deny' && rateLimitResponse !== 'flag') {
    throw new Error(
      `authorizer: environment variable RATE_LIMIT_RESPONSE must be 'deny' or 'flag', got '${rateLimitResponse}'`,
    );
  }
  const edgeKeys = (env.EDGE_ORIGIN_PUBLIC_KEYS ?? '').split(',').filter((x) => x !== '');
  const edge =
    edgeKeys.length > 0
      ? { region: required(env, 'AWS_REGION'), publicKeys: edgeKeys.map(publicKeyFromX) }
      : undefined;
  const client = createDocumentClient();
  const base = new DynamoRateLimiter({ client, tableName: limitsTable });
  const limiter: RateLimiter = leaseMs > 0 ? new LeasedRateLimiter(base, { leaseMs }) : base;
  return {
    tenants: new DynamoTenantStore({ client, tableName: tenantsTable, cacheTtlMs }),
    limiter,
    tierConfig: DEFAULT_TIER_CONFIG,
    rateLimitResponse,
    ...(edge ? { edge } : {}),
    now: Date.now,
    logger: new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'safeguards-authorizer' }),
    metrics: new Metrics({
      namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'CspSafeguards',
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'safeguards-authorizer',
    }),
  };
}
