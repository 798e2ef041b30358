// Child process of bench/lambda.bench.ts: measures one cold start of a bundled Lambda handler.
// argv: <bundle path> <authorizer|proxy> <event JSON>. Prints one JSON line: importMs, firstMs, warmMs.
const { Writable } = require('node:stream');
const [bundle, kind, eventJson] = process.argv.slice(2);
const event = JSON.parse(eventJson);

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
  const t0 = performance.now();
  const mod = require(bundle);
  const t1 = performance.now();
  const call = async () => {
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
  await call();
  const t3 = performance.now();
  process.stdout.write(
    `${JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1, warmMs: t3 - t2, result: first })}\n`,
  );
}
main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: String(e?.stack || e) })}\n`);
  process.exit(1);
});
