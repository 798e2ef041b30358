/**
 * Upstream over Amazon Bedrock Runtime: `InvokeModel` and `InvokeModelWithResponseStream` with the
 * Anthropic Messages body (`anthropic_version: bedrock-2023-05-31`). IAM: `bedrock:InvokeModel` and
 * `bedrock:InvokeModelWithResponseStream` on the model (or inference profile) ARNs.
 */
import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { type AnthropicStreamEvent, readStreamEvent } from '../../core/serving/anthropic';
import { type ModelBody, platformSignal, type Upstream, UpstreamError } from '../../core/serving/types';
import { parseJsonBytes, toUpstreamError } from './errors';

/**
 * A Bedrock Runtime client for {@link bedrockUpstream}. The SDK's default HTTP/2 handler opens a new session (a TCP
 * connection and a TLS handshake) for every call (`disableConcurrentStreams: true`); with concurrent streams allowed,
 * `InvokeModel` calls share pooled sessions. Response streams (`InvokeModelWithResponseStream`) still get a session
 * each: the SDK isolates every event-stream call whatever this setting.
 */
export function bedrockRuntimeClient(config: BedrockRuntimeClientConfig): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ ...config, requestHandler: { disableConcurrentStreams: false } });
}

/** Options for {@link bedrockUpstream}. */
export interface BedrockUpstreamOptions {
  /** Requested model → Bedrock model id or inference profile. @default - the requested id as is */
  readonly modelMap?: Readonly<Record<string, string>>;
  /** Used when the request names no model. @default - none: such requests are rejected */
  readonly defaultModelId?: string;
  /** @default 'bedrock-2023-05-31' */
  readonly anthropicVersion?: string;
}

/** Resolves the Bedrock model id for a requested model. */
export function resolveModelId(model: string | undefined, opts: BedrockUpstreamOptions): string {
  const id = model === undefined ? opts.defaultModelId : (opts.modelMap?.[model] ?? model);
  if (!id) throw new UpstreamError('rejected', 'no model id', 400);
  return id;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Bedrock stream exception members and the upstream error kind each maps to. */
const STREAM_EXCEPTIONS: ReadonlyArray<readonly [string, UpstreamError['kind']]> = [
  ['throttlingException', 'throttled'],
  ['modelTimeoutException', 'timeout'],
  ['serviceUnavailableException', 'unavailable'],
  ['internalServerException', 'unavailable'],
  ['modelStreamErrorException', 'unavailable'],
  ['validationException', 'rejected'],
];

/** An {@link Upstream} over a Bedrock Runtime client (created once at init). */
export function bedrockUpstream(client: BedrockRuntimeClient, opts: BedrockUpstreamOptions = {}): Upstream {
  const body = (b: ModelBody): Uint8Array =>
    encoder.encode(
      JSON.stringify({ anthropic_version: opts.anthropicVersion ?? 'bedrock-2023-05-31', ...b }),
    );
  return {
    async invoke(b, model, signal) {
      try {
        const out = await client.send(
          new InvokeModelCommand({
            modelId: resolveModelId(model, opts),
            contentType: 'application/json',
            accept: 'application/json',
            body: body(b),
          }),
          { abortSignal: platformSignal(signal) },
        );
        return parseJsonBytes(out.body);
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
    async *stream(b, model, signal): AsyncGenerator<AnthropicStreamEvent> {
      let events: AsyncIterable<Record<string, unknown>> | undefined;
      try {
        const out = await client.send(
          new InvokeModelWithResponseStreamCommand({
            modelId: resolveModelId(model, opts),
            contentType: 'application/json',
            accept: 'application/json',
            body: body(b),
          }),
          { abortSignal: platformSignal(signal) },
        );
        events = out.body as AsyncIterable<Record<string, unknown>> | undefined;
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
      if (!events) throw new UpstreamError('invalid', 'empty response stream');
      try {
        for await (const member of events) {
          const chunk = member['chunk'] as { bytes?: Uint8Array } | undefined;
          if (chunk?.bytes) {
            let value: unknown;
            try {
              value = JSON.parse(decoder.decode(chunk.bytes));
            } catch {
              throw new UpstreamError('invalid', 'stream chunk is not JSON');
            }
            const event = readStreamEvent(value);
            if (event) yield event;
            continue;
          }
          for (const [name, kind] of STREAM_EXCEPTIONS) {
            if (member[name] !== undefined) throw new UpstreamError(kind, name);
          }
        }
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
  };
}
