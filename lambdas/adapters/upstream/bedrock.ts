/**
 * Upstream over Amazon Bedrock Runtime: `InvokeModel` and `InvokeModelWithResponseStream` with the Anthropic Messages
 * body (`anthropic_version: bedrock-2023-05-31`), without the SDK's client: SigV4-signed POSTs (`aws4`, a small
 * dependency-free signer; `@smithy/signature-v4` would bundle ≈ 118 KB of `@smithy/core` with it) over pooled
 * keep-alive HTTP/1.1 (./http-call.ts), the response event stream decoded frame by frame with `@smithy/eventstream-codec` (both CRCs
 * checked). Credentials come from the SDK's default provider chain (`@aws-sdk/credential-provider-node`: in Lambda,
 * the function role's credentials in its environment), so deployers change nothing. Errors map as the SDK client's
 * do (the `x-amzn-errortype` name through {@link upstreamErrorFor}); throttling, 5xx and connection failures are
 * retried like the SDK's standard retry mode (`AWS_MAX_ATTEMPTS`, the retry quota), before any response byte is
 * read, never after. Endpoints, FIPS and dual-stack as the SDK resolves them; a `user-agent` in the SDK's form.
 *
 * Why not the SDK client: for one call it ran ≈ a third of the proxy's steady CPU per request (its middleware
 * stack, the HTTP/2 handler and a session per response stream) and ≈ 16 ms of the Lambda's cold import
 * (docs/adr/0042). IAM as before: `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream`.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { crc32 } from 'node:zlib';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Message } from '@smithy/eventstream-codec';
import { sign } from 'aws4';
import { type AnthropicStreamEvent, readStreamEvent } from '../../core/serving/anthropic';
import { eventStreamCodec } from '../../core/serving/bedrock';
import { type CallSignal, type ModelBody, type Upstream, UpstreamError } from '../../core/serving/types';
import {
  awsEndpoint,
  awsUserAgent,
  type CredentialProvider,
  maxAttemptsFrom,
  RETRIED_CODES,
  RETRIED_STATUS,
  RetryQuota,
  retryDelayMs,
} from '../aws/standard';
import { toUpstreamError, upstreamErrorFor } from './errors';

export type { AwsCredentials, CredentialProvider } from '../aws/standard';
export { maxAttemptsFrom, RetryQuota } from '../aws/standard';

import {
  httpUrl,
  MAX_UPSTREAM_RESPONSE_BYTES,
  type PooledOrigin,
  pooledOrigin,
  postOnce,
  readText,
  requestTarget,
} from './http-call';

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

/** The InvokeModel body: the Anthropic Messages body with Bedrock's `anthropic_version`. */
export function bedrockRequestBody(b: ModelBody, opts: BedrockUpstreamOptions): string {
  return JSON.stringify({ anthropic_version: opts.anthropicVersion ?? 'bedrock-2023-05-31', ...b });
}

/** Bedrock stream exception members and the upstream error kind each maps to. */
const STREAM_EXCEPTIONS: ReadonlyArray<readonly [string, UpstreamError['kind']]> = [
  ['throttlingException', 'throttled'],
  ['modelTimeoutException', 'timeout'],
  ['serviceUnavailableException', 'unavailable'],
  ['internalServerException', 'unavailable'],
  ['modelStreamErrorException', 'unavailable'],
  ['validationException', 'rejected'],
];

/** Options for {@link BedrockHttpClient}. */
export interface BedrockHttpClientOptions {
  readonly region: string;
  /** @default {@link bedrockEndpoint}(region) */
  readonly endpoint?: string;
  /** @default the SDK's default provider chain (environment, then shared files, container and instance roles) */
  readonly credentials?: CredentialProvider;
  /** Attempts per call, the first included (the SDK's `maxAttempts`). @default {@link maxAttemptsFrom}(process.env) */
  readonly maxAttempts?: number;
  /** @default {@link bedrockUserAgent}(process.env) */
  readonly userAgent?: string;
  /**
   * Longest wait for a response head. A non-streamed answer's head comes only when the whole answer is generated,
   * so the default is the longest a Lambda can run (the SDK client set none). @default 900000
   */
  readonly headersTimeoutMs?: number;
  /**
   * Longest response read whole, and longest event-stream frame, in bytes; past it the call fails as `invalid`.
   * @default {@link MAX_UPSTREAM_RESPONSE_BYTES}
   */
  readonly maxResponseBytes?: number;
  /** Random numbers in [0, 1) for the retry backoff's jitter. @default Math.random */
  readonly random?: () => number;
}

/** The Bedrock Runtime endpoint as the SDK resolves it ({@link awsEndpoint}). */
export function bedrockEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return awsEndpoint('bedrock-runtime', 'BEDROCK_RUNTIME', region, env);
}

