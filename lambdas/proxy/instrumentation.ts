/**
 * The proxy's one instrumentation module: the Powertools Logger singleton (operational messages), the decision-record
 * sink (one JSON line per request, the record under `decision`, no prompt text) and the metrics port (EMF, one line
 * per request). Creating them does no I/O.
 */
import { getXRayTraceIdFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DecisionRecord, DecisionSink } from '../core/decision/record';
import { DECISION_SCHEMA, isoTimestamp } from '../core/decision/record';
import type { ServeMetrics } from '../core/serving/types';
import { METRICS_NAMESPACE, SERVICE_NAMES } from '../shared/names';
import { powertools } from '../shared/powertools';

/** Structured JSON logger of the proxy. */
export const { logger } = powertools('proxy');

/**
 * A decision record as its log line: the fields and order of the Powertools JSON line it replaced
 * (`{"level":"INFO","message":"csp.decision/v1","timestamp":…,"service":…,"sampling_rate":0,"xray_trace_id":…,
 * "decision":{…}}`, `xray_trace_id` only within a traced invocation), so the subscription filter
 * (`$.message`), the Logs Insights queries (`decision.*`) and the records in the telemetry bucket read it as
 * before. Written whatever the log level: a record is not a log message an operator may silence.
 */
export function decisionLine(
  record: DecisionRecord,
  meta: { readonly service: string; readonly at: number; readonly traceId?: string | undefined },
): string {
  const trace = meta.traceId === undefined ? '' : `,"xray_trace_id":${JSON.stringify(meta.traceId)}`;
  return `{"level":"INFO","message":"${DECISION_SCHEMA}","timestamp":"${isoTimestamp(meta.at)}","service":${JSON.stringify(meta.service)},"sampling_rate":0${trace},"decision":${JSON.stringify(record)}}\n`;
}

/**
 * The decision sink: each record written at once as its own line ({@link decisionLine}), one stdout write.
 * Powertools' `logger.info` merged the record into its attributes and formatted the line in ≈ 50 µs; this takes ≈ 20.
 */
export function decisionSink(opts: {
  readonly service: string;
  readonly write: (line: string) => void;
  readonly now?: () => number;
  readonly traceId?: () => string | undefined;
}): DecisionSink {
  const now = opts.now ?? Date.now;
  return (record) => {
    opts.write(decisionLine(record, { service: opts.service, at: now(), traceId: opts.traceId?.() }));
  };
}

/** A serving metrics port whose metrics are written when {@link BufferedMetrics.flush} is called. */
export interface BufferedMetrics extends ServeMetrics {
  /** Writes the metrics added since the last flush and empties the buffer (nothing added: nothing written). */
  flush(): void;
}

/** Most metrics in one EMF document (CloudWatch's limit). */
const MAX_METRICS_PER_DOCUMENT = 100;

/** One EMF document being built: root dimension values, one directive per dimension set, the metric values. */
interface EmfDocument {
  readonly dimensions: Map<string, string>;
  readonly directives: Map<string, { keys: string[]; metrics: Array<{ Name: string; Unit: string }> }>;
  /** Metric name → its directive key and value(s). */
  readonly values: Map<string, { directive: string; value: number | number[] }>;
}

/**
 * The proxy's metrics as CloudWatch embedded metric format (EMF), the same metrics, units and dimensions Powertools
 * wrote (namespace, a `service` dimension on every metric, `{service, <dims>}` on dimensioned ones) but buffered per
 * request and written by `flush()` as ONE log line in the usual case: a document holds one directive per dimension
 * set, so `Decisions {Action, Route}` and `AddedLatency {}` share a line. A second document is started only when a
 * dimension would need two values at once (two `CategoryTriggered` categories) or past 100 metrics. Powertools'
 * `singleMetric()` built a Metrics object and a Console per dimensioned metric and wrote a line each.
 */
export function emfMetrics(opts: {
  readonly namespace: string;
  readonly service: string;
  readonly write: (line: string) => void;
  readonly now?: () => number;
}): BufferedMetrics {
  let docs: EmfDocument[] = [];
  const place = (name: string, unit: string, value: number, dims: Readonly<Record<string, string>>) => {
    const keys = ['service', ...Object.keys(dims).filter((k) => k !== 'service')];
    const values = keys.map((k) => (k === 'service' ? opts.service : (dims[k] as string)));
    const directive = JSON.stringify([keys, values]);
    for (const doc of docs) {
      const known = doc.values.get(name);
      if (known) {
        if (known.directive !== directive) continue;
        known.value = Array.isArray(known.value) ? [...known.value, value] : [known.value, value];
        return;
      }
      if (doc.values.size >= MAX_METRICS_PER_DOCUMENT) continue;
      if (keys.some((k, i) => (doc.dimensions.get(k) ?? values[i]) !== values[i])) continue;
      add(doc, name, unit, value, keys, values, directive);
      return;
    }
    const doc: EmfDocument = { dimensions: new Map(), directives: new Map(), values: new Map() };
    docs.push(doc);
    add(doc, name, unit, value, keys, values, directive);
  };
  const add = (
    doc: EmfDocument,
    name: string,
    unit: string,
    value: number,
    keys: string[],
    values: string[],
    directive: string,
  ) => {
    for (const [i, k] of keys.entries()) doc.dimensions.set(k, values[i] as string);
    let d = doc.directives.get(directive);
    if (!d) {
      d = { keys, metrics: [] };
      doc.directives.set(directive, d);
    }
    d.metrics.push({ Name: name, Unit: unit });
    doc.values.set(name, { directive, value });
  };
  return {
    add(name, value, dimensions) {
      place(
        name,
        name === 'AddedLatency' ? MetricUnit.Milliseconds : MetricUnit.Count,
        value,
        dimensions ?? {},
      );
    },
    flush() {
      if (docs.length === 0) return;
      const timestamp = (opts.now ?? Date.now)();
      const out = docs;
      docs = [];
      for (const doc of out) {
        const line: Record<string, unknown> = {
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [...doc.directives.values()].map((d) => ({
              Namespace: opts.namespace,
              Dimensions: [d.keys],
              Metrics: d.metrics,
            })),
          },
        };
        for (const [k, v] of doc.dimensions) line[k] = v;
        for (const [name, { value }] of doc.values) line[name] = value;
        opts.write(`${JSON.stringify(line)}\n`);
      }
    },
  };
}

/** Port-failure log without request content. */
export function portLog(log: Pick<Logger, 'warn'>) {
  return (message: string, details: Readonly<Record<string, string | number>>): void =>
    log.warn(message, { ...details });
}

/** The proxy's decision records: one line each on stdout, whatever the log level. */
export const sink: DecisionSink = decisionSink({
  service: SERVICE_NAMES.proxy,
  write: (line) => void process.stdout.write(line),
  // Powertools' reading: the invocation's own trace id (from the InvokeStore when invocations run concurrently).
  traceId: getXRayTraceIdFromEnv,
});

/** The proxy's EMF metrics, one line per request written after it ({@link emfMetrics}). */
export const metrics: BufferedMetrics = emfMetrics({
  namespace: METRICS_NAMESPACE,
  service: SERVICE_NAMES.proxy,
  write: (line) => void process.stdout.write(line),
});
