/**
 * Names the functions, the constructs and the alarms share: one place, so a metric the code emits and the
 * alarm that reads it cannot drift apart.
 */

/** CloudWatch metric namespace of every safeguards function (Powertools EMF). */
export const METRICS_NAMESPACE = 'CspSafeguards';

/**
 * `service` of each function's log lines and metrics (Powertools `POWERTOOLS_SERVICE_NAME`): the `service`
 * dimension the alarms select on.
 */
export const SERVICE_NAMES = {
  proxy: 'safeguards-proxy',
  authorizer: 'safeguards-authorizer',
  operator: 'safeguards-operator',
  canary: 'safeguards-canary',
  canaryTenant: 'safeguards-canary-tenant',
} as const;

/** Canary metric: 1 when every probe came out right (known-bad blocked or refused, known-good allowed), else 0. */
export const ENFORCEMENT_LIVE_METRIC = 'EnforcementLive';

/**
 * Failed port calls (a table, KMS, the telemetry sink, a background refresh): metric `PortErrors`, one data point
 * per failure, dimension `Port` naming the port (serving's `ServingPort`, the stores' `BackgroundPort`). Every
 * function emits it in this one shape and the alarms (lib/constructs/monitoring-metrics.ts) read it so.
 */
export const PORT_ERRORS_METRIC = 'PortErrors';
/** The dimension of {@link PORT_ERRORS_METRIC} that names the port. */
export const PORT_DIMENSION = 'Port';

/** One of the safeguards functions. */
export type FunctionName = keyof typeof SERVICE_NAMES;
