import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { BackgroundPort } from '../../lambdas/adapters/dynamo/background-failures';
import type { RecordAction, Route } from '../../lambdas/core/decision/record';
import type { Tier } from '../../lambdas/core/engine/scoring';
import type { ServeRoute, ServingPort } from '../../lambdas/core/serving/types';
import type { CATEGORIES, CheckOutcome } from '../../lambdas/core/types';
import {
  ENFORCEMENT_LIVE_METRIC,
  METRICS_NAMESPACE,
  PORT_DIMENSION,
  PORT_ERRORS_METRIC,
  SERVICE_NAMES,
} from '../../lambdas/shared/names';

export { ENFORCEMENT_LIVE_METRIC, METRICS_NAMESPACE };

/**
 * The serving path's custom metrics exactly as the code emits them (Powertools EMF, namespace
 * {@link METRICS_NAMESPACE}). Powertools adds a `service` dimension (the function's `POWERTOOLS_SERVICE_NAME`,
 * lambdas/shared/names.ts, written by lambdas/shared/environment.ts) to every metric: dimensionless metrics carry `{service}` only,
 * dimensioned ones (lambdas/core/serving/serve.ts `emitMetrics`) carry `{service, <dims>}`. A CloudWatch metric is
 * identified by its full dimension set, so every helper below names all of them.
 */

/** `service` dimension of the proxy's metrics (`POWERTOOLS_SERVICE_NAME` of the proxy). */
export const PROXY_SERVICE = SERVICE_NAMES.proxy;
/** `service` dimension of the authorizer's metrics (`POWERTOOLS_SERVICE_NAME` of the authorizer). */
export const AUTHORIZER_SERVICE = SERVICE_NAMES.authorizer;
/**
 * `service` dimension the canary (lambdas/canary, lib/constructs/canary.ts) publishes `EnforcementLive` under. The
 * alarm reads the overall series, `{service}` only; the canary also publishes one series per route,
 * `{service, Route}`, for the dashboard and the runbook.
 */
export const CANARY_SERVICE = SERVICE_NAMES.canary;

const exhaustive = <T extends string>(values: Record<T, true>): readonly T[] => Object.keys(values) as T[];

/** `Action` dimension values of `Decisions` (every {@link RecordAction}: policy actions, `refuse` and `error`). */
export const ACTIONS: readonly RecordAction[] = exhaustive<RecordAction>({
  allow: true,
  flag: true,
  redact: true,
  block: true,
  refuse: true,
  error: true,
});
/** `Route` dimension values of `Decisions` the proxy emits (every {@link ServeRoute}; `canary`/`eval` are not served). */
export const SERVED_ROUTES: readonly Route[] = exhaustive<ServeRoute>({
  messages: true,
  'bedrock.invoke': true,
  'bedrock.invoke-stream': true,
});
/**
 * `Reason` dimension values of `FailOpen`/`FailClosed`: `<check>-<outcome>` for every tier and failing outcome
 * (lambdas/core/engine/evaluate.ts), plus `admission-error` (rate-limit store unreachable, serve.ts `admit`).
 */
export const FAILURE_REASONS: readonly string[] = [
  ...exhaustive<Tier>({ tier0: true, tier1: true, tier2: true }).flatMap((tier) =>
    exhaustive<Exclude<CheckOutcome, 'ok' | 'skipped'>>({ timeout: true, error: true }).map(
      (outcome) => `${tier}-${outcome}`,
    ),
  ),
  'admission-error',
];
/** `Port` dimension values of the proxy's `PortErrors` from calls made while serving a request (serve.ts `portError`). */
export const SERVING_PORTS: readonly ServingPort[] = exhaustive<ServingPort>({
  violations: true,
  serving: true,
  telemetry: true,
  'admission.settle': true,
  'admission.reserve': true,
  pseudonymize: true,
  controls: true,
});
/**
 * `Port` dimension values of the proxy's `PortErrors` from table calls made off the request path (refreshes ahead of
 * expiry, lease renewals, counter cleanup; lambdas/adapters/dynamo/background-failures.ts).
 */
export const BACKGROUND_PORTS: readonly BackgroundPort[] = exhaustive<BackgroundPort>({
  'tenant-refresh': true,
  'controls-refresh': true,
  'lease-renewal': true,
  'ladder-cleanup': true,
});
/** `Stage` dimension values of `CategoryTriggered`. */
export const TRIGGER_STAGES = ['input', 'output'] as const;
/** `Source` dimension values of `RateLimited`. */
export type RateLimitSource = 'admission' | 'upstream';

const metric = (
  metricName: string,
  service: string,
  dimensions: Readonly<Record<string, string>>,
  options: cloudwatch.MetricOptions,
): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service, ...dimensions },
    period: Duration.minutes(1),
    statistic: 'Sum',
    ...options,
  });

/** Ids `m0`, `m1`, … for the metrics of a math expression. */
const usingMetrics = (prefix: string, metrics: readonly cloudwatch.IMetric[]) =>
  Object.fromEntries(metrics.map((m, i) => [`${prefix}${i}`, m]));

/**
 * Sum of several metrics as one time series. `SUM([...])` adds the values present at each timestamp, so a
 * series with no data (a reason that never happened) does not blank the result.
 */
export const sumOf = (
  label: string,
  metrics: readonly cloudwatch.IMetric[],
  period: Duration = Duration.minutes(1),
  prefix = 'm',
): cloudwatch.MathExpression => {
  const using = usingMetrics(prefix, metrics);
  return new cloudwatch.MathExpression({
    expression: `SUM([${Object.keys(using).join(',')}])`,
    usingMetrics: using,
    label,
    period,
  });
};

