import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { anthropicHttpUpstream } from '../../../../../lambdas/adapters/upstream';
import type { UpstreamError } from '../../../../../lambdas/core/serving';

/**
 * Walk-arounds against the HTTPS upstream client (node:http keep-alive agent): a hostile or broken model server
 * must never make the client follow it elsewhere, buffer without bound, keep or reuse a socket that saw a broken
 * answer, or send a header it did not build itself.
 */
const signal = () => new AbortController().signal;
const OK = { type: 'message', content: [] };

/** Raw TCP servers that speak whatever bytes a test writes (malformed HTTP included). */
const open: Array<Server> = [];
const openSockets = new Set<Socket>();
async function listen(server: Server): Promise<string> {
  open.push(server);
  server.on('connection', (s: Socket) => {
    openSockets.add(s);
    s.on('close', () => openSockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}
afterEach(async () => {
  for (const s of openSockets) s.destroy();
  openSockets.clear();
  await Promise.all(open.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An HTTP server recording each request; `connections()` counts the sockets still open on the server side. */
async function httpServer(reply: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const calls: Array<{ headers: IncomingHttpHeaders; rawHeaders: string[]; body: string; url: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      calls.push({ headers: req.headers, rawHeaders: req.rawHeaders, body, url: req.url ?? '' });
      reply(req, res, body);
    });
  });
  const url = await listen(server);
  return { url, calls, server };
}

/** A raw server answering each request (after its head and body arrived) with `answer(socket, n)`. */
async function rawServer(answer: (s: Socket, n: number) => void) {
  let n = 0;
  const server = createNetServer((s) => {
    let seen = '';
    s.on('data', (c: Buffer) => {
      seen += c.toString('latin1');
      // One request per test write: head and the (short) JSON body arrive together on loopback.
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
      if (seen.length < end + 4 + len) return;
      seen = seen.slice(end + 4 + len);
      answer(s, n++);
    });
    s.on('error', () => undefined);
  });
  return { url: await listen(server), server };
}

const untilClosed = async (max = 2_000) => {
  const t = Date.now();
  while (openSockets.size > 0 && Date.now() - t < max) await new Promise((r) => setTimeout(r, 10));
  return openSockets.size;
};

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: UpstreamError) => e,
  );

describe('anthropicHttpUpstream against a hostile model server', () => {
  test.each([301, 302, 303, 307, 308])(
    'GIVEN a %i redirect to another origin WHEN called THEN it fails as redirect and the other origin is never called',
    async (status) => {
      const elsewhere = await httpServer((_q, res) => res.end('{}'));
      const m = await httpServer((_q, res) => {
        res.writeHead(status, { location: `${elsewhere.url}/v1/messages` });
        res.end();
      });
      const up = anthropicHttpUpstream({ baseUrl: m.url, apiKey: async () => 'sk-secret' });
      expect(await failure(up.invoke({}, 'm', signal()))).toEqual(
        expect.objectContaining({ kind: 'redirect' }),
      );
      expect(elsewhere.calls).toHaveLength(0);
    },
  );

  test.each([401, 403])(
    'GIVEN the upstream answers %i WHEN called THEN the kind is credentials',
    async (status) => {
      const m = await httpServer((_q, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{"type":"error","error":{"type":"authentication_error","message":"bad key sk-…"}}');
      });
      const up = anthropicHttpUpstream({ baseUrl: m.url });
      const e = await failure(up.invoke({}, 'm', signal()));
      expect(e).toEqual(expect.objectContaining({ kind: 'credentials', status }));
      // The upstream's own message is not carried into ours.
      expect(String(e?.message)).not.toMatch(/sk-|authentication_error/);
    },
  );

  test('GIVEN a model body holding header-like fields WHEN called THEN only the headers the client builds are sent, to the configured host', async () => {
    const m = await httpServer((_q, res) => res.end(JSON.stringify(OK)));
    const up = anthropicHttpUpstream({ baseUrl: m.url, apiKey: async () => 'k' });
    const body = {
      messages: [{ role: 'user' as const, content: 'héllo ✓ 𝒳' }],
      headers: { host: 'evil.example', 'transfer-encoding': 'chunked' },
      host: 'evil.example',
    };
    await up.invoke(body, 'm', signal());
    const [call] = m.calls;
    const names = (call?.rawHeaders ?? []).filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
    expect(names.sort()).toEqual(
      [
        'accept',
        'anthropic-version',
        'connection',
        'content-length',
        'content-type',
        'host',
        'x-api-key',
      ].sort(),
    );
    expect(call?.headers.host).toBe(new URL(m.url).host);
    expect(call?.headers['transfer-encoding']).toBeUndefined();
    // content-length is the UTF-8 byte length of exactly the body sent (multi-byte characters included).
    expect(Number(call?.headers['content-length'])).toBe(Buffer.byteLength(call?.body ?? '', 'utf8'));
    expect(JSON.parse(call?.body ?? '')).toEqual({ model: 'm', ...body });
  });

  const key = (k: string) => async (): Promise<string> => k;
  test.each<[string, Record<string, unknown>, () => Promise<string>]>([
    ['a CRLF in a beta flag', { anthropic_beta: ['tools-2024-04-04\r\nhost: evil.example'] }, key('k')],
    ['a CRLF in the API key', {}, key('k\r\nx-injected: 1')],
  ])(
    'GIVEN %s WHEN called THEN the call fails before any byte reaches the upstream and the client keeps working',
    async (_name, extra, apiKey) => {
      const m = await httpServer((_q, res) => res.end(JSON.stringify(OK)));
      const up = anthropicHttpUpstream({ baseUrl: m.url, apiKey });
      const e = await failure(up.invoke(extra, 'm', signal()));
      expect(e).toEqual(expect.objectContaining({ name: 'UpstreamError' }));
      expect(m.calls).toHaveLength(0);
    },
  );

  test('GIVEN a 2xx body far larger than any model answer WHEN invoked THEN the read stops at the bound and the connection is closed', async () => {
    // An endless chunked body: without a bound the client would buffer until the process dies.
    let sent = 0;
    const m = await httpServer((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && sent < 256 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const up = anthropicHttpUpstream({ baseUrl: m.url, maxResponseBytes: 1024 * 1024 });
    expect(await failure(up.invoke({}, 'm', signal()))).toEqual(expect.objectContaining({ kind: 'invalid' }));
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(await untilClosed()).toBe(0);
  });

  test('GIVEN a content-length above the bound WHEN invoked THEN it fails before reading the body', async () => {
    const { url } = await rawServer((s) =>
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 999999999\r\n\r\n{'),
    );
    const up = anthropicHttpUpstream({ baseUrl: url, maxResponseBytes: 1024 });
    expect(await failure(up.invoke({}, 'm', signal()))).toEqual(expect.objectContaining({ kind: 'invalid' }));
    expect(await untilClosed()).toBe(0);
  });

  test('GIVEN an SSE line that never ends WHEN streamed THEN the stream fails at the bound instead of buffering it', async () => {
    const m = await httpServer((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: content_block_delta\ndata: ');
      const chunk = 'a'.repeat(64 * 1024);
      let n = 0;
      const pump = (): void => {
        while (!res.destroyed && n++ < 4096) if (!res.write(chunk)) return void res.once('drain', pump);
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const up = anthropicHttpUpstream({ baseUrl: m.url, maxResponseBytes: 1024 * 1024 });
    const err = await (async () => {
      for await (const _ of up.stream({}, 'm', signal()));
    })().then(
      () => undefined,
      (e: UpstreamError) => e,
    );
    expect(err).toEqual(expect.objectContaining({ kind: 'invalid' }));
    expect(await untilClosed()).toBe(0);
  });

  test.each([
    ['a body shorter than its content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"type":'],
    [
      'both transfer-encoding and content-length',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    ],
    ['a head that is not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    ['a CRLF-injected header line', 'HTTP/1.1 200 OK\r\nx-a: 1\rcontent-length: 2\r\n\r\n{}'],
  ])('GIVEN %s THEN the call fails as unavailable and that socket is never reused', async (_name, first) => {
    let conns = 0;
    const server = createNetServer();
    const url = await listen(server);
    server.on('connection', (s: Socket) => {
      const mine = ++conns;
      s.on('error', () => undefined);
      s.on('data', () => {
        if (mine === 1) {
          s.write(first);
          // A broken first answer: end the socket only later, so a reuse would be possible if allowed.
          setTimeout(() => s.end(), 200);
        } else {
          const body = JSON.stringify(OK);
          s.write(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
          );
        }
      });
    });
    const up = anthropicHttpUpstream({ baseUrl: url });
    const e = await failure(up.invoke({}, 'm', signal()));
    expect(e?.kind === 'unavailable' || e?.kind === 'invalid').toBe(true);
    await expect(up.invoke({}, 'm', signal())).resolves.toEqual(OK);
    expect(conns).toBe(2);
  });

  test('GIVEN a reset in the middle of a body WHEN invoked THEN unavailable, and the next call opens a new connection', async () => {
    const { url } = await rawServer((s, n) => {
      if (n === 0) {
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{"type":"mess');
        setTimeout(() => s.resetAndDestroy(), 20);
      } else {
        const body = JSON.stringify(OK);
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      }
    });
    const up = anthropicHttpUpstream({ baseUrl: url });
    expect(await failure(up.invoke({}, 'm', signal()))).toEqual(
      expect.objectContaining({ kind: 'unavailable' }),
    );
    await expect(up.invoke({}, 'm', signal())).resolves.toEqual(OK);
  });

  test.each([
    ['the head deadline passes', 'deadline'],
    ['the caller aborts before the head', 'abort'],
  ])('GIVEN %s THEN the socket is closed on both sides (no leak)', async (_name, how) => {
    const { url } = await rawServer(() => undefined);
    const up = anthropicHttpUpstream({ baseUrl: url, headersTimeoutMs: how === 'deadline' ? 100 : 60_000 });
    const c = new AbortController();
    if (how === 'abort') setTimeout(() => c.abort(), 100);
    const e = await failure(up.invoke({}, 'm', c.signal));
    expect(e?.kind).toBe(how === 'deadline' ? 'timeout' : 'aborted');
    expect(await untilClosed()).toBe(0);
  });

  test('GIVEN the caller aborts in the middle of a streamed body THEN the socket is closed on both sides', async () => {
    const { url } = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
      const ev = 'event: ping\ndata: {"type":"ping"}\n\n';
      s.write(`${ev.length.toString(16)}\r\n${ev}\r\n`);
    });
    const up = anthropicHttpUpstream({ baseUrl: url });
    const c = new AbortController();
    setTimeout(() => c.abort(), 100);
    const err = await (async () => {
      for await (const _ of up.stream({}, 'm', c.signal));
    })().then(
      () => undefined,
      (e: UpstreamError) => e,
    );
    expect(err?.kind).toBe('aborted');
    expect(await untilClosed()).toBe(0);
  });
});
