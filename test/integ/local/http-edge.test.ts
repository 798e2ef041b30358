/**
 * The local gateway's HTTP edge against real clients (node:http and undici's fetch) on 127.0.0.1:0: oversized
 * bodies get a 413 JSON answer the client actually reads (no connection reset), non-JSON media types 415, a
 * missing `anthropic-version` 400, a wrong method 405 with `Allow`, oversized headers 431 JSON — each with
 * `request-id` and exactly one decision record with the `refuse` action. The proxy Lambda's twin is
 * test/unit/lambdas/proxy/handler.http-edge.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecisionRecord } from '../../../lambdas/core/decision/record';
import { MAX_HEADER_BYTES } from '../../../local/gateway';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime';
import { readDecisionRecords } from '../../../local/telemetry-sink';
import { MESSAGES_HEADERS, messagesHeaders } from '../support/http';

const MiB = 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly clientError?: string;
}

/**
 * POSTs with node:http, writing the body in 64 KiB chunks (declared length, or chunked when `chunked`).
 * Resolves once the response was read AND the request finished: `clientError` is any socket error the client
 * saw on the way (a reset while it was still sending, say) — a clean exchange has none.
 */
function nodePost(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  opts: { chunked?: boolean; method?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answer: Omit<Answer, 'clientError'> | undefined;
    let clientError: string | undefined;
    const req = httpRequest(
      `${url}${path}`,
      {
        method: opts.method ?? 'POST',
        headers: opts.chunked ? headers : { ...headers, 'content-length': String(body.length) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          answer = {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          };
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      clientError = e.code ?? e.message;
    });
    req.on('close', () => {
      // Give a reset that races the response a moment to surface.
      setTimeout(() => {
        if (answer) resolve({ ...answer, ...(clientError ? { clientError } : {}) });
        else reject(new Error(`no response: ${clientError ?? 'closed'}`));
      }, 50);
    });
    let offset = 0;
    const pump = () => {
      while (offset < body.length) {
        if (req.destroyed) return;
        const chunk = body.subarray(offset, offset + 64 * 1024);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** A Messages body of about `bytes` bytes. */
const bigBody = (bytes: number): Buffer =>
  Buffer.from(
    JSON.stringify({
      model: 'demo',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'a'.repeat(bytes) }],
    }),
  );

const SMALL = JSON.stringify({
  model: 'demo',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'Hello' }],
});

describe('local gateway HTTP edge', () => {
  let rt: LocalRuntime;
  let dataDir: string;
  const records = (): DecisionRecord[] => readDecisionRecords(rt.telemetry.path);
  const recordsFor = (id: string) => records().filter((r) => r.decisionId === id);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'csp-http-edge-'));
    rt = await startLocalRuntime({ port: 0, dataDir, publish: false, classifier: false, log: () => {} });
  }, 30_000);
  afterAll(async () => {
    await rt?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** JSON in the route's shape with request-id = the decision id, and exactly one refusal record. */
  function expectRefused(a: Answer, status: number): DecisionRecord {
    expect(a.status).toBe(status);
    expect(String(a.headers['content-type'])).toBe('application/json');
    const id = a.headers['request-id'] as string;
    expect(id).toMatch(/^dec_[0-9a-f]{32}$/);
    const found = recordsFor(id);
    expect(found).toHaveLength(1);
    expect(found[0]).toEqual(expect.objectContaining({ action: 'refuse', status }));
    return found[0] as DecisionRecord;
  }

  test.each([
    ['7 MiB, declared length', 7 * MiB, false],
    ['10 MiB, declared length', 10 * MiB, false],
    ['10 MiB, chunked', 10 * MiB, true],
  ])(
    'fails when the body is %s: node:http reads a 413 JSON answer, no reset',
    async (_n, size, chunked) => {
      const a = await nodePost(
        rt.gateway.url,
        '/v1/messages',
        messagesHeaders(rt.demo.apiKey),
        bigBody(size),
        {
          chunked,
        },
      );
      const rec = expectRefused(a, 413);
      expect(JSON.parse(a.body)).toEqual({
        type: 'error',
        error: { type: 'request_too_large', message: expect.stringContaining('request body exceeds') },
        request_id: a.headers['request-id'],
      });
      expect(rec.error).toEqual({ type: 'request_too_large', field: '' });
    },
    30_000,
  );

  test('fails when a client that reads only after sending the whole body (as Python http.client does) posts 10 MiB: it reads the 413', async () => {
    const body = bigBody(10 * MiB);
    const head = [
      'POST /v1/messages HTTP/1.1',
      'host: 127.0.0.1',
      ...Object.entries(messagesHeaders(rt.demo.apiKey)).map(([k, v]) => `${k}: ${v}`),
      `content-length: ${body.length}`,
      '',
      '',
    ].join('\r\n');
    const port = Number(new URL(rt.gateway.url).port);
    const result = await new Promise<{ raw: string; error?: string }>((resolve) => {
      const chunks: Buffer[] = [];
      let error: string | undefined;
      const socket = connect(port, '127.0.0.1');
      socket.pause(); // Nothing is read until the whole body is written.
      socket.on('error', (e: NodeJS.ErrnoException) => {
        error = e.code ?? e.message;
      });
      socket.on('close', () =>
        resolve({ raw: Buffer.concat(chunks).toString('utf8'), ...(error ? { error } : {}) }),
      );
      socket.write(head);
      socket.write(body, () => {
        socket.on('data', (c: Buffer) => {
          chunks.push(c);
          // One response is all this client wants.
          if (Buffer.concat(chunks).toString('utf8').includes('"request_id"')) socket.end();
        });
        socket.resume();
      });
    });
    expect(result.error).toBeUndefined();
    expect(result.raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(result.raw).toContain('"type":"request_too_large"');
  }, 30_000);

  test('fails when undici (fetch) posts 10 MiB: it reads the 413 JSON, and the gateway serves the next request', async () => {
    const res = await fetch(`${rt.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: messagesHeaders(rt.demo.apiKey),
      body: bigBody(10 * MiB),
    });
    expect(res.status).toBe(413);
    const json = (await res.json()) as { error: { type: string } };
    expect(json.error.type).toBe('request_too_large');
    expect(recordsFor(res.headers.get('request-id') ?? '')).toHaveLength(1);
    const next = await fetch(`${rt.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: messagesHeaders(rt.demo.apiKey),
      body: SMALL,
    });
    expect(next.status).toBe(200);
  }, 30_000);

  test('fails when an unauthenticated client posts 10 MiB: it reads the 401 JSON, no reset', async () => {
    const a = await nodePost(rt.gateway.url, '/v1/messages', { ...MESSAGES_HEADERS }, bigBody(10 * MiB));
    expect(a.clientError).toBeUndefined();
    expectRefused(a, 401);
  }, 30_000);

  test('fails when a body never ends past the drain bound: the connection is closed, not held open', async () => {
    // 2 MiB limit + 16 MiB drained: a 40 MiB body is cut off. The client either reads the 413 or sees the close.
    const outcome = await nodePost(
      rt.gateway.url,
      '/v1/messages',
      messagesHeaders(rt.demo.apiKey),
      bigBody(40 * MiB),
    )
      .then((a) => a.status)
      .catch((e: NodeJS.ErrnoException) => e.code);
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(outcome);
  }, 30_000);

  test.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form-encoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['missing', {}],
  ])('fails when the content type is %s: 415', async (_n, ct) => {
    const headers: Record<string, string> = {
      'x-api-key': rt.demo.apiKey,
      'anthropic-version': '2023-06-01',
      ...ct,
    };
    const a = await nodePost(rt.gateway.url, '/v1/messages', headers, Buffer.from(SMALL));
    const rec = expectRefused(a, 415);
    expect(JSON.parse(a.body).error.type).toBe('invalid_request_error');
    expect(rec.error).toEqual({ type: 'invalid_request_error', field: 'content-type' });
  });

  test('serves application/json with parameters, in any case', async () => {
    const a = await nodePost(
      rt.gateway.url,
      '/v1/messages',
      messagesHeaders(rt.demo.apiKey, { 'content-type': 'Application/JSON; charset=UTF-8' }),
      Buffer.from(SMALL),
    );
    expect(a.status).toBe(200);
    // A non-streamed answer leaves whole, with its length (no chunked encoding).
    expect(a.headers['content-length']).toBe(String(Buffer.byteLength(a.body, 'utf8')));
    expect(a.headers['transfer-encoding']).toBeUndefined();
  });

  test('fails when anthropic-version is missing: 400 invalid_request_error naming the header', async () => {
    const a = await nodePost(
      rt.gateway.url,
      '/v1/messages',
      { 'x-api-key': rt.demo.apiKey, 'content-type': 'application/json' },
      Buffer.from(SMALL),
    );
    const rec = expectRefused(a, 400);
    expect(JSON.parse(a.body).error).toEqual({
      type: 'invalid_request_error',
      message: 'anthropic-version: header is required',
    });
    expect(rec.error).toEqual({ type: 'invalid_request_error', field: 'anthropic-version' });
  });

  test('the Bedrock route needs no anthropic-version', async () => {
    const body = JSON.stringify({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const a = await nodePost(
      rt.gateway.url,
      '/model/anthropic.claude-demo-v1%3A0/invoke',
      { authorization: `Bearer ${rt.demo.apiKey}`, 'content-type': 'application/json' },
      Buffer.from(body),
    );
    expect(a.status).toBe(200);
  });

  test.each([
    ['GET', '/v1/messages', undefined],
    ['PUT', '/v1/messages', undefined],
    ['DELETE', '/model/anthropic.claude-demo-v1%3A0/invoke', 'ValidationException'],
  ])('fails when the method is %s on %s: 405 with Allow, JSON', async (method, path, bedrockType) => {
    const a = await nodePost(rt.gateway.url, path, messagesHeaders(rt.demo.apiKey), Buffer.from(''), {
      method,
    });
    const rec = expectRefused(a, 405);
    expect(a.headers['allow']).toBe('POST');
    expect(a.headers['x-amzn-errortype']).toBe(bedrockType);
    expect(rec.reason).toBe('method_not_allowed');
  });

  test('fails when the method is wrong and no key is sent: 401 first, as the API authorizes its ANY method', async () => {
    const a = await nodePost(
      rt.gateway.url,
      '/v1/messages',
      { 'anthropic-version': '2023-06-01' },
      Buffer.from(''),
      {
        method: 'GET',
      },
    );
    expectRefused(a, 401);
    expect(a.headers['allow']).toBeUndefined();
  });

  test('fails when the path is unknown: 404 JSON', async () => {
    const a = await nodePost(
      rt.gateway.url,
      '/v1/complete',
      messagesHeaders(rt.demo.apiKey),
      Buffer.from(SMALL),
    );
    expectRefused(a, 404);
  });

  test('fails when the headers are over the limit: 431 JSON with request-id, recorded', async () => {
    const a = await nodePost(
      rt.gateway.url,
      '/v1/messages',
      messagesHeaders(rt.demo.apiKey, { 'x-padding': 'p'.repeat(MAX_HEADER_BYTES + 1) }),
      Buffer.from(SMALL),
    );
    const rec = expectRefused(a, 431);
    expect(JSON.parse(a.body)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'request headers are too large' },
      request_id: a.headers['request-id'],
    });
    expect(rec.reason).toBe('headers_too_large');
  });

  test('headers just under the limit are served', async () => {
    const a = await nodePost(
      rt.gateway.url,
      '/v1/messages',
      messagesHeaders(rt.demo.apiKey, { 'x-padding': 'p'.repeat(MAX_HEADER_BYTES - 1024) }),
      Buffer.from(SMALL),
    );
    expect(a.status).toBe(200);
  });

  test('fails when the request line is not HTTP: 400 JSON with request-id, recorded', async () => {
    const port = Number(new URL(rt.gateway.url).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('NOT-HTTP\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const id = /\r\nrequest-id: (dec_[0-9a-f]{32})\r\n/.exec(raw)?.[1] ?? '';
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.type).toBe('invalid_request_error');
    expect(recordsFor(id)).toEqual([
      expect.objectContaining({ action: 'refuse', status: 400, reason: 'malformed_http' }),
    ]);
  });
});
