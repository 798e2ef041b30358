/**
 * The plumbing floor for `bench/gateway.bench.ts`: a bare `node:http` server that forwards every POST over the same
 * upstream adapter our gateway uses (`anthropicHttpUpstream`: one pooled keep-alive `node:http` client) and answers
 * the model's JSON re-serialized, with a `content-length`. Nothing else: no authorizer, limits, checks,
 * decision record or telemetry. Its CPU per request is what Node's HTTP server and client, one JSON parse and one
 * serialization each way and the kernel's loopback sockets cost on this machine in this run, so our gateway's CPU
 * per request minus the floor's is what our pipeline adds to a proxy. Not a product: it forwards unchecked input.
 * Prints `READY {"url"}` on stdout.
 *
 *   node --import tsx bench/support/floor-child.ts <upstreamUrl>
 */
import { createServer } from 'node:http';
import { anthropicHttpUpstream } from '../../lambdas/adapters/upstream/anthropic-http';
import { CallAbort } from '../../lambdas/core/serving/types';
import { listen, readBody, sendJson } from '../../local/http-util';

/** Largest request body read (the gateway's limit); a longer one ends the connection. */
const MAX_BODY = 2 * 1024 * 1024;

async function main(): Promise<void> {
  const [upstreamUrl] = process.argv.slice(2);
  if (!upstreamUrl) throw new Error('usage: floor-child.ts <upstreamUrl>');
  const upstream = anthropicHttpUpstream({ baseUrl: upstreamUrl });
  const error = { type: 'error' };
  const server = createServer((req, res) => {
    readBody(req, MAX_BODY)
      .then((raw) => {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        } catch {
          return sendJson(res, 400, error);
        }
        const { model, ...rest } = body;
        return upstream.invoke(rest, typeof model === 'string' ? model : undefined, new CallAbort()).then(
          (out) => sendJson(res, 200, out),
          () => sendJson(res, 502, error),
        );
      })
      .catch(() => res.destroy());
  });
  const url = await listen(server, 0);
  process.stdout.write(`READY ${JSON.stringify({ url })}\n`);
  const stop = () => void server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`floor-child: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
