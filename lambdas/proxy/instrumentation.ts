/**
 * The proxy's one instrumentation module: Powertools Logger and Metrics singletons, the decision-record
 * sink (one log line per request, the record under `decision`, no prompt text) and the metrics port.
 * Creating them does no I/O.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DecisionSink } from '../core/decision/record';
import { DECISION_SCHEMA } from '../core/decision/record';
import type { ServeMetrics } from '../core/serving/types';
import { powertools } from '../shared/powertools';

/** Structured JSON logger and EMF metrics of the proxy. */
export const { logger, metrics } = powertools('proxy');

/** Writes a decision record as one JSON log line: `{"message":"csp.decision/v1","decision":{…}, …}`. */
export function loggerSink(log: Pick<Logger, 'info'>): DecisionSink {
  return (record) => log.info(DECISION_SCHEMA, { decision: record });
}

/** A Powertools metric unit. */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Minimal surface of Powertools Metrics used by {@link powertoolsMetrics}. */
export interface MetricsLike {
  addMetric(name: string, unit: Unit, value: number): unknown;
  singleMetric(): {
    addDimension(name: string, value: string): unknown;
    addMetric(name: string, unit: Unit, value: number): unknown;
  };
}

/**
 * The serving metrics port over Powertools Metrics: dimensionless metrics are buffered (flushed by
 * `publishStoredMetrics` after each request); dimensioned ones go out as single-metric EMF lines.
 */
export function powertoolsMetrics(m: MetricsLike): ServeMetrics {
  return {
    add(name, value, dimensions) {
      const unit = name === 'AddedLatency' ? MetricUnit.Milliseconds : MetricUnit.Count;
      if (!dimensions || Object.keys(dimensions).length === 0) {
        m.addMetric(name, unit, value);
        return;
      }
      const single = m.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
      single.addMetric(name, unit, value);
    },
  };
}

/** Port-failure log without request content. */
export function portLog(log: Pick<Logger, 'warn'>) {
  return (message: string, details: Readonly<Record<string, string | number>>): void =>
    log.warn(message, { ...details });
}
