/**
 * `npm run bench`: the whole in-process pipeline (parse → normalize → tier 0 → tier 1 → policy →
 * decision record serialized as its log line) on benign filler prompts of increasing size, one
 * request at a time on one core. Prints decisions/s, p50/p99, CPU time per decision and the cost
 * growth between sizes, then a per-stage breakdown (p50 µs of parse, normalize, tier 0, tier 1 and
 * the rest: policy + decision record).
 *
 * `BENCH_SIZES=2048,4096 npm run bench` limits the sizes (bytes).
 */
import { DecisionRecorder } from '../lambdas/core/decision/record';
import { createEngine, parseRequest } from '../lambdas/core/index';
import { type BenchResult, bench, fillerText, percentile, printTable } from './harness';

const ALL_SIZES: ReadonlyArray<readonly [string, number]> = [
  ['0.5 KB', 512],
  ['2 KB', 2048],
  ['4 KB', 4096],
  ['64 KB', 65_536],
  ['1 MB', 1_048_576],
];

const only = process.env.BENCH_SIZES?.split(',').map(Number);
const SIZES = only ? ALL_SIZES.filter(([, b]) => only.includes(b)) : ALL_SIZES;

interface StageSamples {
  parse: number[];
  normalize: number[];
  tier0: number[];
  tier1: number[];
  rest: number[];
}

const p50us = (xs: number[]): string =>
  (
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    ) * 1000
  ).toFixed(1);

async function main(): Promise<void> {
  const engine = createEngine();
  let lines = 0;
  const sink = (r: unknown) => {
    lines += JSON.stringify(r).length > 0 ? 1 : 0;
  };
  const results: (BenchResult & { bytes: number; cpuUs: number; stages: StageSamples })[] = [];
  for (const [name, bytes] of SIZES) {
    const body = JSON.stringify({
      model: 'bench',
      max_tokens: 256,
      messages: [{ role: 'user', content: fillerText(bytes) }],
    });
    let stages: StageSamples = { parse: [], normalize: [], tier0: [], tier1: [], rest: [] };
    const once = async () => {
      const t0 = performance.now();
      const rec = new DecisionRecorder(
        {
          decisionId: 'bench',
          region: 'local',
          route: 'messages',
          policy: { name: engine.policy.name, version: engine.policy.version },
          startedAt: Date.now(),
        },
        sink,
      );
      const tp = performance.now();
      const parsed = parseRequest(body, { format: 'messages', maxBytes: 4 * 1024 * 1024 });
      const parseMs = performance.now() - tp;
      if (!parsed.ok) throw new Error(`bench body rejected: ${parsed.error.message}`);
      rec.request({ model: 'bench', stream: false, inputTokens: 0, parseMs: performance.now() - t0 });
      const verdict = await engine.evaluateRequest(parsed.request);
      rec.input(verdict).finish(200, performance.now() - t0);
      const total = performance.now() - t0;
      const l = verdict.latencyMs;
      stages.parse.push(parseMs);
      stages.normalize.push(l.normalize);
      stages.tier0.push(l.tier0);
      stages.tier1.push(l.tier1);
      stages.rest.push(total - parseMs - l.normalize - l.tier0 - l.tier1);
    };
    const big = bytes >= 65_536;
    const warmup = big ? 3 : 200;
    for (let i = 0; i < warmup; i++) await once();
    stages = { parse: [], normalize: [], tier0: [], tier1: [], rest: [] };
    const cpu0 = process.cpuUsage();
    const r = await bench(name, once, {
      warmup: 0,
      maxIterations: big ? 60 : 50_000,
      maxMs: big ? 4_000 : 2_500,
    });
    const cpu = process.cpuUsage(cpu0);
    results.push({ bytes, ...r, cpuUs: (cpu.user + cpu.system) / r.iterations, stages });
  }
  const base = results.find((r) => r.bytes === 4096);
  printTable(
    results.map((r) => ({
      size: r.name,
      iterations: r.iterations,
      'decisions/s': Math.round(r.opsPerSec),
      'p50 ms': r.p50Ms.toFixed(3),
      'p99 ms': r.p99Ms.toFixed(3),
      'CPU µs/decision': r.cpuUs.toFixed(1),
      'µs/KB (p50)': ((r.p50Ms * 1000) / (r.bytes / 1024)).toFixed(1),
      'p50 vs 4 KB': base ? (r.p50Ms / base.p50Ms).toFixed(2) : '-',
      'size vs 4 KB': (r.bytes / 4096).toFixed(2),
    })),
  );
  process.stdout.write('\nper stage, p50 µs:\n');
  printTable(
    results.map((r) => ({
      size: r.name,
      parse: p50us(r.stages.parse),
      normalize: p50us(r.stages.normalize),
      tier0: p50us(r.stages.tier0),
      tier1: p50us(r.stages.tier1),
      'policy+record': p50us(r.stages.rest),
      total: (r.p50Ms * 1000).toFixed(1),
    })),
  );
  process.stdout.write(
    `(${lines} decision records serialized; node ${process.version}, one request at a time)\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
