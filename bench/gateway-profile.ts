/**
 * `npm run bench:gateway-profile`: where our gateway's CPU goes per request, by area of the code.
 *
 * Starts the same three processes as `bench/gateway.bench.ts` (the demo upstream, a dynalite, our gateway over
 * them with a high-limit tenant, `bench/support/runtime-child.ts`), the gateway pinned (`--pin`, default 1) and run
 * under `node --cpu-prof`; autocannon (pinned on `--load-cpus`) loads it for `--warmup` s unmeasured, then for
 * `--duration` s at each connection count of `--connections`. The gateway is stopped, its V8 CPU profile read, and
 * the samples of each measured window grouped:
 *
 * - by area (self + children): each sample goes to the deepest frame of this repository on its stack (its
 *   library and Node frames count as that frame's children), that frame's file mapped to an area (authorizer,
 *   engine, record, …); samples with no frame of ours are Node's own work (HTTP server and client, streams,
 *   timers), the garbage collector or V8 ("(program)");
 * - by library (self time only): zod, the AWS SDK, `JSON.parse`/`JSON.stringify`, regular expressions.
 *
 * Each figure is µs of the main thread per request (the samples' time over the requests answered in the window);
 * the process's whole CPU (all threads, from /proc) per request is printed next to it, split into the main thread
 * and the others (V8's compiler and GC helpers, libuv's thread pool, the profiler's sampling thread), with the
 * context switches per request (docs/adr/0066). The profiler itself costs
 * a little: compare areas within one run, and the totals with `bench:gateway`.
 *
 *   npm run bench:gateway -- …  (the before/after figures)
 *   npm run bench:gateway-profile -- [--connections 1,32] [--duration 8] [--warmup 4] [--pin 1] [--load-cpus 0]
 *                                    [--stream] [--top 25]   (the hottest functions, self time, per window)
 *                                    [--area-top 6]   (the hottest functions of each area)
 *                                    [--keep <file.cpuprofile>]   (a copy of the profile, for DevTools)
 *                                    [--loader bundle|tsx]   (the gateway as `npm start` runs it, one esbuild bundle
 *                                    whose frames are mapped back to the sources (default), or module by module by tsx)
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BUNDLE_DIR, bundleForNode } from '../local/bundle';
import {
  benignBody,
  cpuSeconds,
  fmt,
  runAutocannon,
  type Target,
  type ThreadCpu,
  threadCpu,
} from './support/measure';
import { type Child, startReady } from './support/processes';

const TSX = ['--import', 'tsx'];
const ROOT = join(__dirname, '..');

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The frames of a bundled gateway mapped back to their TypeScript sources through the bundle's inline source map,
 * so that areas and functions are named as in a run under tsx.
 */
function unbundle(profile: CpuProfile, bundle: string): void {
  const text = readFileSync(bundle, 'utf8');
  const marker = '//# sourceMappingURL=data:application/json;base64,';
  const at = text.lastIndexOf(marker);
  if (at < 0) return;
  const map = new SourceMap(
    JSON.parse(Buffer.from(text.slice(at + marker.length).trim(), 'base64').toString('utf8')),
  );
  const url = pathToFileURL(bundle).href;
  for (const n of profile.nodes) {
    const f = n.callFrame;
    if (f.url !== url) continue;
    const e = map.findEntry(f.lineNumber, f.columnNumber) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (!e.originalSource) continue;
    const source = e.originalSource.startsWith('file://')
      ? e.originalSource
      : pathToFileURL(resolve(dirname(bundle), e.originalSource)).href;
    n.callFrame = { ...f, url: source, lineNumber: e.originalLine ?? f.lineNumber };
  }
}

