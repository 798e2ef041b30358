/**
 * Anthropic Messages API wire shapes used by serving: stream events (validated loosely: the fields
 * serving reads are checked, everything else passes through), SSE framing and error bodies.
 */
import * as z from 'zod';

const usage = z.looseObject({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
});

const contentBlock = z.looseObject({ type: z.string() });

const messageStart = z.looseObject({
  type: z.literal('message_start'),
  message: z.looseObject({ id: z.string().optional(), usage: usage.optional() }),
});
const blockStart = z.looseObject({
  type: z.literal('content_block_start'),
  index: z.number().int().nonnegative(),
  content_block: contentBlock,
});
const blockDelta = z.looseObject({
  type: z.literal('content_block_delta'),
  index: z.number().int().nonnegative(),
  delta: z.looseObject({ type: z.string(), text: z.string().optional() }),
});
const blockStop = z.looseObject({
  type: z.literal('content_block_stop'),
  index: z.number().int().nonnegative(),
});
const messageDelta = z.looseObject({
  type: z.literal('message_delta'),
  delta: z.looseObject({}),
  usage: usage.optional(),
});
const messageStop = z.looseObject({ type: z.literal('message_stop') });
const ping = z.looseObject({ type: z.literal('ping') });
const streamError = z.looseObject({
  type: z.literal('error'),
  error: z.looseObject({ type: z.string(), message: z.string().optional() }),
});

/** One Anthropic streaming event (`message_start` … `message_stop`, `ping`, `error`). */
export const anthropicStreamEvent = z.discriminatedUnion('type', [
  messageStart,
  blockStart,
  blockDelta,
  blockStop,
  messageDelta,
  messageStop,
  ping,
  streamError,
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEvent>;

/** A non-streaming Messages response, validated where serving reads it. */
export const anthropicMessage = z.looseObject({
  type: z.literal('message'),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  usage: usage.optional(),
});
export type AnthropicMessage = z.infer<typeof anthropicMessage>;

/** Validates an upstream event; `undefined` for anything that is not a known event. */
export function readStreamEvent(value: unknown): AnthropicStreamEvent | undefined {
  const parsed = anthropicStreamEvent.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** One SSE frame as the Messages API sends it: `event: <type>\ndata: <json>\n\n`. */
export function sseFrame(event: { readonly type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Anthropic error types used by serving. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';
