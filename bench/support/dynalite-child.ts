/**
 * dynalite (with the enforcement tables) in its own process, for `bench/gateway.bench.ts`: in AWS the
 * tables are a remote service, so the emulator's CPU must not be charged to the gateway process.
 * Prints `READY {"endpoint": …}` on stdout.
 */
import { startDynalite } from '../../local/dynalite';

startDynalite({ prefix: 'local-' }).then(
  (d) => {
    process.stdout.write(`READY ${JSON.stringify({ endpoint: d.endpoint })}\n`);
    const stop = () =>
      void d.stop().then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`dynalite-child: ${e instanceof Error ? e.message : String(e)}\n`);
          process.exit(1);
        },
      );
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  },
  (e: unknown) => {
    process.stderr.write(`dynalite-child: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
