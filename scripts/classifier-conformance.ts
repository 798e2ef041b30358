/**
 * `npm run classifier:conformance -- --endpoint <url> [--config <file>] [--region <name>]
 *                                    [--deadline-ms <n>] [--concurrency <n>] [--requests <n>] [--json <file|->]`
 *
 * Checks a tier-2 classifier image against the contract (docs/classifier-contract.md): ping,
 * invocations and content types, response schema, scores in range, garbage and oversize input, and
 * p99 latency under the region's `classifier.invocationDeadlineMs` at `classifier.invocationConcurrency`
 * (from the config; `--deadline-ms` / `--concurrency` override). Prints a text report; `--json` writes
 * the JSON report. Exit 0 when the image conforms, 1 when a check failed, 2 on bad usage.
 *
 * Point it at a container you started (`docker run -p 8080:8080 <image> serve`): `--endpoint http://127.0.0.1:8080`.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../bin/load-config';
import { formatReport, runConformance } from '../classifier/conformance/suite';
import type { SafeguardsConfig } from '../config/schema';

function usage(message: string): never {
  process.stderr.write(
    `classifier:conformance: ${message}\nusage: npm run classifier:conformance -- --endpoint <http://host:port> [--config <file>] [--region <name>] [--deadline-ms <n>] [--concurrency <n>] [--requests <n>] [--json <file|->]\n`,
  );
  process.exit(2);
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) usage(`--${name}: expected a positive integer, got '${raw}'`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        endpoint: { type: 'string' },
        config: { type: 'string' },
        region: { type: 'string' },
        'deadline-ms': { type: 'string' },
        concurrency: { type: 'string' },
        requests: { type: 'string' },
        json: { type: 'string' },
      },
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (e) {
    usage((e as Error).message);
  }
  const endpoint = values['endpoint'];
  if (!endpoint) usage('--endpoint is required');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    usage(`--endpoint: not a URL: '${endpoint}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    usage('--endpoint: expected http:// or https://');

  let config: SafeguardsConfig;
  try {
    config = loadConfig(values['config'] ?? DEFAULT_CONFIG_PATH);
  } catch (e) {
    usage((e as Error).message);
  }
  const region = values['region']
    ? config.regions.find((r) => r.region === values['region'])
    : config.regions[0];
  if (!region) usage(`--region ${values['region']}: not in the config`);
  const deadlineMs =
    positiveInt('deadline-ms', values['deadline-ms']) ?? region.classifier.invocationDeadlineMs;
  const concurrency =
    positiveInt('concurrency', values['concurrency']) ?? region.classifier.invocationConcurrency;
  const loadRequests = positiveInt('requests', values['requests']);

  const report = await runConformance({
    endpoint: url.toString(),
    deadlineMs,
    concurrency,
    ...(loadRequests !== undefined ? { loadRequests } : {}),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  const json = values['json'];
  if (json === '-') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (json) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(report.passed ? 0 : 1);
}

main().catch((e: unknown) => {
  process.stderr.write(`classifier:conformance: ${(e as Error).message}\n`);
  process.exit(1);
});
