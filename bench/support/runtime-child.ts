/**
 * Our gateway in its own process for `bench/gateway.bench.ts`, composed like `startLocalRuntime` (same
 * gateway, reference classifier, JSONL telemetry, local HMAC key) except that the enforcement tables
 * live in a dynalite started by another process, as DynamoDB is remote in AWS. Creates a high-limit
 * tenant (the bench measures the serving path, not the rate limiter) and prints
 * `READY {"url", "apiKey", "telemetryPath", "storeCallsPath", "gcEventsPath"}` on stdout. On SIGUSR2 it writes
 * the garbage-collection pauses seen so far (`[startEpochMs, durationMs, kind]`, the last 10,000) to
 * `gcEventsPath`, then the table commands it has sent so far (by command name) to `storeCallsPath`.
 *
 *   node --import tsx bench/support/runtime-child.ts <upstreamUrl> <dataDir> <dynamoEndpoint>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { tableNames } from '../../lambdas/adapters/dynamo/tables';
import { operatorContext } from '../../lambdas/operator/actions';
import { localClients } from '../../local/dynalite';
import { startGateway } from '../../local/gateway';
import { startReferenceClassifier } from '../../local/reference-classifier';
import { localHmacKey } from '../../local/runtime';
import { createJsonlSink } from '../../local/telemetry-sink';

async function main(): Promise<void> {
  const [upstreamUrl, dataDir, endpoint] = process.argv.slice(2);
  if (!upstreamUrl || !dataDir || !endpoint)
    throw new Error('usage: runtime-child.ts <upstreamUrl> <dataDir> <dynamoEndpoint>');
  const { raw, doc } = localClients(endpoint);
  // Table commands sent, by name: written to `store-calls.json` on SIGUSR2 for the bench's per-request counts.
  const calls: Record<string, number> = {};
  raw.middlewareStack.add(
    (next, context) => (args) => {
      calls[context.commandName ?? '?'] = (calls[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCalls' },
  );
  const storeCallsPath = join(dataDir, 'store-calls.json');
  // GC pauses, so that the bench can tell a slow request that met one from one that did not.
  const gcEvents: Array<[number, number, number]> = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcEvents.push([
        performance.timeOrigin + e.startTime,
        e.duration,
        (Reflect.get(e, 'detail') as { kind?: number } | undefined)?.kind ?? 0,
      ]);
      if (gcEvents.length > 10_000) gcEvents.shift();
    }
  }).observe({ entryTypes: ['gc'] });
  const gcEventsPath = join(dataDir, 'gc-events.json');
  process.on('SIGUSR2', () => {
    // The GC file first: the bench waits for the store-calls file to change, then reads both.
    writeFileSync(gcEventsPath, JSON.stringify(gcEvents));
    writeFileSync(storeCallsPath, JSON.stringify(calls));
  });
  const tables = tableNames('local-');
  const dynamo = {
    endpoint,
    raw,
    doc,
    tables,
    stop: async () => raw.destroy(),
  };
  const classifier = await startReferenceClassifier();
  const telemetry = createJsonlSink(join(dataDir, 'telemetry'));
  const gateway = await startGateway({
    port: 0,
    upstreamUrl,
    classifierUrl: classifier.url,
    dynamo,
    hmacKey: localHmacKey(dataDir),
    sink: telemetry.write,
    log: () => undefined,
  });
  const ops = operatorContext(doc, tables, 'bench:gateway');
  const { apiKey } = await ops.tenants.createTenant({
    tenantId: 'bench',
    tier: 'enterprise',
    zone: 'LOCAL',
    limits: { requests: 1e9, inputTokens: 1e12, outputTokens: 1e12 },
  });
  process.stdout.write(
    `READY ${JSON.stringify({ url: gateway.url, apiKey, telemetryPath: telemetry.path, storeCallsPath, gcEventsPath })}\n`,
  );
  const stop = () =>
    void Promise.allSettled([gateway.close(), classifier.close(), dynamo.stop()]).then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`runtime-child: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
