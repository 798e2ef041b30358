import { type AnthropicStreamEvent, readStreamEvent } from '../../core/serving/anthropic';
import { parseSse, SseEventTooLarge } from '../../core/serving/sse';
import { UpstreamError } from '../../core/serving/types';

/**
 * Anthropic stream events from an SSE byte stream (the HTTPS and SageMaker upstreams both carry the Messages
 * API's SSE). Unknown event types are skipped; an event that is not JSON, or longer than `maxEventChars`, fails the
 * stream as `invalid`.
 */
export async function* anthropicEvents(
  chunks: AsyncIterable<Uint8Array | string>,
  maxEventChars?: number,
): AsyncGenerator<AnthropicStreamEvent> {
  try {
    for await (const sse of parseSse(chunks, maxEventChars)) {
      let value: unknown;
      try {
        value = JSON.parse(sse.data);
      } catch {
        throw new UpstreamError('invalid', 'stream event is not JSON');
      }
      const event = readStreamEvent(value);
      if (event) yield event;
    }
  } catch (e) {
    if (e instanceof SseEventTooLarge) throw new UpstreamError('invalid', e.message);
    throw e;
  }
}
