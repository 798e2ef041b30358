/**
 * Powertools singletons for one function: a structured JSON logger and EMF metrics under the shared namespace, with
 * the function's service name (lambdas/shared/names.ts). Each function calls this once, at module scope, in its
 * instrumentation module. Creating them does no I/O.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type FunctionName, METRICS_NAMESPACE, SERVICE_NAMES } from './names';

export function powertools(fn: FunctionName): { readonly logger: Logger; readonly metrics: Metrics } {
  const serviceName = SERVICE_NAMES[fn];
  let metrics: Metrics | undefined;
  return {
    logger: new Logger({ serviceName }),
    // Built when first read: the proxy writes its own EMF lines and never needs one.
    get metrics() {
      metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
      return metrics;
    },
  };
}
