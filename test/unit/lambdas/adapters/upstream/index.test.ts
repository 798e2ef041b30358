import 'aws-sdk-client-mock-jest';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import {
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  ModelError,
  SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import {
  anthropicHttpUpstream,
  HeadDeadlines,
  parseRetryAfter,
  sagemakerUpstream,
} from '../../../../../lambdas/adapters/upstream';
import { CallAbort, type UpstreamError } from '../../../../../lambdas/core/serving';
import { STREAM_EVENTS } from './fixtures';

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const events = STREAM_EVENTS;
async function* from<T>(items: T[]) {
  for (const i of items) yield i;
}
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const signal = () => new AbortController().signal;

describe('sagemakerUpstream', () => {
  const sm = mockClient(SageMakerRuntimeClient);
  beforeEach(() => sm.reset());

  test('stream parses SSE split across payload parts', async () => {
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const parts = [sse.slice(0, 7), sse.slice(7, 100), sse.slice(100)].map((s) => ({
      PayloadPart: { Bytes: bytes(s) },
    }));
    sm.on(InvokeEndpointWithResponseStreamCommand).resolves({ Body: from(parts) as never });
    const up = sagemakerUpstream(new SageMakerRuntimeClient({}), { endpointName: 'model-ep' });
    const out = await collect(up.stream({ max_tokens: 1 }, 'claude-x', signal()));
    expect(out).toEqual(events);
    expect(sm).toHaveReceivedCommandWith(InvokeEndpointWithResponseStreamCommand, {
      EndpointName: 'model-ep',
    });
    const body = JSON.parse(
      new TextDecoder().decode(
        sm.commandCalls(InvokeEndpointWithResponseStreamCommand)[0]?.args[0].input.Body as Uint8Array,
      ),
    );
    expect(body).toEqual({ model: 'claude-x', max_tokens: 1, stream: true });
  });

  test('ModelError with original 429 → throttled; 500 → unavailable', async () => {
    sm.on(InvokeEndpointCommand)
      .rejectsOnce(new ModelError({ message: 'x', $metadata: {}, OriginalStatusCode: 429 }))
      .rejectsOnce(new ModelError({ message: 'x', $metadata: {}, OriginalStatusCode: 500 }));
    const up = sagemakerUpstream(new SageMakerRuntimeClient({}), { endpointName: 'ep' });
    await expect(up.invoke({}, 'm', signal())).rejects.toEqual(
      expect.objectContaining({ kind: 'throttled' }),
    );
    await expect(up.invoke({}, 'm', signal())).rejects.toEqual(
      expect.objectContaining({ kind: 'unavailable' }),
    );
  });
});

describe('anthropicHttpUpstream', () => {
  /** A model server on 127.0.0.1:0 that records each request and answers with `reply`. */
  async function modelServer(reply: (req: IncomingMessage, res: ServerResponse) => void) {
    const calls: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }> = [];
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        reply(req, res);
      });
    });
    server.on('connection', (s) => sockets.add(s));
    const url = await new Promise<string>((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      ),
    );
    return {
      url,
      calls,
      /** TCP connections the server accepted. */
      connections: () => sockets.size,
      close: async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    };
  }
  const servers: Array<{ close(): Promise<void> }> = [];
  async function serve(reply: (req: IncomingMessage, res: ServerResponse) => void) {
    const s = await modelServer(reply);
    servers.push(s);
    return s;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  test('posts to /v1/messages with the secret key and parses the SSE stream', async () => {
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const m = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Split mid-event: the parser reassembles across chunks.
      res.write(sse.slice(0, 37));
      setTimeout(() => res.end(sse.slice(37)), 5);
    });
    const up = anthropicHttpUpstream({ baseUrl: `${m.url}/`, apiKey: async () => 'sk-secret' });
    const out = await collect(up.stream({ max_tokens: 1 }, 'claude-x', signal()));
    expect(out).toEqual(events);
    expect(m.calls[0]?.method).toBe('POST');
    expect(m.calls[0]?.path).toBe('/v1/messages');
    expect(m.calls[0]?.headers).toEqual(
      expect.objectContaining({ 'x-api-key': 'sk-secret', accept: 'text/event-stream' }),
    );
    expect(JSON.parse(m.calls[0]?.body ?? '')).toEqual({ model: 'claude-x', max_tokens: 1, stream: true });
  });

  test('GIVEN allowlisted beta flags in the model body WHEN called THEN they travel as the anthropic-beta header, not in the body', async () => {
    const m = await serve((_req, res) => json(res, 200, { type: 'message', content: [] }));
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    await up.invoke(
      { max_tokens: 1, anthropic_beta: ['context-management-2025-06-27', 'effort-2025-11-24'] },
      'claude-x',
      signal(),
    );
    expect(m.calls[0]?.headers).toEqual(
      expect.objectContaining({ 'anthropic-beta': 'context-management-2025-06-27,effort-2025-11-24' }),
    );
    expect(JSON.parse(m.calls[0]?.body ?? '')).toEqual({ model: 'claude-x', max_tokens: 1 });
  });

  test.each([
    [429, 'throttled'],
    [529, 'unavailable'],
    [500, 'unavailable'],
    [504, 'timeout'],
    [400, 'rejected'],
    [401, 'credentials'],
    [403, 'credentials'],
    [307, 'redirect'],
    [301, 'redirect'],
  ] as const)('status %i → %s, and a redirect is not followed', async (status, kind) => {
    const elsewhere = await serve((_req, res) => json(res, 200, { type: 'message', content: [] }));
    const m = await serve((_req, res) =>
      json(res, status, '{"type":"error"}', { 'retry-after': '2', location: `${elsewhere.url}/v1/messages` }),
    );
    const up = anthropicHttpUpstream({ baseUrl: m.url, apiKey: async () => 'k' });
    const err = await up.invoke({}, 'm', signal()).catch((e: unknown) => e);
    expect(err).toEqual(expect.objectContaining({ kind, status }));
    if (status === 429) expect((err as UpstreamError).retryAfterMs).toBe(2000);
    expect(m.calls).toHaveLength(1);
    expect(elsewhere.calls).toHaveLength(0);
  });

  test('a base path is kept and only that origin is called', async () => {
    const m = await serve((_req, res) => json(res, 200, { type: 'message', content: [] }));
    const up = anthropicHttpUpstream({ baseUrl: `${m.url}/anthropic/` });
    await up.invoke({}, 'm', signal());
    expect(m.calls.map((c) => c.path)).toEqual(['/anthropic/v1/messages']);
  });

  test('a base URL that is not http(s) is refused at construction', () => {
    expect(() => anthropicHttpUpstream({ baseUrl: 'file:///etc/passwd' })).toThrow(/http\(s\)/);
  });

  test('calls in sequence reuse one keep-alive connection, error answers included', async () => {
    let n = 0;
    const m = await serve((_req, res) =>
      ++n % 3 === 0 ? json(res, 429, '{"type":"error"}') : json(res, 200, { type: 'message', content: [] }),
    );
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    for (let i = 0; i < 9; i++) await up.invoke({}, 'm', signal()).catch(() => undefined);
    expect(m.calls).toHaveLength(9);
    expect(m.connections()).toBe(1);
  });

  test('a body that is not JSON fails as invalid', async () => {
    const m = await serve((_req, res) => json(res, 200, 'not json'));
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    await expect(up.invoke({}, 'm', signal())).rejects.toEqual(expect.objectContaining({ kind: 'invalid' }));
  });

  test('no response head within headersTimeoutMs → timeout, and the next call still works', async () => {
    // GIVEN a loopback model server that holds the first request and answers the next ones
    const held: ServerResponse[] = [];
    const m = await serve((_req, res) => {
      if (held.length === 0) held.push(res);
      else json(res, 200, { type: 'message', content: [] });
    });
    try {
      const up = anthropicHttpUpstream({ baseUrl: m.url, headersTimeoutMs: 150 });
      const t = Date.now();
      const err = await up.invoke({}, 'm', signal()).catch((e: unknown) => e);
      expect(err).toEqual(expect.objectContaining({ kind: 'timeout' }));
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
      expect(Date.now() - t).toBeLessThan(5_000);
      await expect(up.invoke({}, 'm', signal())).resolves.toEqual({ type: 'message', content: [] });
    } finally {
      for (const r of held) r.destroy();
    }
  });

  test('a head that trickles in byte by byte is still bounded by the deadline', async () => {
    // GIVEN a server that keeps the connection busy with a status line sent one byte at a time
    const sockets: Socket[] = [];
    const server = createNetServer((s) => {
      sockets.push(s);
      s.on('data', () => undefined);
      const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n'.split('');
      const timer = setInterval(() => {
        const c = head.shift();
        if (c === undefined) s.write('x-pad: 1\r\n');
        else s.write(c);
      }, 10);
      s.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const up = anthropicHttpUpstream({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        headersTimeoutMs: 200,
      });
      const t = Date.now();
      const err = await up.invoke({}, 'm', signal()).catch((e: unknown) => e);
      expect(err).toEqual(expect.objectContaining({ kind: 'timeout' }));
      expect(Date.now() - t).toBeLessThan(5_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  test('a stream that has started is not cut by the head deadline', async () => {
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    const m = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders(); // the head at once, the events over 2.4 s: past the 1 s deadline
      let i = 0;
      const timer = setInterval(() => {
        if (i < sse.length) res.write(sse[i++]);
        else {
          clearInterval(timer);
          res.end();
        }
      }, 400);
    });
    const up = anthropicHttpUpstream({ baseUrl: m.url, headersTimeoutMs: 1_000 });
    expect(await collect(up.stream({}, 'm', signal()))).toEqual(events);
  }, 15_000);

  test('an abort by the caller fails the call as aborted', async () => {
    const held: ServerResponse[] = [];
    const m = await serve((_req, res) => held.push(res));
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    const c = new AbortController();
    const p = up.invoke({}, 'm', c.signal).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    c.abort();
    expect(await p).toEqual(expect.objectContaining({ kind: 'aborted' }));
    for (const r of held) r.destroy();
  });

  test('an abort by the caller mid-stream stops the stream as aborted and closes its connection', async () => {
    let closed = false;
    const m = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: message_start\ndata: ${JSON.stringify(events[0])}\n\n`);
      req.socket.on('close', () => {
        closed = true;
      });
    });
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    const c = new AbortController();
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const e of up.stream({}, 'm', c.signal)) {
        seen.push(e);
        setTimeout(() => c.abort(), 10);
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([events[0]]);
    expect(err).toEqual(expect.objectContaining({ kind: 'aborted' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(true);
  });

  test('an abort after a call has ended never touches the connection, which serves the next call', async () => {
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const m = await serve((req, res) => {
      const body = m.calls.at(-1)?.body ?? '';
      setTimeout(() => {
        if (JSON.parse(body).stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(sse);
        } else json(res, 200, { type: 'message', content: [] });
      }, 30);
      req.resume();
    });
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    // A call read to its end, then one stopped after its first event (a blocked output), each aborted afterwards
    // while the next call is in flight on the same keep-alive connection.
    const first = new AbortController();
    await up.invoke({}, 'm', first.signal);
    const next = up.invoke({}, 'm', signal());
    first.abort();
    await expect(next).resolves.toEqual({ type: 'message', content: [] });
    const stopped = new AbortController();
    for await (const _ of up.stream({}, 'm', stopped.signal)) break;
    const after = up.invoke({}, 'm', signal());
    stopped.abort();
    await expect(after).resolves.toEqual({ type: 'message', content: [] });
  });

  test('an abort while the reader holds an event (as serving does on a blocked output) stops the stream cleanly', async () => {
    const sse = (list: typeof events) =>
      list.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    let n = 0;
    const m = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Whole streams (received completely, read in part) and streams that stay open.
      if (n++ % 2 === 0) res.end(sse(events));
      else res.write(sse(events.slice(0, 2)));
    });
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    for (let i = 0; i < 4; i++) {
      const c = new AbortController();
      const it = up.stream({}, 'm', c.signal)[Symbol.asyncIterator]();
      expect((await it.next()).value).toEqual(events[0]);
      c.abort();
      await new Promise((r) => setTimeout(r, 10));
      await it.return?.(undefined);
    }
    expect(m.calls).toHaveLength(4);
  });

  test('a connection reset mid-stream fails the stream as unavailable', async () => {
    const m = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: message_start\ndata: ${JSON.stringify(events[0])}\n\n`);
      setTimeout(() => req.socket.destroy(), 20);
    });
    const up = anthropicHttpUpstream({ baseUrl: m.url });
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const e of up.stream({}, 'm', signal())) seen.push(e);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([events[0]]);
    expect(err).toEqual(expect.objectContaining({ kind: 'unavailable' }));
  });

  test('HeadDeadlines: one timer expires every call past its deadline, settled calls never expire', async () => {
    let now = 0;
    const d = new HeadDeadlines(100, () => now);
    const expired: string[] = [];
    const a = d.start(() => expired.push('a'));
    now = 50;
    d.start(() => expired.push('b'));
    d.settle(a);
    now = 120;
    await new Promise((r) => setTimeout(r, 130));
    expect(expired).toEqual([]); // b is due at 150
    now = 160;
    await new Promise((r) => setTimeout(r, 80));
    expect(expired).toEqual(['b']);
    expect(d.size).toBe(0);
  });

  test('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('SDK upstreams and the caller abort', () => {
  /** A client whose `send` waits until the signal it was given aborts, then rejects as the SDK does. */
  const hangingClient = () => {
    const seen: AbortSignal[] = [];
    const client = {
      send: (_command: unknown, options: { abortSignal: AbortSignal }) => {
        seen.push(options.abortSignal);
        return new Promise((_resolve, reject) => {
          options.abortSignal.addEventListener('abort', () =>
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
          );
        });
      },
    };
    return { client, seen };
  };

  test.each([
    ['sagemaker', (c: unknown) => sagemakerUpstream(c as SageMakerRuntimeClient, { endpointName: 'ep' })],
  ])(
    'GIVEN a %s call in flight WHEN the request aborts THEN the SDK gets a platform signal that aborts and the call fails as aborted',
    async (_name, make) => {
      const { client, seen } = hangingClient();
      const abort = new CallAbort();
      const call = make(client).invoke({ messages: [] }, 'm', abort);
      await new Promise((r) => setImmediate(r));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(AbortSignal);
      expect(seen[0]?.aborted).toBe(false);
      abort.abort();
      await expect(call).rejects.toEqual(expect.objectContaining({ kind: 'aborted' }));
      expect(seen[0]?.aborted).toBe(true);
    },
  );
});
