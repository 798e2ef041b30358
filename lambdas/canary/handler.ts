/**
 * The canary Lambda (EventBridge schedule, every minute): sends the known-good and known-bad probes through
 * the public API as the canary tenant on every route, logs one line per probe (probe id, route, expected and
 * observed outcome, status, decision id — never prompt or completion text) and publishes `EnforcementLive`:
 * per route (`{service, Route}`) and the minimum over the routes (`{service}`, what the alarm reads).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CANARY_ROUTES, type CanaryVerdict, evaluateRun, selectProbes } from '../core/canary';
import { ENFORCEMENT_LIVE_METRIC } from '../shared/names';
import { type CanaryDeps, type CanaryMetrics, depsFromEnv } from './deps';
import { logger, metrics } from './instrumentation';
import { runCanary } from './run';

/** The metric the `EnforcementLive` alarm reads (lib/constructs/monitoring-metrics.ts). */
export { ENFORCEMENT_LIVE_METRIC };
/** Dimension of the per-route series. */
export const ROUTE_DIMENSION = 'Route';

/** What one invocation returns (also the last log line). */
export interface CanaryRunSummary {
  readonly live: 0 | 1;
  readonly routes: CanaryVerdict['routes'];
  readonly probesVersion: string;
  readonly failed: readonly string[];
}

/** Publishes `EnforcementLive` per route (single-metric lines) and overall (`{service}` only). */
export function publishLiveness(m: CanaryMetrics, verdict: CanaryVerdict): void {
  for (const route of CANARY_ROUTES) {
    const single = m.singleMetric();
    single.addDimension(ROUTE_DIMENSION, route);
    single.addMetric(ENFORCEMENT_LIVE_METRIC, MetricUnit.Count, verdict.routes[route]);
  }
  m.addMetric(ENFORCEMENT_LIVE_METRIC, MetricUnit.Count, verdict.live);
  m.publishStoredMetrics();
}

/** `promise`, or a rejection after `ms` (the key read must not hold the run until the function times out). */
const withDeadline = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { name: 'TimeoutError' })),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
};

/**
 * The scheduled handler. A run that cannot start (the key cannot be read) reports 0 on every route: the canary
 * never says enforcement is live when it could not check.
 */
export const makeHandler =
  (deps: CanaryDeps) =>
  async (_event?: unknown): Promise<CanaryRunSummary> => {
    const probes = selectProbes(deps.probes, { outputProbes: deps.config.outputProbes });
    let verdict: CanaryVerdict;
    try {
      const apiKey = await withDeadline(deps.apiKey(), deps.config.probeTimeoutMs, 'api key');
      verdict = await runCanary({
        probes,
        target: { baseUrl: deps.config.apiUrl, apiKey, model: deps.config.model },
        timeoutMs: deps.config.probeTimeoutMs,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      });
    } catch (e) {
      deps.logger.error('canary run failed', { reason: e instanceof Error ? e.name : 'unknown' });
      verdict = evaluateRun([]);
    }
    for (const r of verdict.results) {
      deps.logger.info('canary probe', {
        probe: r.probe,
        route: r.route,
        expected: r.expected,
        observed: r.observed,
        pass: r.pass,
        detail: r.detail,
        ...(r.status !== undefined ? { status: r.status } : {}),
        ...(r.decisionId ? { decisionId: r.decisionId } : {}),
        latencyMs: r.latencyMs,
      });
    }
    try {
      publishLiveness(deps.metrics, verdict);
    } catch (e) {
      deps.logger.error('canary metrics failed', { reason: e instanceof Error ? e.name : 'unknown' });
    }
    const summary: CanaryRunSummary = {
      live: verdict.live,
      routes: verdict.routes,
      probesVersion: deps.probes.version,
      failed: verdict.results.filter((r) => !r.pass).map((r) => `${r.route}:${r.probe}`),
    };
    deps.logger.info('canary run', { ...summary });
    return summary;
  };

/** The Lambda entry point; deps built once at init from the environment. */
export const handler = makeHandler(depsFromEnv(process.env, { logger, metrics }));
