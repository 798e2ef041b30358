import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { nodeResponseWriter, serveInference } from '../../../../../lambdas/core/serving';
import { FakeUpstream, harness, inbound, messagesBody, textEvents } from './fakes';

class FakeNodeResponse extends EventEmitter {
  status: number | undefined;
  headers: Record<string, string> = {};
  body = '';
  writableEnded = false;
  destroyed = false;
  writeHead(status: number, headers: Record<string, string>) {
    this.status = status;
    this.headers = headers;
  }
  /** Writes report a full buffer once `highWater` characters are pending; `drain()` empties it. */
  highWater = Number.POSITIVE_INFINITY;
  pending = 0;
  write(chunk: Uint8Array | string): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    this.body += text;
    this.pending += text.length;
    return this.pending < this.highWater;
  }
  drain() {
    this.pending = 0;
    this.emit('drain');
  }
  /** Cork depth, and what was written while corked (Node sends it on the last uncork or at `end`). */
  corks = 0;
  uncorks = 0;
  cork() {
    this.corks++;
  }
  uncork() {
    this.uncorks++;
  }
  /** Like Node's: a body given to `end` alone is the whole response (sent with a content-length). */
  endedWith: string | undefined;
  end(last?: Uint8Array | string) {
    if (last !== undefined) {
      this.endedWith = typeof last === 'string' ? last : Buffer.from(last).toString('utf8');
      this.body += this.endedWith;
    }
    this.writableEnded = true;
  }
  /** The client goes away. */
  hangUp() {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('nodeResponseWriter', () => {
  test('serves a request onto a Node response', async () => {
    const h = harness();
    const res = new FakeNodeResponse();
    const req = inbound('messages', messagesBody('hi'));
    await serveInference(req, h.deps, nodeResponseWriter(res));
    expect(res.status).toBe(200);
    expect(res.headers['request-id']).toBe(req.decisionId);
    expect(res.writableEnded).toBe(true);
    expect(JSON.parse(res.body).type).toBe('message');
    // The whole body leaves with the end (after the record), not in an earlier write, with its length.
    expect(res.endedWith).toBe(res.body);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body, 'utf8')));
  });

  test('a close before end aborts the upstream call', async () => {
    const res = new FakeNodeResponse();
    const upstream = new FakeUpstream(undefined, {
      events: textEvents(['a'.repeat(40), 'b'.repeat(40)]),
      onEvent: (i) => {
        if (i === 3) res.hangUp();
      },
    });
    const h = harness({ upstream });
    await serveInference(
      inbound('messages', messagesBody('hi', { stream: true })),
      h.deps,
      nodeResponseWriter(res),
    );
    expect(upstream.signal?.aborted).toBe(true);
    expect(h.records[0]?.reason).toBe('client_aborted');
  });

  test('a close after end is not an abort', () => {
    const res = new FakeNodeResponse();
    const w = nodeResponseWriter(res);
    let aborts = 0;
    w.onAbort(() => aborts++);
    w.head(200, {});
    w.end();
    res.emit('close');
    expect(aborts).toBe(0);
    expect(w.aborted).toBe(false);
  });

  test('backpressure: streaming waits for drain before pulling the next upstream event', async () => {
    const res = new FakeNodeResponse();
    res.highWater = 1;
    const pulled: number[] = [];
    const upstream = new FakeUpstream(undefined, {
      events: textEvents(['a'.repeat(40), 'b'.repeat(40)]),
      onEvent: (i) => pulled.push(i),
    });
    const h = harness({ upstream });
    const served = serveInference(
      inbound('messages', messagesBody('hi', { stream: true })),
      h.deps,
      nodeResponseWriter(res),
    );
    // The first event (message_start) filled the buffer: the next one is not pulled until a drain.
    await new Promise((r) => setImmediate(r));
    expect(pulled).toEqual([0]);
    for (let i = 0; i < 20 && !res.writableEnded; i++) {
      res.drain();
      await new Promise((r) => setImmediate(r));
    }
    await served;
    expect(pulled.length).toBe(textEvents(['a', 'b']).length);
    expect(res.writableEnded).toBe(true);
  });
});

