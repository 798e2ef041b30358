/**
 * Tier-2 classifier over a SageMaker endpoint (docs/classifier-contract.md): `POST /invocations` with
 * `{"inputs": text}` (or `{"inputs": output, "prompt": request}` for an exchange) → `{"scores": {...}}`. Calls go through a circuit breaker (open after N consecutive
 * failures — errors, timeouts, non-JSON answers — and fail fast with an error named `circuit-open` until
 * a half-open probe succeeds). The caller's `AbortSignal` (the engine's deadline) cancels the HTTP call.
 * IAM: `sagemaker:InvokeEndpoint` on the classifier endpoint ARN.
 */
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Tier2Classifier, Tier2Context } from '../../core/engine/tier2';
import { sdk } from '../aws/lazy-client';
import { type Breaker, type BreakerOptions, ConsecutiveFailureBreaker } from './breaker';

/** Options for {@link SageMakerTier2}. */
export interface SageMakerTier2Options extends BreakerOptions {
  readonly endpointName: string;
  /** @default a {@link ConsecutiveFailureBreaker} built from the breaker options */
  readonly breaker?: Breaker;
}

/** Thrown when the endpoint answers with something that is not JSON; counts as a breaker failure. */
export class InvalidResponseError extends Error {
  override readonly name = 'invalid-response';
  constructor() {
    super('tier-2 answer is not JSON');
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** The tier-2 classifier adapter; build once at init (the breaker state lives in the instance). */
export class SageMakerTier2 implements Tier2Classifier {
  readonly breaker: Breaker;

  constructor(
    private readonly client: Pick<SageMakerRuntimeClient, 'send'>,
    private readonly options: SageMakerTier2Options,
  ) {
    this.breaker = options.breaker ?? new ConsecutiveFailureBreaker(options);
  }

  /** True while calls fail fast. */
  get open(): boolean {
    return this.breaker.state === 'open';
  }

  async classify(text: string, signal: AbortSignal, context?: Tier2Context): Promise<unknown> {
    const payload = context ? { inputs: text, prompt: context.prompt } : { inputs: text };
    return this.breaker.execute(async () => {
      // Loaded on the first tier-2 call, not with this module.
      const { InvokeEndpointCommand } = sdk.sagemakerRuntime();
      const out = await this.client.send(
        new InvokeEndpointCommand({
          EndpointName: this.options.endpointName,
          ContentType: 'application/json',
          Accept: 'application/json',
          Body: encoder.encode(JSON.stringify(payload)),
        }),
        { abortSignal: signal },
      );
      try {
        return JSON.parse(decoder.decode(out.Body ?? new Uint8Array())) as unknown;
      } catch {
        throw new InvalidResponseError();
      }
    });
  }
}
