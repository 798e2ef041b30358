import { parseSse, renderError, retryAfterSeconds } from '../../../../../lambdas/core/serving';
import { SseEventTooLarge } from '../../../../../lambdas/core/serving/sse';

async function* chunks(parts: Array<string | Uint8Array>) {
  for (const p of parts) yield p;
}
async function all(parts: Array<string | Uint8Array>) {
  const out = [];
  for await (const e of parseSse(chunks(parts))) out.push(e);
  return out;
}

describe('parseSse', () => {
  test('events split anywhere, CRLF and CR line ends, comments and multi-line data', async () => {
    const euro = new TextEncoder().encode('data: €\n\n');
    expect(
      await all([
        ': comment\r\nevent: a\r',
        '\ndata: 1\r\ndata:2\r\n\r\n',
        'event: b\rdata: x\r\r',
        euro.subarray(0, 7),
        euro.subarray(7),
        'data: last',
      ]),
    ).toEqual([{ event: 'a', data: '1\n2' }, { event: 'b', data: 'x' }, { data: '€' }, { data: 'last' }]);
  });

  test('GIVEN an event past the bound, as one endless line or as many data lines WHEN parsed THEN it fails, events before it pass', async () => {
    const read = async (parts: string[]) => {
      const out: unknown[] = [];
      try {
        for await (const e of parseSse(chunks(parts), 100)) out.push(e);
      } catch (e) {
        out.push(e);
      }
      return out;
    };
    const endless = await read(['data: ok\n\n', 'data: ', ...Array.from({ length: 50 }, () => 'aaaa')]);
    expect(endless[0]).toEqual({ data: 'ok' });
    expect(endless[1]).toBeInstanceOf(SseEventTooLarge);
    const lines = await read(Array.from({ length: 50 }, () => 'data: aaaa\n'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBeInstanceOf(SseEventTooLarge);
    // An event at the bound passes: the bound counts one event, not the stream.
    expect(await read(Array.from({ length: 40 }, () => `data: ${'b'.repeat(80)}\n\n`))).toHaveLength(40);
    // An event past the bound that arrives whole, in one chunk with its blank line, fails too.
    const whole = await read(['data: ok\n\n', `data: ${'b'.repeat(1000)}\n\n`]);
    expect(whole[0]).toEqual({ data: 'ok' });
    expect(whole[1]).toBeInstanceOf(SseEventTooLarge);
    expect(whole).toHaveLength(2);
    // Exactly at the bound (99 characters and the line's newline), in one chunk, passes.
    expect(await read([`data: ${'b'.repeat(99)}\n\n`])).toEqual([{ data: 'b'.repeat(99) }]);
  });

  test('a line split into one-character chunks reads as one line', async () => {
    expect(await all([...'data: abc\r\n\r\n'])).toEqual([{ data: 'abc' }]);
  });

  test('an event without data is not dispatched', async () => {
    expect(await all(['event: ping\n\n'])).toEqual([]);
  });
});

describe('renderError', () => {
  test('every error carries request-id; Bedrock errors carry x-amzn-errortype', () => {
    const a = renderError('messages', { kind: 'rate_limited', retryAfterMs: 1200 }, 'd1');
    expect(a.status).toBe(429);
    expect(a.headers).toEqual({ 'content-type': 'application/json', 'request-id': 'd1', 'retry-after': '2' });
    const b = renderError('bedrock.invoke-stream', { kind: 'upstream_unavailable' }, 'd2');
    expect(b.headers).toEqual(
      expect.objectContaining({
        'request-id': 'd2',
        'x-amzn-requestid': 'd2',
        'x-amzn-errortype': 'ServiceUnavailableException',
      }),
    );
    expect(JSON.parse(b.body)).toEqual({ message: expect.any(String) });
  });

  test('retry-after is at least one second and finite', () => {
    expect(retryAfterSeconds(1)).toBe('1');
    expect(retryAfterSeconds(Number.POSITIVE_INFINITY)).toBe('60');
  });
});
