/**
 * `npm run bench:edge`: the global edge's cost.
 *
 * 1. The viewer-request handler per request (µs p50/p99, in-process, CloudFront event fixtures): a request it
 *    passes (one Ed25519 verification) and a refusal it answers before any crypto.
 * 2. The origin-request handler per request (verification + routing + one Ed25519 signature).
 * 3. The local edge's added latency: sequential requests at one connection to a stub origin, through the local
 *    edge vs direct (p50/p99 and the difference), interleaved so both see the same machine noise.
 * 4. The Lambda@Edge bundles (esbuild with the construct's options): bytes raw and gzipped, against the
 *    1 MB limit on a viewer-request function's package and 50 MB for origin-request.
 *
 * Pin it to a core for stable figures: `taskset -c 1 npm run bench:edge`. `BENCH_N` sets the sample count.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import type { EdgeSettings } from '../lambdas/core/edge/checks';
import { mintClaimKey, publicKeyX } from '../lambdas/core/edge/claim-key';
import { makeOriginRequestHandler } from '../lambdas/edge/origin-request';
import { makeViewerRequestHandler } from '../lambdas/edge/viewer-request';
import { ORIGIN_REQUEST_ENTRY, VIEWER_REQUEST_ENTRY } from '../lib/constructs/edge-functions';
import { startLocalEdge } from '../local/edge';
import { close, listen } from '../local/http-util';
import { fmt, summarize } from './support/measure';

const N = Number(process.env.BENCH_N ?? 20_000);
const claim = generateKeyPairSync('ed25519');
const origin = generateKeyPairSync('ed25519');
const settings: EdgeSettings = {
  origins: {
    'eu-west-1': { domainName: 'eu-west-1.origin.api.example.com', zone: 'EU' },
    'us-east-1': { domainName: 'us-east-1.origin.api.example.com', zone: 'US' },
  },
  claimPublicKeys: [publicKeyX(claim.publicKey)],
  maxBodyBytes: 6 * 1024 * 1024,
  maxHeaderBytes: 16_384,
  originSigningSecretName: 'bench',
};
const key = mintClaimKey('csk_0123456789abcdefghijABCDEFGHIJkl', 'eu-west-1', claim.privateKey);

function event(eventType: 'viewer-request' | 'origin-request', apiKey: string) {
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd.cloudfront.net',
            distributionId: 'E',
            eventType,
            requestId: 'r1',
          },
          request: {
            clientIp: '203.0.113.1',
            method: 'POST',
            uri: '/v1/messages',
            querystring: '',
            headers: {
              host: [{ key: 'Host', value: 'api.example.com' }],
              'content-type': [{ key: 'Content-Type', value: 'application/json' }],
              'content-length': [{ key: 'Content-Length', value: '2048' }],
              'anthropic-version': [{ key: 'anthropic-version', value: '2023-06-01' }],
              'x-api-key': [{ key: 'x-api-key', value: apiKey }],
            },
          },
        },
      },
    ],
  };
}

async function perRequest(label: string, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 500; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const s = summarize(samples);
  console.log(
    `${label.padEnd(44)} p50 ${fmt(s.p50, 1).padStart(7)} µs   p99 ${fmt(s.p99, 1).padStart(7)} µs   (n=${s.n})`,
  );
}

async function addedLatency(): Promise<void> {
  const stub = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  const stubUrl = await listen(stub, 0);
  const edge = await startLocalEdge({
    keys: { claim, origin },
    origins: { 'eu-west-1': { url: stubUrl, zone: 'EU' } },
  });
  const body = JSON.stringify({
    model: 'demo',
    max_tokens: 8,
    messages: [{ role: 'user', content: 'x'.repeat(1900) }],
  });
  const call = async (base: string) => {
    const t = process.hrtime.bigint();
    const res = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const rounds = Math.min(2_000, Math.max(200, Math.floor(N / 10)));
  for (let i = 0; i < 100; i++) {
    await call(stubUrl);
    await call(edge.url);
  }
  const direct: number[] = [];
  const viaEdge: number[] = [];
  for (let i = 0; i < rounds; i++) {
    direct.push(await call(stubUrl));
    viaEdge.push(await call(edge.url));
  }
  const d = summarize(direct);
  const e = summarize(viaEdge);
  console.log(`\nlocal edge, one connection, ${rounds} interleaved requests to a stub origin (ms):`);
  console.log(`  direct     p50 ${fmt(d.p50, 3)}  p99 ${fmt(d.p99, 3)}`);
  console.log(`  via edge   p50 ${fmt(e.p50, 3)}  p99 ${fmt(e.p99, 3)}`);
  console.log(`  added      p50 ${fmt(e.p50 - d.p50, 3)}  p99 ${fmt(e.p99 - d.p99, 3)}`);
  await edge.close();
  await close(stub);
}

function bundles(): void {
  console.log(
    '\nLambda@Edge bundles (esbuild, minified CJS for node22, AWS SDK external as in the construct):',
  );
  for (const [name, entry, limit] of [
    ['viewer-request', VIEWER_REQUEST_ENTRY, 1024 * 1024],
    ['origin-request', ORIGIN_REQUEST_ENTRY, 50 * 1024 * 1024],
  ] as const) {
    const out = buildSync({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      write: false,
      external: ['@aws-sdk/*'],
      define: { 'process.env.CSP_EDGE_SETTINGS': JSON.stringify(JSON.stringify(settings)) },
      absWorkingDir: path.resolve(__dirname, '..'),
    });
    const bytes = out.outputFiles[0]!.contents;
    const gz = gzipSync(bytes).length;
    console.log(
      `  ${name.padEnd(15)} ${fmt(bytes.length / 1024, 1)} KB raw, ${fmt(gz / 1024, 1)} KB gzipped; limit ${limit / 1024 / 1024} MB (${fmt((100 * gz) / limit, 2)} % used)`,
    );
  }
}

async function main(): Promise<void> {
  const viewer = makeViewerRequestHandler(settings, () => undefined);
  const originHandler = makeOriginRequestHandler(settings, {
    originKey: async () => origin.privateKey,
    now: Date.now,
    log: () => undefined,
  });
  console.log(`edge handlers, in-process, ${N} requests each:`);
  await perRequest('viewer-request: pass (claim verified)', () =>
    viewer(event('viewer-request', key) as never),
  );
  await perRequest('viewer-request: refuse (no claim, no crypto)', () =>
    viewer(event('viewer-request', 'csk_0123456789abcdefghijABCDEFGHIJkl') as never),
  );
  await perRequest('origin-request: verify + route + sign', () =>
    originHandler(event('origin-request', key) as never),
  );
  await addedLatency();
  bundles();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
