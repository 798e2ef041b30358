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
import { toUpstreamError, upstreamErrorFor } from './errors';
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

/** SigV4 credentials: an access key, its secret and, for a role, the session token. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Resolves the current credentials (cached and refreshed before they expire by the provider). */
export type CredentialProvider = () => Promise<AwsCredentials>;

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

/**
 * The Bedrock Runtime endpoint as the SDK resolves it: `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, then `AWS_ENDPOINT_URL`
 * (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else the region's endpoint: FIPS with
 * `AWS_USE_FIPS_ENDPOINT=true`, dual-stack (IPv4 and IPv6) with `AWS_USE_DUALSTACK_ENDPOINT=true`, in the
 * partition's domain (`amazonaws.com.cn` in the China regions, `amazonaws.eu` in the European Sovereign Cloud; the
 * dual-stack domains `api.aws`, `api.amazonwebservices.com.cn`, `api.amazonwebservices.eu`).
 */
export function bedrockEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] !== 'true') {
    const configured = env['AWS_ENDPOINT_URL_BEDROCK_RUNTIME'] || env['AWS_ENDPOINT_URL'];
    if (configured) return configured;
  }
  const fips = env['AWS_USE_FIPS_ENDPOINT'] === 'true' ? '-fips' : '';
  const dualStack = env['AWS_USE_DUALSTACK_ENDPOINT'] === 'true';
  // The partitions' DNS suffixes (the SDK's partitions.json): China, the European Sovereign Cloud, the rest.
  const suffix = region.startsWith('cn-')
    ? dualStack
      ? 'api.amazonwebservices.com.cn'
      : 'amazonaws.com.cn'
    : region.startsWith('eusc-')
      ? dualStack
        ? 'api.amazonwebservices.eu'
        : 'amazonaws.eu'
      : dualStack
        ? 'api.aws'
        : 'amazonaws.com';
  return `https://bedrock-runtime${fips}.${region}.${suffix}`;
}

/**
 * The attempts per call the SDK would make: `AWS_MAX_ATTEMPTS` when set (a whole number of at least 1), else 3.
 * @throws Error naming the variable when it is set to anything else (read once, at construction)
 */
export function maxAttemptsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['AWS_MAX_ATTEMPTS'];
  if (raw === undefined || raw === '') return 3;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`AWS_MAX_ATTEMPTS: expected a whole number of at least 1, got '${raw}'`);
  return n;
}

/**
 * The `user-agent` sent with each call, in the SDK's form: this client, the runtime, the API, and the Lambda
 * execution environment (`AWS_EXECUTION_ENV`) and application id (`AWS_SDK_UA_APP_ID`) when set. Characters other
 * than the SDK's token characters become `-`, so no value in the environment can add a header.
 */
export function bedrockUserAgent(env: NodeJS.ProcessEnv = process.env): string {
  const token = (s: string) => s.replace(/[^!#$%&'*+\-.^_`|~\w]/g, '-').slice(0, 50);
  const parts = [
    'csp-safeguards',
    'lang/js',
    `md/nodejs#${token(process.versions.node)}`,
    'api/bedrock-runtime',
  ];
  const execEnv = env['AWS_EXECUTION_ENV'];
  if (execEnv) parts.push(`exec-env/${token(execEnv)}`);
  const appId = env['AWS_SDK_UA_APP_ID'];
  if (appId) parts.push(`app/${token(appId)}`);
  return parts.join(' ');
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

/** Statuses the SDK's standard retry mode retries (throttling and transient server errors). */
const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);
/** Connection failures the SDK's standard retry mode retries (a pooled connection the server closed, too). */
const RETRIED_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
/** Backoff bases of the SDK's standard retry mode: throttling waits longer. */
const RETRY_BASE_MS = 100;
const THROTTLING_RETRY_BASE_MS = 500;
const MAX_RETRY_DELAY_MS = 20_000;

/**
 * The retry quota of the SDK's standard retry mode, per client: a retry takes 5 tokens (10 after a timeout or a
 * connection failure) from a bucket of 500; a call that succeeds gives back what its retries took, or 1 token when
 * it needed none. An empty bucket stops retries (the failure is returned as it is), so a service in trouble does
 * not get three times the calls.
 */
export class RetryQuota {
  static readonly CAPACITY = 500;
  static readonly RETRY_COST = 5;
  static readonly TRANSIENT_RETRY_COST = 10;
  private tokens = RetryQuota.CAPACITY;

  get available(): number {
    return this.tokens;
  }

  /** Takes the cost of one retry after `e`; false (nothing taken) when the bucket holds less. */
  take(e: unknown): number | undefined {
    const cost = e instanceof UpstreamError ? RetryQuota.RETRY_COST : RetryQuota.TRANSIENT_RETRY_COST;
    if (this.tokens < cost) return undefined;
    this.tokens -= cost;
    return cost;
  }

  /** A call succeeded: gives back `taken` (its last retry's cost), or 1 when it was not retried. */
  succeeded(taken: number | undefined): void {
    this.tokens = Math.min(RetryQuota.CAPACITY, this.tokens + (taken ?? 1));
  }
}

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
        const base =
          e instanceof UpstreamError && e.kind === 'throttled' ? THROTTLING_RETRY_BASE_MS : RETRY_BASE_MS;
        await backoff(Math.floor(Math.min(MAX_RETRY_DELAY_MS, this.random() * 2 ** attempt * base)), signal);
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