/** The `user-agent` of Bedrock calls ({@link awsUserAgent}). */
export function bedrockUserAgent(env: NodeJS.ProcessEnv = process.env): string {
  return awsUserAgent('bedrock-runtime', env);
}

/** A model id as one path segment, encoded as the SDK encodes labels (`:` → `%3A`, `/` → `%2F`, and `!'()*`). */
export function modelIdSegment(modelId: string): string {
  return encodeURIComponent(modelId).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** An event-stream frame's prelude: total length, headers length, and the CRC-32 of those eight bytes. */
const PRELUDE_BYTES = 12;

/** Whether a failed attempt is retried (before any response byte was read: that is the only place it can fail). */
function retryable(e: unknown): boolean {
  if (e instanceof UpstreamError) return e.status !== undefined && RETRIED_STATUS.has(e.status);
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRIED_CODES.has(code);
}

/** Waits `ms`, or rejects as `aborted` as soon as `signal` aborts. */
function backoff(ms: number, signal: CallSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UpstreamError('aborted', 'call aborted by the caller'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The `x-amzn-errortype` header as an error name (`ThrottlingException:http://…` → `ThrottlingException`). */
function errorTypeName(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return 'unknown';
  return raw.split(':')[0]?.split('#').pop() || 'unknown';
}

const statusError = (status: number, headers: IncomingHttpHeaders): UpstreamError =>
  upstreamErrorFor(errorTypeName(headers['x-amzn-errortype']), status);

/** The two Bedrock Runtime operations serving calls. */
type Operation = 'invoke' | 'invoke-with-response-stream';

/**
 * A Bedrock Runtime client for {@link bedrockUpstream}: the endpoint's keep-alive pool, the signer and the
 * retry policy, created once per process.
 */
export class BedrockHttpClient {
  readonly endpoint: URL;
  readonly maxResponseBytes: number;
  private readonly origin: PooledOrigin;
  private readonly credentials: CredentialProvider;
  private readonly region: string;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly basePath: string;
  private readonly userAgent: string;
  /** The retry quota of this client's calls (the SDK's standard retry mode). */
  readonly retryQuota = new RetryQuota();

  constructor(opts: BedrockHttpClientOptions) {
    this.endpoint = httpUrl(opts.endpoint ?? bedrockEndpoint(opts.region), 'bedrock endpoint');
    this.origin = pooledOrigin(this.endpoint, opts.headersTimeoutMs ?? 900_000);
    this.credentials = opts.credentials ?? defaultProvider();
    this.region = opts.region;
    const attempts = opts.maxAttempts ?? maxAttemptsFrom();
    this.maxAttempts = Number.isFinite(attempts) ? Math.max(1, Math.floor(attempts)) : 3;
    this.userAgent = opts.userAgent ?? bedrockUserAgent();
    this.maxResponseBytes = opts.maxResponseBytes ?? MAX_UPSTREAM_RESPONSE_BYTES;
    this.random = opts.random ?? Math.random;
    this.basePath = this.endpoint.pathname.replace(/\/+$/, '');
  }

  /**
   * `POST /model/{modelId}/{operation}`, signed, retried as the SDK would; resolves with a 2xx response whose body
   * is unread. @throws UpstreamError for an error status, or the transport's error
   */
  async post(
    modelId: string,
    operation: Operation,
    body: string,
    signal: CallSignal,
  ): Promise<IncomingMessage> {
    const path = `${this.basePath}/model/${modelIdSegment(modelId)}/${operation}`;
    let taken: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.once(path, operation, body, signal);
        this.retryQuota.succeeded(taken);
        return res;
      } catch (e) {
        if (attempt >= this.maxAttempts || signal.aborted || !retryable(e)) throw e;
        taken = this.retryQuota.take(e);
        if (taken === undefined) throw e;
        const throttled = e instanceof UpstreamError && e.kind === 'throttled';
        await backoff(retryDelayMs(attempt, throttled, this.random), signal);
      }
    }
  }

  private async once(path: string, operation: Operation, body: string, signal: CallSignal) {
    const url = this.endpoint;
    // The headers the SDK sends for these operations (the stream names its payload type in its own header).
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body, 'utf8')),
      'user-agent': this.userAgent,
      [operation === 'invoke' ? 'accept' : 'x-amzn-bedrock-accept']: 'application/json',
    };
    // SigV4 (aws4): adds x-amz-date, x-amz-security-token for a role's credentials, and authorization.
    const signed = sign(
      { host: url.host, path, method: 'POST', service: 'bedrock', region: this.region, headers, body },
      await this.credentials(),
    ).headers as Record<string, string>;
    const flat: string[] = [];
    for (const name of Object.keys(signed)) flat.push(name, String(signed[name]));
    return postOnce(this.origin, { ...requestTarget(url), path }, flat, body, signal, statusError);
  }
}

