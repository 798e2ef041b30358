/**
 * `npm run bench:classifier [-- --workers N]`: the tier-2 classifier server in its own process (the
 * container's entry point, `classifier/server/main.ts`, serving the repo's model directory on
 * 127.0.0.1), measured over HTTP:
 *
 * 1. one request in flight, per input size (what one escalated request pays on an idle instance);
 * 2. the load run of the conformance suite at concurrency 1, 4 and 8 (p50/p99, throughput).
 *
 * Prints a table and writes reports/classifier-bench.json. Bounded: about a minute on 2 cores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fillerText, type LatencySummary, loadMix, measureLoad } from '../classifier/conformance/suite';
import { REPO_MODEL_DIR } from '../classifier/server/served-model';
import { freePort, spawnNode, waitForHttp } from './support/processes';

interface Row extends LatencySummary {
  readonly case: string;
}

const measure = async (
  endpoint: string,
  name: string,
  requests: number,
  concurrency: number,
  body: (i: number) => unknown,
): Promise<Row> => ({ case: name, ...(await measureLoad({ endpoint, requests, concurrency, body })) });

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { workers: { type: 'string', default: '1' } } });
  const workers = Number(values.workers);
  const port = await freePort();
  const child = spawnNode(['--import', 'tsx', 'classifier/server/main.ts', 'serve'], undefined, {
    ...process.env,
    SAGEMAKER_BIND_TO_PORT: String(port),
    CLASSIFIER_HOST: '127.0.0.1',
    SM_MODEL_DIR: REPO_MODEL_DIR,
    SAGEMAKER_MODEL_SERVER_WORKERS: String(workers),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/ping`, 30_000, () => child.proc.exitCode !== null);
    // Warm up (JIT, first-use allocations).
    await measure(url, 'warmup', 40, 2, (i) => ({ inputs: fillerText(500, i) }));
    const rows: Row[] = [];
    for (const chars of [256, 1_024, 4_096, 16_384]) {
      rows.push(
        await measure(url, `inputs ${chars} chars`, 40, 1, (i) => ({ inputs: fillerText(chars, i) })),
      );
    }
    rows.push(
      await measure(url, 'exchange 2048 + prompt 4096', 40, 1, (i) => ({
        inputs: fillerText(2_048, i),
        prompt: fillerText(4_096, i + 1),
      })),
    );
    // The conformance suite's load mix: inputs 60–2,460 chars, every fifth an exchange.
    for (const c of [1, 4, 8]) rows.push(await measure(url, 'conformance mix', 200, c, loadMix));

    process.stdout.write(`classifier server, ${workers} worker(s), model dir ${REPO_MODEL_DIR}\n`);
    process.stdout.write(
      `${'case'.padEnd(30)} ${'n'.padStart(4)} ${'conc'.padStart(4)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/s'.padStart(8)} errors\n`,
    );
    for (const r of rows) {
      process.stdout.write(
        `${r.case.padEnd(30)} ${String(r.requests).padStart(4)} ${String(r.concurrency).padStart(4)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.throughput).padStart(8)} ${r.errors}\n`,
      );
    }
    mkdirSync('reports', { recursive: true });
    writeFileSync(
      'reports/classifier-bench.json',
      `${JSON.stringify({ workers, measuredAt: new Date().toISOString(), rows }, null, 2)}\n`,
    );
  } finally {
    await child.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:classifier: ${(e as Error).message}\n`);
  process.exit(1);
});