/** Areas of this repository by path prefix (relative to the root), first match wins. */
const AREAS: ReadonlyArray<readonly [string, string]> = [
  ['local/gateway.ts', 'gateway (local/gateway.ts: routing, headers, body read)'],
  ['local/telemetry-sink.ts', 'telemetry sink (JSONL append)'],
  ['lambdas/authorizer/', 'authorizer (key, tenant, request rate)'],
  ['lambdas/core/enforcement/usage', 'token admission (proxy ports)'],
  ['lambdas/core/enforcement/', 'authorizer (key, tenant, request rate)'],
  ['lambdas/core/util/refresh-ahead-cache', 'tables: tenant cache, limiter leases, controls, ladder'],
  ['lambdas/core/models/', 'serving (serve.ts, wire, writer)'],
  ['lambdas/adapters/dynamo/', 'tables: tenant cache, limiter leases, controls, ladder'],
  ['lambdas/adapters/aws/', 'tables: signed JSON client'],
  ['lambdas/shared/', 'tables: tenant cache, limiter leases, controls, ladder'],
  ['lambdas/proxy/', 'token admission (proxy ports)'],
  ['lambdas/adapters/upstream/', 'upstream client (request, answer parse)'],
  ['lambdas/adapters/hmac/', 'pseudonyms (HMAC)'],
  ['lambdas/adapters/tier2/', 'tier 2 client'],
  ['lambdas/core/request/', 'request parsing (JSON + schema)'],
  ['lambdas/core/decision/', 'decision record (build + JSON line)'],
  ['lambdas/core/engine/output', 'output checks (monitor)'],
  ['lambdas/core/serving/stream-relay', 'output checks (monitor)'],
  ['lambdas/core/serving/', 'serving (serve.ts, wire, writer)'],
  ['lambdas/core/normalize/', 'engine: normalizer'],
  ['lambdas/core/detectors/', 'engine: tier 0 detectors'],
  ['lambdas/core/classifier/', 'engine: tier 1 classifier'],
  ['lambdas/core/', 'engine: policy, verdicts, other'],
  ['bench/', 'bench instrumentation (call counts, GC observer)'],
];

function areaOf(url: string): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  const path = relative(ROOT, decodeURIComponent(url.slice('file://'.length)))
    .split(sep)
    .join('/');
  if (path.startsWith('..') || path.startsWith('node_modules/')) return undefined;
  for (const [prefix, area] of AREAS) if (path.startsWith(prefix)) return area;
  return `other: ${path}`;
}

/** Library buckets for self time. */
function libraryOf(f: CallFrame): string | undefined {
  if (f.url.includes('/node_modules/zod/')) return 'zod';
  if (f.url.includes('/node_modules/@aws-sdk/') || f.url.includes('/node_modules/@smithy/')) return 'AWS SDK';
  if (f.url === '' && (f.functionName === 'parse' || f.functionName === 'stringify'))
    return `JSON.${f.functionName}`;
  if (
    f.url === '' &&
    /^(exec|test|replace|match|matchAll|split|search|\[Symbol\.\w+\])$/.test(f.functionName)
  )
    return 'RegExp / String builtins';
  if (f.url.startsWith('node:')) return 'Node internals (JS)';
  return undefined;
}

interface Window {
  readonly label: string;
  readonly fromUs: number;
  readonly toUs: number;
  readonly requests: number;
  readonly processCpuSec: number;
  /** CPU of the main thread and of the others, and context switches, over the window (/proc). */
  readonly threads: ThreadCpu;
}

