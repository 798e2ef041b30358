// Child process of bench/lambda.bench.ts: measures one cold start of a bundled Lambda handler.
// argv: <bundle path> <authorizer|proxy> <event JSON or JSON array of events> [warm calls] [steady calls]. Prints one
// JSON line: importMs (and importCpuMs,
// the CPU it took: steadier than wall time on a shared machine), firstMs (and firstCpuMs, this process's CPU for the
// first call, round trips to the stand-ins excluded),
// warmMs (median wall time of the warm calls, round trips to the stand-ins included) and warmCpuMs (this process's
// CPU per warm call: the function's own work, without the time spent waiting for the stand-ins) and sdkCalls (the
// AWS calls per warm call, by operation), and steadyCpuMs (CPU per call of the steady calls made after the warm ones). TRACE_CALLS=1 writes each warm call's CPU to stderr.
const { Writable } = require('node:stream');
const [bundle, kind, eventJson, warmArg, steadyArg] = process.argv.slice(2);
const WARM = Math.max(1, Number(warmArg ?? 1));
// Calls after the warm ones, measured apart: the CPU of an instance past its first calls (the JIT has settled).
const STEADY = Math.max(0, Number(steadyArg ?? 0));
// One event, or one per call (the first call takes the first; warm calls cycle through the rest).
const parsed = JSON.parse(eventJson);
const events = Array.isArray(parsed) ? parsed : [parsed];
let calls = 0;

// Outgoing AWS calls of the warm calls, by operation: HTTP/1.1 requests (DynamoDB, KMS, SageMaker Runtime) through
// the `http.client.request.start` diagnostics channel, HTTP/2 streams (Bedrock Runtime) by wrapping `http2.connect`.
const sdkCalls = new Map();
let counting = false;
const countCall = (op) => {
  if (counting) sdkCalls.set(op, (sdkCalls.get(op) ?? 0) + 1);
};
require('node:diagnostics_channel').subscribe('http.client.request.start', ({ request }) => {
  // Headers given as a flat list (the functions' own signed clients) are only in the rendered head.
  const target =
    request.getHeader('x-amz-target') ?? /\r\nx-amz-target: *([^\r\n]*)/i.exec(request._header ?? '')?.[1];
  countCall(
    target
      ? String(target).split('.').pop()
      : `${request.method} ${request.path.split('?')[0].replace(/\/model\/[^/]+/, '/model/*')}`,
  );
});
{
  const http2 = require('node:http2');
  const connect = http2.connect;
  http2.connect = (...args) => {
    const session = connect(...args);
    const request = session.request;
    session.request = function (headers, ...rest) {
      countCall(
        `h2 ${headers?.[':method'] ?? 'GET'} ${String(headers?.[':path'] ?? '').replace(/\/model\/[^/]+/, '/model/*')}`,
      );
      return request.call(this, headers, ...rest);
    };
    return session;
  };
}

if (kind === 'proxy') {
  // The runtime's streaming globals, as Lambda provides them (a pass-through here).
  globalThis.awslambda = {
    streamifyResponse: (fn) => fn,
    HttpResponseStream: {
      from: (stream, meta) => {
        stream.meta = meta;
        return stream;
      },
    },
  };
}

async function startProfiler() {
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(dir) {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      const file = require('node:path').join(dir, `warm-${kind}-${process.pid}.cpuprofile`);
      require('node:fs').writeFileSync(file, JSON.stringify(profile));
    },
  };
}

async function main() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const mod = require(bundle);
  const t1 = performance.now();
  const ci = process.cpuUsage(c0);
  const call = async () => {
    const event = events[calls++ % events.length];
    if (kind === 'authorizer') return mod.handler(event, {});
    const chunks = [];
    const sink = new Writable({
      write(c, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    const done = new Promise((r) => sink.on('finish', r));
    await mod.handler(event, sink);
    await done;
    return {
      status: sink.meta?.statusCode,
      body: Buffer.concat(chunks).toString('utf8').slice(0, 200),
    };
  };
  const cf = process.cpuUsage();
  const first = await call();
  const t2 = performance.now();
  const cfirst = process.cpuUsage(cf);
  // BENCH_WARM_PROF=<dir>: a V8 CPU profile of the warm calls only (the import and the first call left out).
  const profiler = process.env.BENCH_WARM_PROF ? await startProfiler() : undefined;
  const walls = [];
  const cpu0 = process.cpuUsage();
  counting = true;
  for (let i = 0; i < WARM; i++) {
    const w0 = performance.now();
    const c1 = process.env.TRACE_CALLS ? process.cpuUsage() : undefined;
    await call();
    walls.push(performance.now() - w0);
    if (c1) {
      const d = process.cpuUsage(c1);
      process.stderr.write(`call ${i} cpu ${((d.user + d.system) / 1000).toFixed(2)}\n`);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  if (profiler) await profiler.stop(process.env.BENCH_WARM_PROF);
  counting = false;
  const sdk = Object.fromEntries([...sdkCalls].map(([op, n]) => [op, n / WARM]));
  let steadyCpuMs = null;
  if (STEADY > 0) {
    const s0 = process.cpuUsage();
    for (let i = 0; i < STEADY; i++) await call();
    const s = process.cpuUsage(s0);
    steadyCpuMs = (s.user + s.system) / 1000 / STEADY;
  }
  walls.sort((a, b) => a - b);
  const warmMs = walls[Math.floor((walls.length - 1) / 2)];
  const warmCpuMs = (cpu.user + cpu.system) / 1000 / WARM;
  process.stdout.write(
    `${JSON.stringify({ importMs: t1 - t0, importCpuMs: (ci.user + ci.system) / 1000, firstMs: t2 - t1, firstCpuMs: (cfirst.user + cfirst.system) / 1000, warmMs, warmCpuMs, steadyCpuMs, sdkCalls: sdk, result: first })}\n`,
  );
}
main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: String(e?.stack || e) })}\n`);
  process.exit(1);
});
