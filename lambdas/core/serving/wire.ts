/**
 * The wire format of a serving route, chosen once per request: how the body is parsed, whether the answer
 * streams, the success headers, and how stream events and in-stream failures are framed (Anthropic SSE on
 * `/v1/messages`, the AWS event stream on Bedrock's InvokeModelWithResponseStream). Error responses are
 * rendered by errors.ts from the same route.
 */
import type { ParsedRequest } from '../request/parse';
import { sseFrame } from './anthropic';
import { bedrockChunkFrame, bedrockExceptionFrame } from './bedrock';
import { type ServeFailure, streamFailure } from './errors';
import type { ServeRoute } from './types';

/** An Anthropic event as written to the client. */
export type WireEvent = { readonly type: string; readonly [field: string]: unknown };

/** One route's wire format. */
export interface WireFormat {
  /** How the request body is read. */
  readonly format: ParsedRequest['format'];
  /** Whether the answer streams (the Messages API's `stream` field; the Bedrock route itself). */
  streams(request: ParsedRequest): boolean;
  /** Headers of a complete (non-streaming) 200 answer. */
  onceHeaders(decisionId: string, tokens: { input: number; output: number }): Record<string, string>;
  /** Headers of a streaming 200 answer. */
  streamHeaders(decisionId: string): Record<string, string>;
  /** One stream event as written. */
  event(event: WireEvent): string | Uint8Array;
  /** A failure after the stream started, as its last frame. */
  streamFailure(failure: ServeFailure): string | Uint8Array;
}

const MESSAGES: WireFormat = {
  format: 'messages',
  streams: (request) => request.stream,
  onceHeaders: (decisionId) => ({ 'request-id': decisionId, 'content-type': 'application/json' }),
  streamHeaders: (decisionId) => ({
    'request-id': decisionId,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  }),
  event: sseFrame,
  streamFailure: (failure) => sseFrame(streamFailure(failure).anthropic),
};

/** Bedrock: the request id also as `x-amzn-requestid`; token counts as headers on complete answers. */
function bedrock(stream: boolean): WireFormat {
  return {
    format: 'bedrock',
    streams: () => stream,
    onceHeaders: (decisionId, tokens) => ({
      'request-id': decisionId,
      'content-type': 'application/json',
      'x-amzn-bedrock-input-token-count': String(tokens.input),
      'x-amzn-bedrock-output-token-count': String(tokens.output),
      'x-amzn-requestid': decisionId,
    }),
    streamHeaders: (decisionId) => ({
      'request-id': decisionId,
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-bedrock-content-type': 'application/json',
      'x-amzn-requestid': decisionId,
    }),
    event: bedrockChunkFrame,
    streamFailure: (failure) => {
      const f = streamFailure(failure).bedrock;
      return bedrockExceptionFrame(f.type, f.message);
    },
  };
}

const WIRES: Readonly<Record<ServeRoute, WireFormat>> = {
  messages: MESSAGES,
  'bedrock.invoke': bedrock(false),
  'bedrock.invoke-stream': bedrock(true),
};

/** The wire format of a route. */
export function wireFor(route: ServeRoute): WireFormat {
  return WIRES[route];
}
