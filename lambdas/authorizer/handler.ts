import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { HeaderBag } from '../core/enforcement/credentials';
import {
  AUTHORIZER_ERRORS_METRIC,
  type AuthorizeDeps,
  type AuthorizeOutcome,
  authorize,
  CREDENTIAL_REASONS,
  denyMessage,
} from './authorize';
import { depsFromEnv } from './deps';

/** What the handler flushes after each invocation (Powertools Metrics satisfies it). */
interface Publishing {
  hasStoredMetrics(): boolean;
  publishStoredMetrics(): void;
}

/** Handler dependencies: those of {@link authorize}, with a metrics sink that can be flushed. */
export type HandlerDeps = AuthorizeDeps & {
  readonly metrics: AuthorizeDeps['metrics'] & Publishing;
  /**
   * How a rate-limited request leaves the authorizer. `deny`: a Deny (API Gateway answers 403 ACCESS_DENIED with
   * `reason: rate_limited`). `flag`: an Allow carrying `rateLimited: true` and `retryAfterSeconds`, so the proxy
   * answers a real 429 with `retry-after` without calling the model (see docs/enforcement.md).
   *
   * @default 'deny'
   */
  readonly rateLimitResponse?: 'deny' | 'flag';
};

/**
 * `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/*` for a method ARN: the policy covers every method
 * and resource of this API stage and nothing else, so a result cached per credential stays correct.
 */
export function stageWildcardArn(methodArn: string): string {
  const parts = methodArn.split(':');
  const path = parts[5];
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'execute-api' || !path) {
    throw new Error('authorizer: malformed methodArn');
  }
  const [apiId, stage] = path.split('/');
  if (!apiId || !stage) throw new Error('authorizer: malformed methodArn');
  return `${parts.slice(0, 5).join(':')}:${apiId}/${stage}/*`;
}

function policy(effect: 'Allow' | 'Deny', resource: string): APIGatewayAuthorizerResult['policyDocument'] {
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
  };
}

/** Maps an outcome to the authorizer result (context values are strings/numbers/booleans only). */
export function toAuthorizerResult(
  outcome: AuthorizeOutcome,
  methodArn: string,
  rateLimitResponse: 'deny' | 'flag' = 'deny',
): APIGatewayAuthorizerResult {
  if (!outcome.allow && outcome.reason === 'rate_limited' && rateLimitResponse === 'flag' && outcome.tenant) {
    const retry = outcome.retryAfterMs ?? 1_000;
    return {
      principalId: outcome.tenant.tenantId,
      policyDocument: policy('Allow', stageWildcardArn(methodArn)),
      context: {
        tenantId: outcome.tenant.tenantId,
        tier: outcome.tenant.tier,
        zone: outcome.tenant.zone,
        keyHash: outcome.tenant.keyHash,
        rateLimited: true,
        ...(outcome.dimension ? { dimension: outcome.dimension } : {}),
        retryAfterSeconds: Number.isFinite(retry) ? Math.max(1, Math.ceil(retry / 1000)) : 60,
        ...(outcome.notice ? { notice: outcome.notice } : {}),
      },
    };
  }
  if (outcome.allow) {
    const { tenant, limits, status } = outcome;
    return {
      principalId: tenant.tenantId,
      policyDocument: policy('Allow', stageWildcardArn(methodArn)),
      context: {
        tenantId: tenant.tenantId,
        tier: tenant.tier,
        zone: tenant.zone,
        keyHash: tenant.keyHash,
        status,
        limitRequests: limits.requests,
        limitInputTokens: limits.inputTokens,
        limitOutputTokens: limits.outputTokens,
        // Context values are primitives: the tenant's policy overrides travel as JSON.
        ...(tenant.overrides ? { overrides: JSON.stringify(tenant.overrides) } : {}),
      },
    };
  }
  let resource = methodArn;
  try {
    resource = stageWildcardArn(methodArn);
  } catch {
    // Keep the method ARN: a Deny needs no scoping.
  }
  return {
    principalId: outcome.tenant?.tenantId ?? 'anonymous',
    policyDocument: policy('Deny', resource),
    context: {
      reason: outcome.reason,
      // The gateway response for ACCESS_DENIED renders this (lib/constructs/serving-api.ts).
      message: denyMessage(outcome),
      ...(outcome.tenant ? { tenantId: outcome.tenant.tenantId } : {}),
      ...(outcome.retryAfterMs !== undefined && Number.isFinite(outcome.retryAfterMs)
        ? { retryAfterSeconds: Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)) }
        : {}),
      ...(outcome.dimension ? { dimension: outcome.dimension } : {}),
      ...(outcome.until !== undefined ? { until: outcome.until } : {}),
    },
  };
}

/**
 * The request's headers with every value of repeated headers (`multiValueHeaders`), so that two different keys
 * in one request are seen and refused rather than the last one silently winning.
 */
export function headersOf(
  event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'multiValueHeaders'>,
): HeaderBag {
  const bag: Record<string, string | readonly string[] | undefined> = { ...(event.headers ?? {}) };
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values && values.length > 0) bag[name] = values;
  }
  return bag;
}

/**
 * API Gateway (REST) REQUEST authorizer. Credential problems throw `Unauthorized` (API Gateway answers 401);
 * every other refusal, and any error, is a Deny (403, reason in `$context.authorizer.reason`).
 */
export const makeHandler =
  (deps: HandlerDeps) =>
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    let outcome: AuthorizeOutcome;
    try {
      outcome = await authorize(headersOf(event), deps, { method: event.httpMethod, path: event.path });
    } catch {
      deps.metrics.addMetric(AUTHORIZER_ERRORS_METRIC, 'Count', 1);
      outcome = { allow: false, reason: 'internal_error' };
    }
    try {
      // Only when something was counted: Powertools warns on every empty flush.
      if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
    } catch {
      // Metrics must never turn a decision into an error.
    }
    if (!outcome.allow && CREDENTIAL_REASONS.has(outcome.reason)) throw new Error('Unauthorized');
    return toAuthorizerResult(outcome, event.methodArn, deps.rateLimitResponse);
  };

/** The Lambda entry point; deps built once at init from the environment. */
export const handler = makeHandler(depsFromEnv(process.env));
