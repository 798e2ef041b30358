/**
 * The local runtime (gateway + dynalite + reference classifier) in its own process, pointed at a given
 * upstream, for `bench/gateway.bench.ts`. Creates a high-limit tenant (the bench measures the serving
 * path, not the rate limiter) and prints `READY {"url", "apiKey", "telemetryPath"}` on stdout.
 *
 *   node --import tsx bench/support/runtime-child.ts <upstreamUrl> <dataDir>
 */
import { operatorContext } from '../../local/operator';
import { startLocalRuntime } from '../../local/runtime';

async function main(): Promise<void> {
  const [upstreamUrl, dataDir] = process.argv.slice(2);
  if (!upstreamUrl || !dataDir) throw new Error('usage: runtime-child.ts <upstreamUrl> <dataDir>');
  const rt = await startLocalRuntime({ port: 0, dataDir, upstreamUrl, publish: false, log: () => undefined });
  const ops = operatorContext(rt.dynamo.doc, rt.dynamo.tables, 'bench:gateway');
  const { apiKey } = await ops.tenants.createTenant({
    tenantId: 'bench',
    tier: 'enterprise',
    zone: 'LOCAL',
    limits: { requests: 1e9, inputTokens: 1e12, outputTokens: 1e12 },
  });
  process.stdout.write(
    `READY ${JSON.stringify({ url: rt.gateway.url, apiKey, telemetryPath: rt.telemetry.path })}\n`,
  );
  const stop = () => void rt.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`runtime-child: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
