/**
 * `npm run bench`: the whole in-process pipeline (parse → normalize → tier 0 → tier 1 → policy →
 * decision record serialized as its sinks write it) on benign filler prompts of increasing size, one
 * request at a time on one core. Prints decisions/s, p50/p99, CPU time per decision and the cost
 * growth between sizes, then a per-stage breakdown (p50 µs of parse, normalize, tier 0, tier 1 and
 * the rest: policy + decision record, its line read once as a sink writing it would), and the same stages
 * as means, with the mean wall time per decision, the garbage collector's pauses per decision (they fall inside
 * the stages they interrupt) and the time spent between decisions (the loop and its awaits).
 *
 * `BENCH_SIZES=2048,4096 npm run bench` limits the sizes (bytes); `BENCH_TEXT=accented` gives every word of the
 * filler a stray accent (the accent-folded view is made and scored), `BENCH_TEXT=foreign` makes it French-like
 * accented text (its gate is paid, no view made). `BENCH_BASE=<git ref>` also loads
 * the engine of that commit, or of a folder holding a copy of the repository (scripts/lib/core-at.ts), and
 * measures both side by side in one process, alternating in chunks of requests (the order flipped every
 * round) so both see the same machine load;
 * each row is labelled `base` or `current`. Pin it (`taskset -c 1`) and compare ratios, not absolute
 * figures; on a shared machine, the median of the chunks' CPU time per decision is the figure that holds.
 *
 * Each engine runs as the Lambda functions and `npm start` run it: bundled by esbuild into one file
 * (local/bundle.ts, docs/adr/0064). Under tsx, module by module, every imported binding is read through a getter
 * and every closure is named at run time, which made the engine ≈ 1.3× slower than it runs when served.
 * `BENCH_LOADER=tsx` measures it that way.
 */

import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import type { DecisionRecord } from '../lambdas/core/index';
import { BUNDLE_DIR, bundleForNode } from '../local/bundle';
import { type CoreModule, coreEntryAt } from '../scripts/lib/core-at';
import { accentedFillerText, fillerText, foreignFillerText, percentile, printTable } from './harness';

const ALL_SIZES: ReadonlyArray<readonly [string, number]> = [
  ['0.5 KB', 512],
  ['2 KB', 2048],
  ['4 KB', 4096],
  ['64 KB', 65_536],
  ['1 MB', 1_048_576],
];

const only = process.env.BENCH_SIZES?.split(',').map(Number);
const SIZES = only ? ALL_SIZES.filter(([, b]) => only.includes(b)) : ALL_SIZES;

const TEXTS: Readonly<Record<string, (bytes: number) => string>> = {
  plain: fillerText,
  accented: accentedFillerText,
  foreign: foreignFillerText,
};
const chosen = TEXTS[process.env.BENCH_TEXT ?? 'plain'];
if (chosen === undefined) throw new Error(`BENCH_TEXT: expected one of ${Object.keys(TEXTS).join(', ')}`);
const text: (bytes: number) => string = chosen;

interface StageSamples {
  parse: number[];
  normalize: number[];
  tier0: number[];
  tier1: number[];
  rest: number[];
}

const meanUs = (xs: number[]): string =>
  ((xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) * 1000).toFixed(1);

const p50us = (xs: number[]): string =>
  (
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    ) * 1000
  ).toFixed(1);

interface Contender {
  readonly label: string;
  readonly core: CoreModule;
}

interface Measured {
  readonly label: string;
  readonly name: string;
  readonly bytes: number;
  readonly samples: number[];
  wallMs: number;
  cpuUs: number;
  readonly stages: StageSamples;
  /** The measured chunks, `[start, end]` on the `performance.now` clock (garbage-collection pauses are matched to them). */
  readonly chunks: Array<readonly [number, number]>;
  /** CPU µs per decision of each chunk: their median holds up where other jobs share the core. */
  readonly chunkCpuUs: number[];
  /** Garbage-collection pause time inside the chunks, ms. */
  gcMs: number;
  gcPauses: number;
}

const emptyStages = (): StageSamples => ({ parse: [], normalize: [], tier0: [], tier1: [], rest: [] });

