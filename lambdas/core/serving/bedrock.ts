/**
 * Bedrock Runtime wire shapes used by serving: the AWS event-stream frames of
 * InvokeModelWithResponseStream and the JSON error bodies with their `x-amzn-errortype`.
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');
/** `toUtf8` / `fromUtf8` in Smithy's naming: bytes → string and string → bytes. */
const toUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);
const fromUtf8 = (text: string): Uint8Array => encoder.encode(text);

/** Shared codec (encoding is stateless). */
export const eventStreamCodec = new EventStreamCodec(toUtf8, fromUtf8);

/**
 * A `chunk` event frame: headers `:event-type chunk`, `:content-type application/json`,
 * `:message-type event`; payload `{"bytes": base64(<Anthropic event JSON>)}`.
 */
export function bedrockChunkFrame(event: { readonly type: string }): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(event), 'utf8').toString('base64');
  return jsonFrame('event', [':event-type', 'chunk'], { bytes });
}

/** One event-stream frame with a JSON payload: `:message-type`, one type header, `:content-type` JSON. */
function jsonFrame(
  messageType: 'event' | 'exception',
  typeHeader: readonly [string, string],
  payload: unknown,
): Uint8Array {
  return eventStreamCodec.encode({
    headers: {
      [typeHeader[0]]: { type: 'string', value: typeHeader[1] },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: messageType },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** Exception members of the Bedrock response stream union, as `:exception-type` values. */
export type BedrockStreamException =
  | 'throttlingException'
  | 'serviceUnavailableException'
  | 'modelTimeoutException'
  | 'internalServerException'
  | 'modelStreamErrorException'
  | 'validationException';

/** An exception frame: `:message-type exception`, `:exception-type <name>`, payload `{"message": …}`. */
export function bedrockExceptionFrame(type: BedrockStreamException, message: string): Uint8Array {
  return jsonFrame('exception', [':exception-type', type], { message });
}

/** Bedrock error types (the `x-amzn-errortype` header) used by serving. */
export type BedrockErrorType =
  | 'ValidationException'
  | 'AccessDeniedException'
  | 'ResourceNotFoundException'
  | 'ThrottlingException'
  | 'ServiceUnavailableException'
  | 'ModelTimeoutException'
  | 'InternalServerException';
