/**
 * The demo upstream in its own process, for `bench/gateway.bench.ts`: every contender calls the same
 * upstream, and its CPU is never charged to a gateway. Prints `READY {"url": …}` on stdout.
 */
import { startDemoUpstream } from '../../local/demo-upstream';

startDemoUpstream({ port: 0 }).then(
  (up) => {
    process.stdout.write(`READY ${JSON.stringify({ url: up.url })}\n`);
    const stop = () => void up.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  },
  (e: unknown) => {
    process.stderr.write(`upstream-child: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
