/**
 * A request refused before it reaches `serveInference` (unknown route, wrong method, oversized headers,
 * and locally what API Gateway and the authorizer refuse in AWS): rendered by errors.ts in the route's
 * shape and recorded as one decision record with a `refuse` action, like every other request.
 */
import { DecisionRecorder, type Stage } from '../decision/record';
import { type ErrorResponse, renderError, type ServeFailure } from './errors';
import { emitMetrics } from './serve';
import type { ServeDeps, ServeRoute } from './types';

/** What a refusal needs from the serving graph. */
export type RefusalDeps = Pick<ServeDeps, 'engine' | 'region' | 'sink' | 'metrics' | 'pseudonymize' | 'log'>;

/** One refused request. */
export interface Refusal {
  readonly route: ServeRoute;
  readonly decisionId: string;
  /** Wall clock when the request arrived, epoch ms. */
  readonly receivedAt: number;
  readonly stage: Stage;
  /** The record's machine-readable reason, e.g. `method_not_allowed`. */
  readonly reason: string;
  readonly failure: ServeFailure;
  /** The tenant when it is known (refused after authentication): recorded by pseudonym only. */
  readonly tenant?: { readonly tenantId: string; readonly keyHash: string; readonly tier: string };
}

/**
 * Records the refusal (exactly one decision record, stored before this returns; a failing sink or metrics
 * backend is reported to `log` and does not stop the answer) and returns the response to write.
 */
export async function refuseRequest(
  deps: RefusalDeps,
  r: Refusal,
  latencyMs: () => number,
): Promise<ErrorResponse> {
  const rendered = renderError(r.route, r.failure, r.decisionId);
  const recorder = new DecisionRecorder(
    {
      decisionId: r.decisionId,
      region: deps.region,
      route: r.route,
      policy: { name: deps.engine.policy.name, version: deps.engine.policy.version },
      startedAt: r.receivedAt,
    },
    deps.sink,
  );
  if (r.tenant) {
    let ids: { tenant: string; apiKey: string };
    try {
      const [tenant, apiKey] = await Promise.all([
        deps.pseudonymize('tenant', r.tenant.tenantId),
        deps.pseudonymize('apiKey', r.tenant.keyHash),
      ]);
      ids = { tenant, apiKey };
    } catch {
      // Never the raw identifier: the record says the pseudonym could not be computed.
      ids = { tenant: 'unavailable', apiKey: 'unavailable' };
    }
    recorder.identity({ ...ids, tier: r.tenant.tier });
  }
  const error =
    r.failure.kind === 'invalid' ? { type: r.failure.error.type, field: r.failure.error.field } : undefined;
  recorder.stage(r.stage).reject(rendered.status, r.reason, error);
  try {
    emitMetrics(deps, recorder.finish(rendered.status, latencyMs()));
    // The answer goes out once its record is stored (see DecisionSink).
    await recorder.persisted();
  } catch (e) {
    deps.metrics.add('PortErrors', 1, { Port: 'telemetry' });
    deps.log?.('port failed', { port: 'telemetry', error: e instanceof Error ? e.name : 'unknown' });
  }
  return rendered;
}
