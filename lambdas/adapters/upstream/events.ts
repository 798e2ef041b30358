import { type AnthropicStreamEvent, readStreamEvent } from '../../core/serving/anthropic';
import { type SseEvent, SseParser } from '../../core/serving/sse';
import { UpstreamError } from '../../core/serving/types';

/**
 * Anthropic stream events from an SSE byte stream (the HTTPS and SageMaker upstreams both carry the Messages
 * API's SSE). Unknown event types are skipped; an event that is not JSON, or longer than `maxEventChars`, fails the
 * stream as `invalid`, after the events before it. The SSE of each read is split in one pass ({@link SseParser}:
 * no generator per line or per SSE event); each event is parsed and validated as it is taken.
 */
export async function* anthropicEvents(
  chunks: AsyncIterable<Uint8Array | string>,
  maxEventChars?: number,
): AsyncGenerator<AnthropicStreamEvent> {
  const parser = new SseParser(maxEventChars);
  const ready: SseEvent[] = [];
  for await (const chunk of chunks) {
    parser.push(chunk, ready);
    for (const sse of ready) {
      const event = toEvent(sse);
      if (event) yield event;
    }
    ready.length = 0;
    if (parser.failure) throw new UpstreamError('invalid', parser.failure.message);
  }
  for (const sse of parser.end(ready)) {
    const event = toEvent(sse);
    if (event) yield event;
  }
  if (parser.failure) throw new UpstreamError('invalid', parser.failure.message);
}

function toEvent(sse: SseEvent): AnthropicStreamEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(sse.data);
  } catch {
    throw new UpstreamError('invalid', 'stream event is not JSON');
  }
  return readStreamEvent(value);
}
