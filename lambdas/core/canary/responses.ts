/**
 * Reads a probe's HTTP response into the few facts the evaluation needs: status, the error message of a refused
 * request, the completion's `stop_reason`, a mid-stream error, and whether the answer was complete. Handles the
 * three framings the API answers with: JSON, Server-Sent Events (`/v1/messages` with `stream: true`) and AWS
 * event-stream frames (`invoke-with-response-stream`, decoded with the same codec as serving). Pure.
 */
import { eventStreamCodec } from '../serving/bedrock';
import type { ResponseFraming } from './requests';

/** What a probe's response said. No completion text is kept. */
export interface ProbeResponse {
  readonly status: number;
  /** The error message of a non-2xx answer (Anthropic `error.message`, Bedrock `message`). */
  readonly errorMessage?: string;
  /** `stop_reason` of the completion (the last one seen on a stream). */
  readonly stopReason?: string;
  /** Error type of an SSE `error` event or an event-stream exception frame after the `200`. */
  readonly streamError?: string;
  /** A whole message was received (JSON message, or a stream that reached `message_stop`). */
  readonly complete: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const decoder = new TextDecoder('utf-8');

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The error message of an Anthropic (`{error:{message}}`) or Bedrock (`{message}` / `{Message}`) error body. */
export function errorMessageOf(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  if (isObject(body['error'])) return str(body['error']['message']);
  return str(body['message']) ?? str(body['Message']);
}

/** Accumulates Anthropic stream events (the same JSON on SSE and inside event-stream chunks). */
class StreamState {
  stopReason: string | undefined;
  streamError: string | undefined;
  complete = false;

  event(event: unknown): void {
    if (!isObject(event)) return;
    switch (event['type']) {
      case 'message_start': {
        const message = event['message'];
        if (isObject(message)) this.stopReason = str(message['stop_reason']) ?? this.stopReason;
        break;
      }
      case 'message_delta': {
        const delta = event['delta'];
        if (isObject(delta)) this.stopReason = str(delta['stop_reason']) ?? this.stopReason;
        break;
      }
      case 'message_stop':
        this.complete = true;
        break;
      case 'error':
        this.streamError = (isObject(event['error']) ? str(event['error']['type']) : undefined) ?? 'error';
        break;
    }
  }

  result(status: number): ProbeResponse {
    return {
      status,
      complete: this.complete && this.streamError === undefined,
      ...(this.stopReason !== undefined ? { stopReason: this.stopReason } : {}),
      ...(this.streamError !== undefined ? { streamError: this.streamError } : {}),
    };
  }
}

/**
 * Server-Sent Events: events are separated by a blank line; `data:` lines of one event are joined with `\n`;
 * comments (`:`) and other fields are ignored. Returns the parsed JSON of each event's data.
 */
export function parseSse(text: string): unknown[] {
  const events: unknown[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const value = line.slice(5);
      data.push(value.startsWith(' ') ? value.slice(1) : value);
    }
    if (data.length > 0) events.push(parseJson(data.join('\n')));
  }
  return events;
}

/** A decoded event-stream frame: an Anthropic event, or an exception type. */
export type EventStreamItem = { readonly event: unknown } | { readonly exception: string };

/**
 * AWS event-stream frames (`prelude: total length, headers length, CRC; headers; payload; CRC`). `chunk` events
 * carry `{"bytes": base64(<Anthropic event JSON>)}`; `:message-type exception` frames carry the exception type.
 * A truncated or corrupt frame ends the decoding (the stream then reads as incomplete).
 */
export function decodeEventStream(bytes: Uint8Array): EventStreamItem[] {
  const items: EventStreamItem[] = [];
  let offset = 0;
  while (bytes.length - offset >= 12) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4);
    const length = view.getUint32(0, false);
    if (length < 16 || offset + length > bytes.length) break;
    let message: ReturnType<typeof eventStreamCodec.decode>;
    try {
      message = eventStreamCodec.decode(bytes.subarray(offset, offset + length));
    } catch {
      break;
    }
    offset += length;
    const header = (name: string) => {
      const h = message.headers[name];
      return h && h.type === 'string' ? h.value : undefined;
    };
    const type = header(':message-type');
    if (type === 'exception' || type === 'error') {
      items.push({ exception: header(':exception-type') ?? header(':error-code') ?? 'exception' });
      continue;
    }
    if (type !== 'event' || header(':event-type') !== 'chunk') continue;
    const payload = parseJson(decoder.decode(message.body));
    const b64 = isObject(payload) ? str(payload['bytes']) : undefined;
    if (b64 === undefined) continue;
    items.push({ event: parseJson(Buffer.from(b64, 'base64').toString('utf8')) });
  }
  return items;
}

/** Summarizes a probe's response from its status, framing and whole body. */
export function summarizeResponse(status: number, framing: ResponseFraming, body: Uint8Array): ProbeResponse {
  if (status < 200 || status >= 300) {
    const message = errorMessageOf(parseJson(decoder.decode(body)));
    return { status, complete: false, ...(message !== undefined ? { errorMessage: message } : {}) };
  }
  const state = new StreamState();
  switch (framing) {
    case 'json': {
      const message = parseJson(decoder.decode(body));
      if (!isObject(message) || message['type'] !== 'message') return { status, complete: false };
      const stopReason = str(message['stop_reason']);
      return { status, complete: true, ...(stopReason !== undefined ? { stopReason } : {}) };
    }
    case 'sse':
      for (const event of parseSse(decoder.decode(body))) state.event(event);
      return state.result(status);
    case 'eventstream':
      for (const item of decodeEventStream(body)) {
        if ('exception' in item) state.event({ type: 'error', error: { type: item.exception } });
        else state.event(item.event);
      }
      return state.result(status);
  }
}
