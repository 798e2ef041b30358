/**
 * `npm run load`: autocannon on loopback against the local runtime's gateway (in this process: the
 * gateway, dynalite, the reference classifier and the demo upstream share one event loop), a fixed
 * number of connections for a fixed time, a benign ~2 KB Messages body; then the same with
 * `stream: true`. Reports req/s, p50/p90/p99, errors / non-2xx, decision records written, and the peak
 * RSS of this process (sampled every 100 ms). autocannon runs as a separate process.
 *
 *   npm run load -- [--connections 16] [--duration 10] [--no-stream]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { operatorContext } from '../lambdas/operator/actions';
import { startLocalRuntime } from '../local/runtime';
import { readDecisionRecords } from '../local/telemetry-sink';
import { benignBody, fmt, type LoadResult, mib, peakSampler, runAutocannon } from './support/measure';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '10' },
      'no-stream': { type: 'boolean', default: false },
    },
  });
  const connections = Number(values.connections);
  const duration = Number(values.duration);
  if (!(connections >= 1 && connections <= 1024)) throw new Error('--connections: expected 1..1024');
  if (!(duration >= 1 && duration <= 120)) throw new Error('--duration: expected 1..120 seconds');

  const dir = mkdtempSync(join(tmpdir(), 'csp-load-'));
  const logs: string[] = [];
  const rt = await startLocalRuntime({
    port: 0,
    dataDir: dir,
    publish: false,
    log: (l) => {
      if (logs.length < 1_000) logs.push(l);
    },
  });
  try {
    // The demo tenant is 'standard' (600 requests/min): a load run would measure the rate limiter.
    // A tenant with very high limits measures the serving path instead.
    const ops = operatorContext(rt.dynamo.doc, rt.dynamo.tables, 'bench:load');
    const { apiKey } = await ops.tenants.createTenant({
      tenantId: 'load',
      tier: 'enterprise',
      zone: 'LOCAL',
      limits: { requests: 1e9, inputTokens: 1e12, outputTokens: 1e12 },
    });
    const url = `${rt.gateway.url}/v1/messages`;
    const headers = {
      'content-type': 'application/json',
      'x-api-key': apiKey,
      'anthropic-version': '2023-06-01',
    };

    // The body must be served, not blocked or escalated: check one request and its record.
    const probe = await fetch(url, { method: 'POST', headers, body: benignBody() });
    const probeId = probe.headers.get('request-id');
    await probe.text();
    await new Promise((r) => setTimeout(r, 50));
    const probeRecord = readDecisionRecords(rt.telemetry.path).find((r) => r.decisionId === probeId);
    if (probe.status !== 200 || !probeRecord || probeRecord.tier2.called)
      throw new Error(
        `the benign body is not served plainly (status ${probe.status}, tier2 ${JSON.stringify(probeRecord?.tier2)})`,
      );

    const runs: Array<{ name: string; r: LoadResult; peakRss: number; records: number; cpuSec: number }> = [];
    for (const stream of values['no-stream'] ? [false] : [false, true]) {
      const linesBefore = readDecisionRecords(rt.telemetry.path).length;
      const cpuBefore = process.cpuUsage();
      const rss = peakSampler(() => process.memoryUsage().rss, 100);
      const r = await runAutocannon(
        { name: 'gateway', url, headers, body: benignBody(stream) },
        connections,
        duration,
      );
      const peakRss = rss.stop();
      const cpu = process.cpuUsage(cpuBefore);
      // Requests still in flight when autocannon stopped finish (and are recorded) just after.
      await new Promise((res) => setTimeout(res, 500));
      runs.push({
        name: stream ? 'stream: true' : 'JSON',
        r,
        peakRss,
        records: readDecisionRecords(rt.telemetry.path).length - linesBefore,
        cpuSec: (cpu.user + cpu.system) / 1e6,
      });
    }

    const m = rt.gateway.metrics();
    const out: string[] = [];
    out.push(
      `load: autocannon (separate process) → ${url}`,
      `  ${connections} connections × ${duration} s per run, body ${benignBody().length} B, tenant limits raised (see source)`,
      `  runtime in this process (gateway + dynalite + reference classifier + demo upstream, one event loop); node ${process.version}, ${require('node:os').cpus().length} CPUs`,
      '',
      '| run | req/s | total | p50 ms | p90 ms | p99 ms | errors | timeouts | non-2xx | records | runtime CPU s | peak RSS |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const { name, r, peakRss, records, cpuSec } of runs) {
      out.push(
        `| ${name} | ${fmt(r.requestsPerSec, 0)} | ${r.total} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.errors} | ${r.timeouts} | ${r.non2xx} | ${records} | ${fmt(cpuSec, 1)} | ${mib(peakRss)} |`,
      );
    }
    out.push(
      '',
      `gateway metrics: Decisions=${m['Decisions'] ?? 0} allow=${m['Decisions.Action=allow'] ?? 0} block=${m['Decisions.Action=block'] ?? 0} PortErrors=${m['PortErrors'] ?? 0} FailOpen=${m['FailOpen'] ?? 0} mean AddedLatency=${fmt((m['AddedLatency'] ?? 0) / Math.max(1, m['Decisions'] ?? 1), 3)} ms`,
      '("records" counts decision records written during the run, incl. requests finished after autocannon stopped.)',
    );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`load: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
