/**
 * Decision records survive a kill -9 of the gateway during load. The gateway runs in its own process (the
 * bench's runtime child: gateway + reference classifier + batched JSONL telemetry, enforcement tables in a
 * dynalite of this process); 16 clients send requests over keep-alive connections until the gateway is
 * killed with SIGKILL mid-load. Every request whose response arrived complete must have its record in the
 * file: a response is released only after its record's batch is written (local/telemetry-sink.ts). Records
 * of requests still in flight may exist or not; the file never holds a torn line.
 *
 * Bounded: the kill comes after 200 complete answers or 20 s; at most 1,500 requests are sent.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, startReady } from '../../../bench/support/processes';
import { type DemoUpstream, startDemoUpstream } from '../../../local/demo-upstream';
import { type LocalDynamo, startDynalite } from '../support/dynalite';

jest.setTimeout(60_000);

const CLIENTS = 16;
const MAX_REQUESTS = 1_500;
const KILL_AFTER_ANSWERS = 200;
const KILL_AFTER_MS = 20_000;

interface Answer {
  readonly status: number;
  readonly requestId: string;
}

/** One POST; resolves only with a complete response (its body ended), rejects on any connection error. */
function post(agent: Agent, url: URL, apiKey: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/v1/messages',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          'x-api-key': apiKey,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (!res.complete) return reject(new Error('response cut'));
          resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['request-id'] ?? '') });
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('telemetry survives kill -9 of the gateway under load', () => {
  let dynamo: LocalDynamo;
  let upstream: DemoUpstream;
  let gateway: Child | undefined;
  let dir: string;

  beforeAll(async () => {
    dynamo = await startDynalite('local-');
    upstream = await startDemoUpstream({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'csp-kill-'));
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.close();
    await dynamo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every answered request has its record; the file has no torn line', async () => {
    // GIVEN the gateway in its own process with a high-limit tenant
    const ready = await startReady<{ url: string; apiKey: string; telemetryPath: string }>([
      '--import',
      'tsx',
      join(__dirname, '..', '..', '..', 'bench', 'support', 'runtime-child.ts'),
      upstream.url,
      dir,
      dynamo.endpoint,
    ]);
    gateway = ready.child;
    const url = new URL(ready.info.url);
    const answered: Answer[] = [];
    let sent = 0;
    let failed = 0;
    // WHEN 16 clients send requests and the gateway is killed with SIGKILL mid-load
    const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    const loops = agents.map(async (agent, i) => {
      for (;;) {
        if (sent >= MAX_REQUESTS) return;
        sent++;
        const body = JSON.stringify({
          model: 'demo',
          max_tokens: 32,
          messages: [{ role: 'user', content: `Client ${i}, request ${sent}: suggest a name for a garden.` }],
        });
        try {
          answered.push(await post(agent, url, ready.info.apiKey, body));
        } catch {
          failed++;
          return;
        }
      }
    });
    // Kill once the load is well under way.
    const killAt = Date.now() + KILL_AFTER_MS;
    while (answered.length < KILL_AFTER_ANSWERS && sent < MAX_REQUESTS && Date.now() < killAt)
      await new Promise((r) => setTimeout(r, 5));
    const exited = new Promise((r) => ready.child.proc.once('exit', r));
    process.kill(ready.child.pid, 'SIGKILL');
    await exited;
    await Promise.all(loops);
    for (const a of agents) a.destroy();

    // THEN every complete response's decision id is in the file, which holds whole lines only
    const text = readFileSync(ready.info.telemetryPath, 'utf8');
    const lines = text.split('\n');
    const tail = lines.pop();
    expect(tail).toBe('');
    const ids = new Set(lines.map((l) => (JSON.parse(l) as { decisionId: string }).decisionId));
    const missing = answered.filter((a) => !ids.has(a.requestId));
    const bench = lines.length;
    process.stdout.write(
      `kill -9 under load: ${sent} sent, ${answered.length} answered completely, ${failed} cut by the kill; ` +
        `${bench} records in the file (${bench - answered.length} of requests not answered), ${missing.length} answered without a record\n`,
    );
    expect(answered.length).toBeGreaterThan(50);
    expect(answered.every((a) => a.status === 200)).toBe(true);
    expect(failed).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