/**
 * How `core`'s sinks write a record: `JSON.stringify`, or the `recordJson` serializer of a `BENCH_BASE` commit
 * that still had it (ADR 0041, since removed).
 */
function serializerOf(core: CoreModule): (r: DecisionRecord) => string {
  const own = (core as { recordJson?: (r: DecisionRecord) => string }).recordJson;
  return typeof own === 'function' ? own : (r) => JSON.stringify(r);
}

/** One decision through `core`'s pipeline, its per-stage times pushed into `stages`. */
function decider(core: CoreModule, body: string, count: (line: string) => void) {
  const engine = core.createEngine();
  const serialize = serializerOf(core);
  const sink = (r: DecisionRecord) => count(serialize(r));
  return async (stages: StageSamples): Promise<void> => {
    const t0 = performance.now();
    const rec = new core.DecisionRecorder(
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
    const parsed = core.parseRequest(body, { format: 'messages', maxBytes: 4 * 1024 * 1024 });
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
}

/** The engine whose `lambdas/core/index.ts` is `entry`, bundled (the default) or under tsx (`BENCH_LOADER=tsx`). */
async function loadCore(entry: string): Promise<CoreModule> {
  const loader = process.env.BENCH_LOADER ?? 'bundle';
  if (loader === 'tsx') return require(entry) as CoreModule;
  if (loader !== 'bundle') throw new Error(`BENCH_LOADER: expected bundle or tsx, got ${loader}`);
  const name = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  const root = resolve(entry, '..', '..', '..');
  return require(await bundleForNode(entry, join(BUNDLE_DIR, `engine-${name}.cjs`), root)) as CoreModule;
}

async function main(): Promise<void> {
  const contenders: Contender[] = [];
  if (process.env.BENCH_BASE)
    contenders.push({ label: 'base', core: await loadCore(coreEntryAt(process.env.BENCH_BASE)) });
  contenders.push({
    label: 'current',
    core: await loadCore(resolve(__dirname, '..', 'lambdas', 'core', 'index.ts')),
  });
  console.log(`engines loaded ${process.env.BENCH_LOADER === 'tsx' ? 'under tsx' : 'bundled by esbuild'}`);
  let lines = 0;
  let bytes = 0;
  // A sink writes the line, so it reads every character of it: a record built by concatenation is flattened
  // and encoded there. Counting only `line.length` would leave that cost out of the policy+record stage.
  const count = (line: string) => {
    const n = Buffer.byteLength(line, 'utf8');
    bytes += n;
    lines += n > 0 ? 1 : 0;
  };
  const results: Measured[] = [];
  // Garbage-collection pauses, matched to the chunk they fell in once the run is over.
  const pauses: Array<readonly [number, number]> = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push([e.startTime, e.duration]);
  });
  gc.observe({ entryTypes: ['gc'] });
  for (const [name, bytes] of SIZES) {
    const body = JSON.stringify({
      model: 'bench',
      max_tokens: 256,
      messages: [{ role: 'user', content: text(bytes) }],
    });
    const big = bytes >= 65_536;
    const maxIterations = big ? 60 : 50_000;
    const maxMs = big ? 4_000 : 2_500;
    // Chunks alternate between contenders so that both run under the same load.
    const chunk = big ? 5 : 200;
    const runs = contenders.map((c) => {
      const once = decider(c.core, body, count);
      const m: Measured = {
        label: c.label,
        name,
        bytes,
        samples: [],
        wallMs: 0,
        cpuUs: 0,
        stages: emptyStages(),
        chunks: [],
        chunkCpuUs: [],
        gcMs: 0,
        gcPauses: 0,
      };
      return { once, m };
    });
    for (const { once } of runs) {
      const scratch = emptyStages();
      for (let i = 0; i < (big ? 3 : 200); i++) await once(scratch);
    }
    // The order flips every round (base, current, current, base, …): the contender that runs right after
    // the other one pays for the caches it evicted, and a fixed order put that cost on one side only.
    let round = 0;
    while (runs.some(({ m }) => m.samples.length < maxIterations && m.wallMs < maxMs)) {
      const order = round++ % 2 === 0 ? runs : [...runs].reverse();
      for (const { once, m } of order) {
        let n = 0;
        const cpu0 = process.cpuUsage();
        const w0 = performance.now();
        for (let i = 0; i < chunk && m.samples.length < maxIterations; i++) {
          const t = performance.now();
          await once(m.stages);
          m.samples.push(performance.now() - t);
          n++;
        }
        const w1 = performance.now();
        m.wallMs += w1 - w0;
        m.chunks.push([w0, w1]);
        const cpu = process.cpuUsage(cpu0);
        m.cpuUs += cpu.user + cpu.system;
        if (n > 0) m.chunkCpuUs.push((cpu.user + cpu.system) / n);
      }
    }
    results.push(...runs.map(({ m }) => m));
  }
  // Entries are delivered asynchronously: let the last ones arrive.
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc.disconnect();
  for (const [start, duration] of pauses) {
    const m = results.find((r) => r.chunks.some(([a, b]) => start >= a && start <= b));
    if (!m) continue;
    m.gcMs += duration;
    m.gcPauses++;
  }
  const p50 = (m: Measured) =>
    percentile(
      [...m.samples].sort((a, b) => a - b),
      50,
    );
  const label = (m: Measured) => (contenders.length > 1 ? `${m.name} ${m.label}` : m.name);
  printTable(
    results.map((r) => {
      const sorted = [...r.samples].sort((a, b) => a - b);
      const base = results.find((x) => x.bytes === 4096 && x.label === r.label);
      const rp50 = percentile(sorted, 50);
      return {
        size: label(r),
        iterations: r.samples.length,
        'decisions/s': Math.round((r.samples.length / r.wallMs) * 1000),
        'p50 ms': rp50.toFixed(3),
        'p99 ms': percentile(sorted, 99).toFixed(3),
        'CPU µs/decision': (r.cpuUs / r.samples.length).toFixed(1),
        'CPU µs (chunk median)': percentile(
          [...r.chunkCpuUs].sort((a, b) => a - b),
          50,
        ).toFixed(1),
        'µs/KB (p50)': ((rp50 * 1000) / (r.bytes / 1024)).toFixed(1),
        'p50 vs 4 KB': base ? (rp50 / p50(base)).toFixed(2) : '-',
        'size vs 4 KB': (r.bytes / 4096).toFixed(2),
      };
    }),
  );
  process.stdout.write('\nper stage, p50 µs:\n');
  printTable(
    results.map((r) => ({
      size: label(r),
      parse: p50us(r.stages.parse),
      normalize: p50us(r.stages.normalize),
      tier0: p50us(r.stages.tier0),
      tier1: p50us(r.stages.tier1),
      'policy+record': p50us(r.stages.rest),
      total: (p50(r) * 1000).toFixed(1),
    })),
  );
  process.stdout.write('\nper stage, mean µs (collector pauses fall inside the stages they interrupt):\n');
  printTable(
    results.map((r) => {
      const n = Math.max(1, r.samples.length);
      const stages = [r.stages.parse, r.stages.normalize, r.stages.tier0, r.stages.tier1, r.stages.rest];
      const inStages = stages.reduce((a, xs) => a + xs.reduce((x, y) => x + y, 0), 0);
      const wall = r.samples.reduce((a, b) => a + b, 0);
      return {
        size: label(r),
        parse: meanUs(r.stages.parse),
        normalize: meanUs(r.stages.normalize),
        tier0: meanUs(r.stages.tier0),
        tier1: meanUs(r.stages.tier1),
        'policy+record': meanUs(r.stages.rest),
        'wall mean': ((wall / n) * 1000).toFixed(1),
        'GC pauses': `${r.gcPauses} (${((r.gcMs / n) * 1000).toFixed(1)} µs/decision)`,
        'between decisions': (((r.wallMs - inStages) / n) * 1000).toFixed(1),
      };
    }),
  );
  process.stdout.write(
    `(${lines} decision records serialized, ${bytes} bytes; node ${process.version}, one request at a time)\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
