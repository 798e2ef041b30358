/**
 * The canary's one instrumentation module: Powertools Logger and Metrics singletons (service
 * `safeguards-canary`, namespace `CspSafeguards`: the contract of the `EnforcementLive` alarm in
 * lib/constructs/monitoring-metrics.ts). Creating them does no I/O.
 */
import { SERVICE_NAMES } from '../shared/names';
import { powertools } from '../shared/powertools';

/** `service` of every canary log line and metric. */
export const CANARY_SERVICE = SERVICE_NAMES.canary;

/** Structured JSON logger and EMF metrics of the canary. */
export const { logger, metrics } = powertools('canary');