/**
 * Metric helpers for the serving path's custom metrics (the proxy's `emitMetrics` and the authorizer's
 * `AuthorizerErrors`). They are built here rather than on {@link ServingFunctions} because the metrics are the
 * code's contract, not a property of the function resources; the names come from lambdas/core.
 */
export const ServingMetrics = {
  /** `AddedLatency` (ms, total − upstream: what the safeguards cost), p99 by default. One sample per request. */
  addedLatency(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric(
      'AddedLatency',
      PROXY_SERVICE,
      {},
      { statistic: 'p99', unit: cloudwatch.Unit.MILLISECONDS, ...options },
    );
  },

  /** Requests that produced a decision record (the sample count of `AddedLatency`, which every record emits). */
  requests(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return ServingMetrics.addedLatency({
      statistic: 'SampleCount',
      label: 'Requests (decision records)',
      ...options,
    });
  },

  /** `Decisions{Action,Route}`, summed. */
  decisions(action: RecordAction, route: Route, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric('Decisions', PROXY_SERVICE, { Action: action, Route: route }, options);
  },

  /** `Decisions` with `action` over every served route, as one series. */
  decisionsFor(action: RecordAction, period: Duration = Duration.minutes(1)): cloudwatch.MathExpression {
    return sumOf(
      action,
      SERVED_ROUTES.map((r) => ServingMetrics.decisions(action, r, { period })),
      period,
      `${action}`,
    );
  },

  /** `CategoryTriggered{Category,Stage}`, summed. */
  categoryTriggered(
    category: (typeof CATEGORIES)[number],
    stage: (typeof TRIGGER_STAGES)[number],
    options: cloudwatch.MetricOptions = {},
  ): cloudwatch.Metric {
    return metric('CategoryTriggered', PROXY_SERVICE, { Category: category, Stage: stage }, options);
  },

  /** `FailOpen{Reason}` or `FailClosed{Reason}`, summed. */
  failure(
    mode: 'open' | 'closed',
    reason: string,
    options: cloudwatch.MetricOptions = {},
  ): cloudwatch.Metric {
    return metric(mode === 'open' ? 'FailOpen' : 'FailClosed', PROXY_SERVICE, { Reason: reason }, options);
  },

  /** Every `FailOpen` (or `FailClosed`) reason as one series: checks let through (or blocked) because they failed. */
  failures(mode: 'open' | 'closed', period: Duration = Duration.minutes(1)): cloudwatch.MathExpression {
    return sumOf(
      mode === 'open' ? 'FailOpen (all reasons)' : 'FailClosed (all reasons)',
      FAILURE_REASONS.map((r) => ServingMetrics.failure(mode, r, { period })),
      period,
      mode === 'open' ? 'fo' : 'fc',
    );
  },

  /** `Tier2Timeouts`, summed: tier-2 calls past the deadline. */
  tier2Timeouts(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric('Tier2Timeouts', PROXY_SERVICE, {}, options);
  },

  /** `Tier2Errors`, summed: tier-2 calls that failed (5xx, invalid answer, open circuit). */
  tier2Errors(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric('Tier2Errors', PROXY_SERVICE, {}, options);
  },

  /** `RateLimited{Source}`, summed: 429s from the tenant's limits (`admission`) or the model (`upstream`). */
  rateLimited(source: RateLimitSource, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric('RateLimited', PROXY_SERVICE, { Source: source }, options);
  },

  /** `TokensReleasedBeforeBlock`, summed: output tokens a client saw before an output block. */
  tokensReleasedBeforeBlock(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric('TokensReleasedBeforeBlock', PROXY_SERVICE, {}, options);
  },

  /** `PortErrors{Port}` of one function (the proxy by default), summed. */
  portErrors(
    port: ServingPort | BackgroundPort,
    options: cloudwatch.MetricOptions = {},
    service: string = PROXY_SERVICE,
  ): cloudwatch.Metric {
    return metric(PORT_ERRORS_METRIC, service, { [PORT_DIMENSION]: port }, options);
  },

  /** Every request-path port of the proxy as one series: port calls that failed while a request was served. */
  servingPortErrors(period: Duration = Duration.minutes(5)): cloudwatch.MathExpression {
    return sumOf(
      'PortErrors (request path)',
      SERVING_PORTS.map((p) => ServingMetrics.portErrors(p, { period })),
      period,
      'sp',
    );
  },

  /**
   * Every background table call that failed, as one series: the background ports of the proxy and of the authorizer
   * (which runs the same tenant cache and rate-limit leases).
   */
  backgroundPortErrors(period: Duration = Duration.minutes(5)): cloudwatch.MathExpression {
    return sumOf(
      'PortErrors (background)',
      [PROXY_SERVICE, AUTHORIZER_SERVICE].flatMap((service) =>
        BACKGROUND_PORTS.map((p) => ServingMetrics.portErrors(p, { period }, service)),
      ),
      period,
      'bp',
    );
  },

  /** `AuthorizerErrors`, summed: authorizer invocations that failed on a dependency (tenants or limits table). */
  authorizerErrors(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric('AuthorizerErrors', AUTHORIZER_SERVICE, {}, options);
  },

  /** The canary's `EnforcementLive`, minimum by default (any failed probe round reads 0). */
  enforcementLive(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return metric(ENFORCEMENT_LIVE_METRIC, CANARY_SERVICE, {}, { statistic: 'Minimum', ...options });
  },
} as const;