/** A stream exception frame's `:exception-type` as the upstream error the SDK client's adapter raised for it. */
function streamException(type: unknown): UpstreamError {
  for (const [name, kind] of STREAM_EXCEPTIONS) if (name === type) return new UpstreamError(kind, name);
  return new UpstreamError('unavailable', typeof type === 'string' ? type : 'stream exception');
}

/**
 * Event-stream messages of a response body, split by each frame's length prefix, at most `max` bytes each.
 * Reads are kept as a list and joined once a step's bytes are all there (the prelude, then the frame), so a
 * large frame in many reads is copied once, not once per read. The prelude's own checksum is checked as soon
 * as its 12 bytes arrive: a corrupt length fails the stream at once instead of waiting for bytes that never come.
 */
export async function* eventStreamMessages(
  chunks: AsyncIterable<Buffer>,
  max: number,
): AsyncGenerator<Message> {
  const parts: Buffer[] = [];
  let buffered = 0;
  // Bytes needed before the next step can run: the prelude, then its whole frame.
  let want = PRELUDE_BYTES;
  for await (const chunk of chunks) {
    parts.push(chunk);
    buffered += chunk.length;
    if (buffered < want) continue;
    let pending = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, buffered);
    parts.length = 0;
    want = PRELUDE_BYTES;
    while (pending.length >= PRELUDE_BYTES) {
      const total = pending.readUInt32BE(0);
      if (crc32(pending.subarray(0, 8)) !== pending.readUInt32BE(8))
        throw new UpstreamError('invalid', 'event-stream frame prelude does not match its checksum');
      // 16 bytes: the prelude (total and headers lengths, prelude CRC) and the message CRC.
      if (total < 16 || total > max)
        throw new UpstreamError('invalid', `event-stream frame of ${total} bytes`);
      if (pending.length < total) {
        want = total;
        break;
      }
      let message: Message;
      try {
        message = eventStreamCodec.decode(pending.subarray(0, total));
      } catch {
        throw new UpstreamError('invalid', 'event-stream frame does not decode (length or checksum)');
      }
      pending = pending.subarray(total);
      yield message;
    }
    buffered = pending.length;
    if (buffered > 0) parts.push(pending);
  }
  if (buffered > 0) throw new UpstreamError('unavailable', 'response stream ended inside a frame');
}

const utf8 = new TextDecoder('utf-8');

/** Anthropic stream events of an `InvokeModelWithResponseStream` body. */
export async function* bedrockStreamEvents(
  chunks: AsyncIterable<Buffer>,
  max: number,
): AsyncGenerator<AnthropicStreamEvent> {
  for await (const message of eventStreamMessages(chunks, max)) {
    const h = message.headers;
    const messageType = h[':message-type']?.value;
    if (messageType === 'exception') throw streamException(h[':exception-type']?.value);
    if (messageType !== 'event') {
      const code = h[':error-code']?.value;
      throw new UpstreamError('unavailable', typeof code === 'string' ? code : 'stream error');
    }
    // Only `chunk` carries the model's events; an event type added later is skipped, as the SDK client did.
    if (h[':event-type']?.value !== 'chunk') continue;
    let value: unknown;
    try {
      const payload = JSON.parse(utf8.decode(message.body)) as { bytes?: unknown };
      if (typeof payload.bytes !== 'string') continue;
      value = JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8'));
    } catch {
      throw new UpstreamError('invalid', 'stream chunk is not JSON');
    }
    const event = readStreamEvent(value);
    if (event) yield event;
  }
}

/** An {@link Upstream} over Bedrock Runtime through a {@link BedrockHttpClient}. */
export function bedrockUpstream(client: BedrockHttpClient, opts: BedrockUpstreamOptions = {}): Upstream {
  const max = client.maxResponseBytes;
  return {
    async invoke(b: ModelBody, model, signal) {
      try {
        const res = await client.post(
          resolveModelId(model, opts),
          'invoke',
          bedrockRequestBody(b, opts),
          signal,
        );
        const text = await readText(res, max);
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new UpstreamError('invalid', 'model response is not JSON');
        }
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
    async *stream(b, model, signal): AsyncGenerator<AnthropicStreamEvent> {
      let res: IncomingMessage | undefined;
      try {
        res = await client.post(
          resolveModelId(model, opts),
          'invoke-with-response-stream',
          bedrockRequestBody(b, opts),
          signal,
        );
        yield* bedrockStreamEvents(res, max);
      } catch (e) {
        throw toUpstreamError(e, signal);
      } finally {
        // Stopped early (blocked output, client gone): the connection is closed, not reused mid-body.
        if (res && !res.complete) res.destroy();
      }
    },
  };
}
