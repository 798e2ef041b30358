/**
 * The canary's one instrumentation module: Powertools Logger and Metrics singletons (service
 * `safeguards-canary`, namespace `CspSafeguards`: the contract of the `EnforcementLive` alarm in
 * lib/constructs/monitoring-metrics.ts). Creating them does no I/O.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** `service` of every canary log line and metric. */
export const CANARY_SERVICE = 'safeguards-canary';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? CANARY_SERVICE;

/** Structured JSON logger. */
export const logger = new Logger({ serviceName });

/** EMF metrics. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CspSafeguards',
  serviceName,
});