describe('nodeResponseWriter: writes of one event-loop turn leave together', () => {
  test('GIVEN three writes in one turn THEN the response is corked once and uncorked at the turn end, in order', async () => {
    const res = new FakeNodeResponse();
    const w = nodeResponseWriter(res);
    w.head(200, { 'content-type': 'text/event-stream' });
    w.write('a');
    w.write('b');
    w.write('c');
    expect([res.corks, res.uncorks]).toEqual([1, 0]);
    await new Promise((r) => setImmediate(r));
    expect([res.corks, res.uncorks]).toEqual([1, 1]);
    w.write('d');
    expect([res.corks, res.uncorks]).toEqual([2, 1]);
    await new Promise((r) => setImmediate(r));
    expect(res.body).toBe('abcd');
    expect([res.corks, res.uncorks]).toEqual([2, 2]);
  });

  test('GIVEN writes then end in one turn THEN the pending uncork is dropped (end sends what is held; the socket may serve the next request)', async () => {
    const res = new FakeNodeResponse();
    const w = nodeResponseWriter(res);
    w.head(200, { 'content-type': 'text/event-stream' });
    w.write('a');
    w.end('b');
    await new Promise((r) => setImmediate(r));
    expect(res.body).toBe('ab');
    expect([res.corks, res.uncorks]).toEqual([1, 0]);
  });

  test('GIVEN the client hangs up while writes are held THEN the pending uncork is dropped', async () => {
    const res = new FakeNodeResponse();
    const w = nodeResponseWriter(res);
    w.head(200, { 'content-type': 'text/event-stream' });
    w.write('a');
    res.hangUp();
    await new Promise((r) => setImmediate(r));
    expect(w.aborted).toBe(true);
    expect(res.uncorks).toBe(0);
  });
});

describe('nodeResponseWriter on a real socket', () => {
  /** Serves one answer through the writer and returns the raw bytes the client received. */
  async function rawAnswer(
    answer: (w: ReturnType<typeof nodeResponseWriter>) => void,
    // A half-close makes Node's server end the connection after the current turn: a response spread over
    // several turns needs the client to keep its side open (the server closes it: `connection: close`).
    send: 'end' | 'write' = 'end',
  ): Promise<Buffer> {
    const server = createServer((_req, res) => answer(nodeResponseWriter(res)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const s = connect(port, '127.0.0.1', () =>
          s[send]('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'),
        );
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => resolve(Buffer.concat(chunks)));
        s.on('error', reject);
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }
  const split = (raw: Buffer) => {
    const at = raw.indexOf('\r\n\r\n');
    return { head: raw.subarray(0, at).toString('latin1'), body: raw.subarray(at + 4) };
  };
  const multiByte = JSON.stringify({ text: 'héllo ✓ 𝒳 日本語 \u2028 🙂' });

  test.each([
    ['a string', multiByte],
    ['bytes', new TextEncoder().encode(multiByte)],
  ])(
    'GIVEN a whole multi-byte body as %s THEN content-length is the byte count sent, without chunking',
    async (_n, body) => {
      const raw = await rawAnswer((w) => {
        w.head(200, { 'content-type': 'application/json' });
        w.end(body);
      });
      const { head, body: sent } = split(raw);
      expect(head).not.toMatch(/transfer-encoding/i);
      expect(Number(/content-length: (\d+)/i.exec(head)?.[1])).toBe(sent.byteLength);
      expect(sent.toString('utf8')).toBe(multiByte);
    },
  );

  test('GIVEN events written over several turns, then the end THEN every byte arrives, in order, chunked', async () => {
    const events = Array.from({ length: 50 }, (_, i) => `event: e\ndata: ${i} ✓\n\n`);
    const raw = await rawAnswer((w) => {
      w.head(200, { 'content-type': 'text/event-stream' });
      void (async () => {
        for (let i = 0; i < events.length; i++) {
          w.write(events[i] as string);
          if (i % 7 === 0) await new Promise((r) => setImmediate(r));
        }
        w.end();
      })();
    }, 'write');
    const { head, body } = split(raw);
    expect(head).toMatch(/transfer-encoding: chunked/i);
    // De-chunk: size line, data, CRLF.
    let text = '';
    for (let at = 0; ; ) {
      const eol = body.indexOf('\r\n', at);
      const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (eol < 0 || !(size > 0)) break;
      text += body.subarray(eol + 2, eol + 2 + size).toString('utf8');
      at = eol + 2 + size + 2;
    }
    expect(text).toBe(events.join(''));
  });

  test('GIVEN a body written before the end THEN it is chunked and carries no content-length', async () => {
    const raw = await rawAnswer((w) => {
      w.head(200, { 'content-type': 'text/event-stream' });
      w.write('data: ✓\n\n');
      w.end('data: 🙂\n\n');
    });
    const { head } = split(raw);
    expect(head).toMatch(/transfer-encoding: chunked/i);
    expect(head).not.toMatch(/content-length/i);
  });
});
