import { decodeEventStream, parseSse, summarizeResponse } from '../../../../../lambdas/core/canary';
import { bedrockChunkFrame, bedrockExceptionFrame } from '../../../../../lambdas/core/serving/bedrock';

const enc = (s: string) => new TextEncoder().encode(s);
const sse = (events: ReadonlyArray<{ type: string } & Record<string, unknown>>, eol = '\n') =>
  events.map((e) => `event: ${e.type}${eol}data: ${JSON.stringify(e)}${eol}${eol}`).join('');
const concat = (parts: readonly Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const start = { type: 'message_start', message: { type: 'message', stop_reason: null } };
const delta = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Paris' } };
const endTurn = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } };
const refusal = { type: 'message_delta', delta: { stop_reason: 'refusal' }, usage: { output_tokens: 3 } };
const stop = { type: 'message_stop' };

describe('summarizeResponse', () => {
  test('JSON message: complete with its stop_reason', () => {
    const body = enc(JSON.stringify({ type: 'message', content: [], stop_reason: 'refusal' }));
    expect(summarizeResponse(200, 'json', body)).toEqual({
      status: 200,
      complete: true,
      stopReason: 'refusal',
    });
  });

  test('JSON 200 that is not a message: incomplete', () => {
    expect(summarizeResponse(200, 'json', enc('<html>'))).toEqual({ status: 200, complete: false });
  });

  test.each([
    [
      'Anthropic error body',
      {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'request blocked by policy (decision d)' },
      },
    ],
    ['Bedrock error body', { message: 'request blocked by policy (decision d)' }],
    ['API Gateway error body', { Message: 'request blocked by policy (decision d)' }],
  ])('non-2xx: the error message of an %s, whatever the framing', (_name, body) => {
    for (const framing of ['json', 'sse', 'eventstream'] as const) {
      expect(summarizeResponse(400, framing, enc(JSON.stringify(body)))).toEqual({
        status: 400,
        complete: false,
        errorMessage: 'request blocked by policy (decision d)',
      });
    }
  });

  test('non-2xx with a body that is not JSON: no message', () => {
    expect(summarizeResponse(502, 'json', enc('Bad Gateway'))).toEqual({ status: 502, complete: false });
  });

  test.each([['\n'], ['\r\n']])(
    'SSE (line ending %j): the last stop_reason, complete at message_stop',
    (eol) => {
      expect(summarizeResponse(200, 'sse', enc(sse([start, delta, endTurn, stop], eol)))).toEqual({
        status: 200,
        complete: true,
        stopReason: 'end_turn',
      });
      expect(summarizeResponse(200, 'sse', enc(sse([start, delta, refusal, stop], eol)))).toEqual({
        status: 200,
        complete: true,
        stopReason: 'refusal',
      });
    },
  );

  test('SSE cut before message_stop: incomplete', () => {
    expect(summarizeResponse(200, 'sse', enc(sse([start, delta])))).toEqual({ status: 200, complete: false });
  });

  test('SSE error event after 200: the error type, not complete', () => {
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'x' } };
    expect(summarizeResponse(200, 'sse', enc(sse([start, delta, error])))).toEqual({
      status: 200,
      complete: false,
      streamError: 'overloaded_error',
    });
  });

  test('SSE: comments, pings and multi-line data are handled', () => {
    const text = `: keep-alive\n\nevent: ping\ndata: {"type":"ping"}\n\nevent: message_delta\ndata: {"type":"message_delta",\ndata: "delta":{"stop_reason":"refusal"}}\n\n${sse([stop])}`;
    expect(parseSse(text)).toEqual([
      { type: 'ping' },
      { type: 'message_delta', delta: { stop_reason: 'refusal' } },
      { type: 'message_stop' },
    ]);
  });

  test('event stream: chunk frames decoded like the Bedrock SDK does', () => {
    const body = concat([start, delta, refusal, stop].map(bedrockChunkFrame));
    expect(decodeEventStream(body)).toEqual([start, delta, refusal, stop].map((event) => ({ event })));
    expect(summarizeResponse(200, 'eventstream', body)).toEqual({
      status: 200,
      complete: true,
      stopReason: 'refusal',
    });
  });

  test('event stream: an exception frame is a stream error', () => {
    const body = concat([
      bedrockChunkFrame(start),
      bedrockExceptionFrame('serviceUnavailableException', 'down'),
    ]);
    expect(summarizeResponse(200, 'eventstream', body)).toEqual({
      status: 200,
      complete: false,
      streamError: 'serviceUnavailableException',
    });
  });

  test('event stream: a truncated last frame ends decoding (incomplete)', () => {
    const full = concat([start, delta, endTurn, stop].map(bedrockChunkFrame));
    const cut = full.subarray(0, full.length - 5);
    expect(decodeEventStream(cut)).toHaveLength(3);
    expect(summarizeResponse(200, 'eventstream', cut)).toEqual({
      status: 200,
      complete: false,
      stopReason: 'end_turn',
    });
  });

  test('event stream: a corrupt frame (bad CRC) ends decoding', () => {
    const frame = bedrockChunkFrame(stop);
    const corrupt = Uint8Array.from(frame);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(decodeEventStream(concat([bedrockChunkFrame(start), corrupt]))).toEqual([{ event: start }]);
  });
});
