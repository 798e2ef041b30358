/**
 * Upstream credentials never travel: the gateway runs with an upstream API key against a local upstream that
 * answers 307 to another local origin. That origin must never see the prompt or the key, and the client gets a
 * 502 saying what happened. An upstream refusing the key (401/403) is a 502 naming the credentials, not a
 * retryable 503.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, listen } from '../../../local/http-util';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime';

const KEY = 'sk-upstream-secret-0123456789';
const PROMPT = 'the quarterly numbers are 4711';

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

function recorder(
  answer: (seen: Seen) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '{}');
    });
  });
  return { server, seen };
}

describe('upstream credentials go to the configured origin only', () => {
  const elsewhere = recorder(() => ({ status: 200, body: '{}' }));
  let elsewhereUrl = '';
  let status = 307;
  const upstream = recorder(() =>
    status === 307
      ? { status: 307, headers: { location: `${elsewhereUrl}/v1/messages` } }
      : {
          status,
          body: '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
        },
  );
  let rt: LocalRuntime;
  let dataDir: string;

  beforeAll(async () => {
    elsewhereUrl = await listen(elsewhere.server, 0);
    const upstreamUrl = await listen(upstream.server, 0);
    dataDir = mkdtempSync(join(tmpdir(), 'csp-redirect-'));
    rt = await startLocalRuntime({
      port: 0,
      dataDir,
      publish: false,
      classifier: false,
      upstreamUrl,
      upstreamApiKey: KEY,
      models: ['claude-x'],
      log: () => {},
    });
  }, 30_000);
  afterAll(async () => {
    await rt?.stop();
    await close(elsewhere.server);
    await close(upstream.server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ask = () =>
    fetch(`${rt.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': rt.demo.apiKey,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({
        model: 'claude-x',
        max_tokens: 16,
        messages: [{ role: 'user', content: PROMPT }],
      }),
    });

  test('a 307 to another origin is not followed: that origin gets neither the prompt nor the key; the client gets 502', async () => {
    status = 307;
    const res = await ask();
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(upstream.seen.length).toBeGreaterThan(0);
    expect(upstream.seen.at(-1)?.headers['x-api-key']).toBe(KEY);
    expect(upstream.seen.at(-1)?.body).toContain(PROMPT);
    expect(elsewhere.seen).toEqual([]);
    expect(res.status).toBe(502);
    expect(body.error.message).toContain('redirect');
    expect(JSON.stringify(body)).not.toContain(KEY);
  });

  test.each([401, 403])(
    'upstream %i → 502 saying the upstream refused the gateway credentials (not 503)',
    async (s) => {
      status = s;
      const res = await ask();
      const body = (await res.json()) as { error: { type: string; message: string } };
      expect(res.status).toBe(502);
      expect(body.error.type).toBe('api_error');
      expect(body.error.message).toContain("refused the gateway's credentials");
      expect(elsewhere.seen).toEqual([]);
    },
  );
});
