/**
 * `npm run bench`: the whole in-process pipeline (parse → normalize → tier 0 → tier 1 → policy →
 * decision record serialized as its log line) on benign filler prompts of increasing size, one
 * request at a time on one core. Prints decisions/s, p50/p99, and the cost growth between sizes.
 */
import { DecisionRecorder } from '../lambdas/core/decision/record';
import { createEngine, parseRequest } from '../lambdas/core/index';
import { type BenchResult, bench, fillerText, printTable } from './harness';

const SIZES: ReadonlyArray<readonly [string, number]> = [
  ['0.5 KB', 512],
  ['2 KB', 2048],
  ['4 KB', 4096],
  ['64 KB', 65_536],
  ['1 MB', 1_048_576],
];

async function main(): Promise<void> {
  const engine = createEngine();
  let lines = 0;
  const sink = (r: unknown) => {
    lines += JSON.stringify(r).length > 0 ? 1 : 0;
  };
  const results: (BenchResult & { bytes: number })[] = [];
  for (const [name, bytes] of SIZES) {
    const body = JSON.stringify({
      model: 'bench',
      max_tokens: 256,
      messages: [{ role: 'user', content: fillerText(bytes) }],
    });
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
      const parsed = parseRequest(body, { format: 'messages', maxBytes: 4 * 1024 * 1024 });
      if (!parsed.ok) throw new Error(`bench body rejected: ${parsed.error.message}`);
      rec.request({ model: 'bench', stream: false, inputTokens: 0, parseMs: performance.now() - t0 });
      const verdict = await engine.evaluateRequest(parsed.request);
      rec.input(verdict).finish(200, performance.now() - t0);
    };
    const big = bytes >= 65_536;
    results.push({
      bytes,
      ...(await bench(name, once, {
        warmup: big ? 3 : 200,
        maxIterations: big ? 60 : 50_000,
        maxMs: big ? 4_000 : 2_500,
      })),
    });
  }
  const base = results.find((r) => r.bytes === 4096);
  printTable(
    results.map((r) => ({
      size: r.name,
      iterations: r.iterations,
      'decisions/s': Math.round(r.opsPerSec),
      'p50 ms': r.p50Ms.toFixed(3),
      'p99 ms': r.p99Ms.toFixed(3),
      'µs/KB (p50)': ((r.p50Ms * 1000) / (r.bytes / 1024)).toFixed(1),
      'p50 vs 4 KB': base ? (r.p50Ms / base.p50Ms).toFixed(2) : '-',
      'size vs 4 KB': (r.bytes / 4096).toFixed(2),
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