/** Per-window grouping of a profile's samples. */
function analyse(profile: CpuProfile, w: Window, top: number, areaTop: number): string[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // Area of each node: its own file's, else the nearest ancestor's of this repository (memoised; null: none).
  const areaMemo = new Map<number, string | null>();
  const ownArea = (id: number): string | null => {
    const seen: number[] = [];
    let cur: number | undefined = id;
    let found: string | null = null;
    while (cur !== undefined) {
      const m = areaMemo.get(cur);
      if (m !== undefined) {
        found = m;
        break;
      }
      seen.push(cur);
      const a = areaOf(byId.get(cur)?.callFrame.url ?? '');
      if (a) {
        found = a;
        break;
      }
      cur = parent.get(cur);
    }
    for (const s of seen) areaMemo.set(s, found);
    return found;
  };
  const nodeArea = (id: number): string => {
    const found = ownArea(id);
    if (found) return found;
    const special = byId.get(id)?.callFrame.functionName;
    return special === '(garbage collector)' || special === '(program)'
      ? special
      : 'Node: HTTP server and client, streams, timers (no frame of ours)';
  };
  const areas = new Map<string, number>();
  const libs = new Map<string, number>();
  const fns = new Map<string, number>();
  /** Self time by function within each area, for the per-area lines. */
  const inArea = new Map<string, Map<string, number>>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < w.fromUs || t > w.toUs) continue;
    // A sample's time: the delta to the next sample (V8's convention for self time).
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i] ?? 0;
    const n = byId.get(id);
    if (!n || n.callFrame.functionName === '(idle)') continue;
    total += dt;
    const area = nodeArea(id);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    const lib = libraryOf(n.callFrame);
    if (lib) libs.set(lib, (libs.get(lib) ?? 0) + dt);
    const f = n.callFrame;
    const where = f.url.startsWith('file://')
      ? relative(ROOT, decodeURIComponent(f.url.slice(7)))
      : f.url || '(builtin)';
    const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + dt);
    const m = inArea.get(area) ?? new Map<string, number>();
    m.set(key, (m.get(key) ?? 0) + dt);
    inArea.set(area, m);
  }
  const per = (us: number) => fmt(us / w.requests, 1);
  const out = [
    `\n${w.label}: ${w.requests} requests in ${fmt((w.toUs - w.fromUs) / 1e6, 1)} s; process CPU (all threads, /proc) ${fmt((w.processCpuSec * 1e6) / w.requests, 0)} µs/req; main thread sampled ${per(total)} µs/req`,
    `  by thread (/proc): main ${fmt((w.threads.mainSec * 1e6) / w.requests, 0)} µs/req, the others ${fmt((w.threads.otherSec * 1e6) / w.requests, 0)} µs/req (V8's compiler and GC helpers, libuv's thread pool: the record's append, the profiler's own sampling thread); context switches ${fmt(w.threads.switches / w.requests, 1)} per request`,
    '',
    '| area (self + children) | µs/req | share of main thread |',
    '| --- | ---: | ---: |',
  ];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]))
    out.push(`| ${a} | ${per(us)} | ${fmt((us / total) * 100, 1)} % |`);
  out.push('', '| library / builtin (self only) | µs/req |', '| --- | ---: |');
  for (const [l, us] of [...libs].sort((x, y) => y[1] - x[1])) out.push(`| ${l} | ${per(us)} |`);
  out.push('', `each area's hottest functions (self µs/req), top ${areaTop}:`);
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) {
    if (us / w.requests < 1) continue;
    out.push(`  ${a}:`);
    const m = inArea.get(a) ?? new Map<string, number>();
    for (const [k, v] of [...m].sort((x, y) => y[1] - x[1]).slice(0, areaTop))
      out.push(`    ${per(v).padStart(7)}  ${k}`);
  }
  out.push('', `hottest functions (self µs/req), top ${top}:`);
  for (const [k, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
    out.push(`  ${per(us).padStart(7)}  ${k}`);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '1,32' },
      duration: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '4' },
      pin: { type: 'string', default: cpus().length >= 2 ? '1' : 'none' },
      'load-cpus': { type: 'string', default: '0' },
      stream: { type: 'boolean', default: false },
      top: { type: 'string', default: '25' },
      'area-top': { type: 'string', default: '6' },
      keep: { type: 'string' },
      loader: { type: 'string', default: 'bundle' },
    },
  });
  const conns = values.connections.split(',').map(Number);
  const duration = Number(values.duration);
  const warmup = Number(values.warmup);
  const top = Number(values.top);
  const areaTop = Number(values['area-top']);
  if (conns.some((c) => !(Number.isInteger(c) && c >= 1 && c <= 512)))
    throw new Error('--connections: expected a comma-separated list of 1..512');
  if (!(duration >= 1 && duration <= 60)) throw new Error('--duration: expected 1..60 seconds');
  if (!(warmup >= 0 && warmup <= 60)) throw new Error('--warmup: expected 0..60 seconds');
  if (!(Number.isInteger(top) && top >= 0 && top <= 200)) throw new Error('--top: expected 0..200');
  if (!(Number.isInteger(areaTop) && areaTop >= 0 && areaTop <= 50))
    throw new Error('--area-top: expected 0..50');
  const CPU_LIST = /^\d{1,3}(-\d{1,3})?(,\d{1,3}(-\d{1,3})?)*$/;
  const pin = values.pin === 'none' ? undefined : values.pin;
  const loadCpus = pin ? values['load-cpus'] : undefined;
  if (pin && !CPU_LIST.test(pin)) throw new Error('--pin: expected a taskset CPU list or none');
  if (loadCpus && !CPU_LIST.test(loadCpus)) throw new Error('--load-cpus: expected a taskset CPU list');

  if (values.loader !== 'bundle' && values.loader !== 'tsx')
    throw new Error('--loader: expected bundle or tsx');
  const dir = mkdtempSync(join(tmpdir(), 'csp-profile-'));
  const children: Child[] = [];
  const lines: string[] = [
    `bench:gateway-profile — node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at start${pin ? `; gateway and its store on CPU ${pin}, load on CPU ${loadCpus}` : ''}`,
  ];
  try {
    const up = await startReady<{ url: string }>([...TSX, join(__dirname, 'support', 'upstream-child.ts')]);
    children.push(up.child);
    const dyn = await startReady<{ endpoint: string }>(
      [...TSX, join(__dirname, 'support', 'dynalite-child.ts')],
      30_000,
      pin,
    );
    children.push(dyn.child);
    const prof = join(dir, 'prof');
    // As `npm start` runs it (local/start.ts): one esbuild bundle, or (`--loader tsx`) module by module.
    const bundle =
      values.loader === 'bundle'
        ? await bundleForNode(
            join(__dirname, 'support', 'runtime-child.ts'),
            join(BUNDLE_DIR, 'profile-runtime-child.cjs'),
          )
        : undefined;
    const gw = await startReady<{ url: string; apiKey: string }>(
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        prof,
        ...(bundle ? [bundle] : [...TSX, join(__dirname, 'support', 'runtime-child.ts')]),
        up.info.url,
        join(dir, 'data'),
        dyn.info.endpoint,
      ],
      30_000,
      pin,
    );
    children.push(gw.child);
    const target: Target = {
      name: 'ours',
      url: `${gw.info.url}/v1/messages`,
      headers: {
        'content-type': 'application/json',
        'x-api-key': gw.info.apiKey,
        'anthropic-version': '2023-06-01',
      },
      body: benignBody(values.stream),
    };
    if (warmup > 0) await runAutocannon(target, Math.max(...conns), warmup, loadCpus);
    const windows: Window[] = [];
    for (const c of conns) {
      const cpu0 = cpuSeconds(gw.child.pid);
      const threads0 = threadCpu(gw.child.pid);
      const from = Number(process.hrtime.bigint() / 1000n);
      const r = await runAutocannon(target, c, duration, loadCpus);
      const to = Number(process.hrtime.bigint() / 1000n);
      if (r.non2xx > 0 || r.errors > 0)
        throw new Error(
          `${c} conn: ${r.non2xx} non-2xx, ${r.errors} errors: the profile would not be of serving`,
        );
      windows.push({
        label: `${c} connection(s), ${duration} s`,
        fromUs: from,
        toUs: to,
        requests: r.total,
        processCpuSec: cpuSeconds(gw.child.pid) - cpu0,
        threads: ((t) => ({
          mainSec: t.mainSec - threads0.mainSec,
          otherSec: t.otherSec - threads0.otherSec,
          switches: t.switches - threads0.switches,
        }))(threadCpu(gw.child.pid)),
      });
      await new Promise((res) => setTimeout(res, 300));
    }
    await gw.child.stop();
    const file = readdirSync(prof).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the gateway wrote no CPU profile');
    const profile = JSON.parse(readFileSync(join(prof, file), 'utf8')) as CpuProfile;
    if (bundle) unbundle(profile, bundle);
    for (const w of windows) lines.push(...analyse(profile, w, top, areaTop));
    if (values.keep) copyFileSync(join(prof, file), values.keep);
    lines.push(
      `\nload average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at end`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const c of children.reverse()) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:gateway-profile: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
