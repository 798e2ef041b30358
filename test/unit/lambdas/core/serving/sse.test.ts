import fc from 'fast-check';
import { parseSse, renderError, retryAfterSeconds } from '../../../../../lambdas/core/serving';
import { type SseEvent, SseEventTooLarge, SseParser } from '../../../../../lambdas/core/serving/sse';

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

describe('SseParser', () => {
  /** Reference reading of a whole input: split at CRLF, CR or LF, then the field rules; a last unterminated line counts. */
  function whole(text: string): Array<{ event?: string; data: string }> {
    const out: Array<{ event?: string; data: string }> = [];
    let event: string | undefined;
    let data: string[] = [];
    for (const line of [...text.split(/\r\n|\r|\n/), '']) {
      if (line === '') {
        if (data.length > 0)
          out.push(
            event === undefined || event === ''
              ? { data: data.join('\n') }
              : { event, data: data.join('\n') },
          );
        event = undefined;
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const raw = colon < 0 ? '' : line.slice(colon + 1);
      const value = raw.startsWith(' ') ? raw.slice(1) : raw;
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    return out;
  }

  const piece = fc.constantFrom(
    'data:',
    'data: ',
    'event: ',
    'event:x',
    ':c',
    'id: 1',
    'a',
    'é',
    '€',
    '😀',
    ' ',
    '\r',
    '\n',
    '\r\n',
  );

  test('GIVEN any input split anywhere (characters or UTF-8 bytes) WHEN pushed THEN the events are those of the whole input', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (parts, cuts, bytes) => {
          const text = parts.join('');
          const input: string | Uint8Array = bytes ? new TextEncoder().encode(text) : text;
          const at = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          const parser = new SseParser();
          const got: SseEvent[] = [];
          let from = 0;
          for (const c of [...at, input.length]) {
            parser.push(input.slice(from, c), got);
            from = c;
          }
          parser.end(got);
          expect(parser.failure).toBeUndefined();
          expect(got).toEqual(whole(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('GIVEN a chunk with an event, then one past the bound, then another WHEN pushed THEN the first is returned and the parse stops', () => {
    const parser = new SseParser(50);
    const got = parser.push(`data: ok\n\ndata: ${'x'.repeat(60)}\n\ndata: after\n\n`);
    expect(got).toEqual([{ data: 'ok' }]);
    expect(parser.failure).toBeInstanceOf(SseEventTooLarge);
    expect(parser.push('data: more\n\n')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });
});
