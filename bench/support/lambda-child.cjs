// Child process of bench/lambda.bench.ts: measures one cold start of a bundled Lambda handler.
// argv: <bundle path> <authorizer|proxy> <event JSON or JSON array of events> [warm calls]. Prints one JSON line: importMs (and importCpuMs,
// the CPU it took: steadier than wall time on a shared machine), firstMs,
// warmMs (median wall time of the warm calls, round trips to the stand-ins included) and warmCpuMs (this process's
// CPU per warm call: the function's own work, without the time spent waiting for the stand-ins).
const { Writable } = require('node:stream');
const [bundle, kind, eventJson, warmArg] = process.argv.slice(2);
const WARM = Math.max(1, Number(warmArg ?? 1));
// One event, or one per call (the first call takes the first; warm calls cycle through the rest).
const parsed = JSON.parse(eventJson);
const events = Array.isArray(parsed) ? parsed : [parsed];
let calls = 0;

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
  const first = await call();
  const t2 = performance.now();
  const walls = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < WARM; i++) {
    const w0 = performance.now();
    await call();
    walls.push(performance.now() - w0);
  }
  const cpu = process.cpuUsage(cpu0);
  walls.sort((a, b) => a - b);
  const warmMs = walls[Math.floor((walls.length - 1) / 2)];
  const warmCpuMs = (cpu.user + cpu.system) / 1000 / WARM;
  process.stdout.write(
    `${JSON.stringify({ importMs: t1 - t0, importCpuMs: (ci.user + ci.system) / 1000, firstMs: t2 - t1, warmMs, warmCpuMs, result: first })}\n`,
  );
}
main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: String(e?.stack || e) })}\n`);
  process.exit(1);
});
