/**
 * Upstream over a SageMaker real-time endpoint whose container speaks the Anthropic Messages API body
 * (`POST /invocations` with a Messages body; streaming answers are Anthropic SSE). IAM:
 * `sagemaker:InvokeEndpoint` and `sagemaker:InvokeEndpointWithResponseStream` on the endpoint ARN.
 */
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { AnthropicStreamEvent } from '../../core/serving/anthropic';
import { type ModelBody, platformSignal, type Upstream, UpstreamError } from '../../core/serving/types';
import { sdk } from '../aws/lazy-client';
import { parseJsonBytes, toUpstreamError } from './errors';
import { anthropicEvents } from './events';

/** Options for {@link sagemakerUpstream}. */
export interface SageMakerUpstreamOptions {
  readonly endpointName: string;
  /** Sent as `model` when the request names none. @default - omitted */
  readonly defaultModel?: string;
}

const encoder = new TextEncoder();

/** An {@link Upstream} over a SageMaker Runtime client (created once at init). */
export function sagemakerUpstream(
  client: Pick<SageMakerRuntimeClient, 'send'>,
  opts: SageMakerUpstreamOptions,
): Upstream {
  // The command classes load with the first call, not with this module.
  const body = (b: ModelBody, model: string | undefined, stream: boolean): Uint8Array => {
    const m = model ?? opts.defaultModel;
    return encoder.encode(
      JSON.stringify({ ...(m ? { model: m } : {}), ...b, ...(stream ? { stream: true } : {}) }),
    );
  };
  return {
    async invoke(b, model, signal) {
      try {
        const { InvokeEndpointCommand } = sdk.sagemakerRuntime();
        const out = await client.send(
          new InvokeEndpointCommand({
            EndpointName: opts.endpointName,
            ContentType: 'application/json',
            Accept: 'application/json',
            Body: body(b, model, false),
          }),
          { abortSignal: platformSignal(signal) },
        );
        return parseJsonBytes(out.Body);
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
    async *stream(b, model, signal): AsyncGenerator<AnthropicStreamEvent> {
      let parts: AsyncIterable<Record<string, unknown>> | undefined;
      try {
        const { InvokeEndpointWithResponseStreamCommand } = sdk.sagemakerRuntime();
        const out = await client.send(
          new InvokeEndpointWithResponseStreamCommand({
            EndpointName: opts.endpointName,
            ContentType: 'application/json',
            Accept: 'text/event-stream',
            Body: body(b, model, true),
          }),
          { abortSignal: platformSignal(signal) },
        );
        parts = out.Body as AsyncIterable<Record<string, unknown>> | undefined;
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
      if (!parts) throw new UpstreamError('invalid', 'empty response stream');
      const source = parts;
      async function* bytes(): AsyncGenerator<Uint8Array> {
        for await (const part of source) {
          const payload = part['PayloadPart'] as { Bytes?: Uint8Array } | undefined;
          if (payload?.Bytes) {
            yield payload.Bytes;
            continue;
          }
          if (part['ModelStreamError'] !== undefined)
            throw new UpstreamError('unavailable', 'ModelStreamError');
          if (part['InternalStreamFailure'] !== undefined)
            throw new UpstreamError('unavailable', 'InternalStreamFailure');
        }
      }
      try {
        yield* anthropicEvents(bytes());
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
  };
}
