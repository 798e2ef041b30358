import { createServer, type Server } from 'node:http';
import { loadConfig } from '../../../bin/load-config';
import { type ConformanceReport, formatReport, runConformance } from '../../../classifier/conformance/suite';
import { close, listen } from '../../../local/http-util';
import { type ReferenceClassifier, startReferenceClassifier } from '../../../local/reference-classifier';

const statusOf = (r: ConformanceReport, id: string) => r.checks.find((c) => c.id === id)?.status;

describe('classifier conformance suite', () => {
  // The deadline and concurrency the example config's first region asks of its image.
  const { invocationDeadlineMs, invocationConcurrency } = loadConfig('config/example.config.json').regions[0]!
    .classifier;
  let server: ReferenceClassifier;

  beforeAll(async () => {
    server = await startReferenceClassifier();
  });
  afterAll(() => server.close());
  afterEach(() => server.setFaults({}));

  test('the local reference server (the container code on CPU) conforms', async () => {
    const report = await runConformance({
      endpoint: server.url,
      deadlineMs: invocationDeadlineMs,
      concurrency: invocationConcurrency,
      loadRequests: 120,
      // Timing is printed, not judged, on a shared test machine: the CLI enforces it.
      enforceLatency: false,
    });
    process.stdout.write(`${formatReport(report)}\n`);
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed).toEqual([]);
    // Warnings allowed only for timing (the verdict of the CLI, not of this test).
    const warned = report.checks.filter((c) => c.status === 'warn').map((c) => c.id);
    expect(warned.filter((id) => id !== 'latency' && id !== 'largest-payload')).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.model).toBe(server.model);
    expect(report.latency.load).toMatchObject({
      errors: 0,
      requests: 120,
      concurrency: invocationConcurrency,
    });
    expect(report.checks.filter((c) => c.id.startsWith('garbage.'))).toHaveLength(12);
  }, 120_000);

  test('fails an image whose answers are not the contract', async () => {
    server.setFaults({ garbage: true });
    const report = await runConformance({
      endpoint: server.url,
      deadlineMs: 1_000,
      concurrency: 2,
      loadRequests: 4,
    });
    expect(report.passed).toBe(false);
    expect(statusOf(report, 'invoke-json')).toBe('fail');
    expect(statusOf(report, 'exchange')).toBe('fail');
    expect(report.checks.find((c) => c.id === 'invoke-json')?.detail).toMatch(/not the contract shape/);
  }, 60_000);

  test('fails an image that fails under load (5xx answers count as errors, not latency)', async () => {
    server.setFaults({ fail: true });
    const report = await runConformance({
      endpoint: server.url,
      deadlineMs: 1_000,
      concurrency: 2,
      loadRequests: 4,
      enforceLatency: false,
    });
    expect(statusOf(report, 'latency')).toBe('fail');
    expect(report.latency.load.errors).toBe(4);
  }, 60_000);

  test('fails a slow image when latency is enforced', async () => {
    server.setFaults({ delayMs: 120 });
    const report = await runConformance({
      endpoint: server.url,
      deadlineMs: 20,
      concurrency: 2,
      loadRequests: 6,
    });
    expect(statusOf(report, 'latency')).toBe('fail');
    expect(report.passed).toBe(false);
  }, 60_000);

  describe('against a constant, permissive fake', () => {
    let fake: Server;
    let url: string;
    beforeAll(async () => {
      // Answers every request 200 with the same valid scores, whatever it is sent.
      fake = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ scores: { harmful: 0.1, jailbreak: 0.1, injection: 0.1 } }));
        });
      });
      url = await listen(fake, 0);
    });
    afterAll(() => close(fake));

    test('is caught: constant scores and 200 for garbage fail the suite', async () => {
      const report = await runConformance({
        endpoint: url,
        deadlineMs: 1_000,
        concurrency: 2,
        loadRequests: 4,
      });
      expect(report.passed).toBe(false);
      expect(statusOf(report, 'input-sensitive')).toBe('fail');
      expect(statusOf(report, 'garbage.invalid-json')).toBe('fail');
      expect(statusOf(report, 'garbage.content-type')).toBe('fail');
      expect(statusOf(report, 'garbage.oversize-body')).toBe('fail');
      // Truncating a long input instead of refusing it is tolerated, not silent.
      expect(statusOf(report, 'garbage.oversize-inputs')).toBe('warn');
    }, 60_000);
  });

  test('an endpoint that is not there fails every check without throwing', async () => {
    const report = await runConformance({
      endpoint: 'http://127.0.0.1:9',
      deadlineMs: 100,
      concurrency: 1,
      loadRequests: 2,
      probeTimeoutMs: 2_000,
    });
    expect(report.passed).toBe(false);
    expect(statusOf(report, 'ping')).toBe('fail');
    expect(report.checks.find((c) => c.id === 'ping')?.detail).toMatch(/no HTTP answer/);
  }, 60_000);
});
