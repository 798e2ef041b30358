/**
 * A client of an AWS JSON-protocol API (DynamoDB: JSON 1.0, `DynamoDB_20120810.<Operation>`; KMS: JSON 1.1,
 * `TrentService.<Operation>`) without the SDK's client: one SigV4-signed POST (`aws4`) per attempt over a pooled
 * keep-alive HTTP/1.1 connection (the upstreams' `pooledOrigin`), the response read whole (bounded) and parsed.
 *
 * As the SDK's client does: credentials from its default provider chain, endpoints as it resolves them
 * (`AWS_ENDPOINT_URL_<SERVICE>`, FIPS, dual-stack), the standard retry mode (`AWS_MAX_ATTEMPTS`, statuses 429/5xx,
 * throttling and transient error codes, connection failures; full-jitter backoff; the retry quota), error names from
 * `x-amzn-errortype` or the body's `__type`, and the error body's fields on the error (e.g. the `Item` of a
 * `ConditionalCheckFailedException`). Unlike the SDK's client (no timeout by default), each attempt has a deadline
 * for its whole response ({@link AwsJsonClientOptions.timeoutMs}); a missed deadline is a `TimeoutError`, retried
 * only when a repeat cannot change the outcome: a call marked not idempotent ({@link CallOptions.idempotent}, e.g.
 * an `ADD` counter) is not sent again once its request was wholly written and no answer came (a timeout, a reset),
 * since the service may have applied it (docs/adr/0057).
 *
 * Why not the SDK's client: its per-call CPU (middleware stack, endpoint rules, schema serde, signer) is ≈ 4× the
 * call's own work measured on one core (docs/adr/0057): on the proxy's blocked path, most of the invocation's CPU.
 */
import type { IncomingMessage, RequestOptions } from 'node:http';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { sign } from 'aws4';
import { httpUrl, type PooledOrigin, pooledOrigin, requestTarget } from '../upstream/http-call';
import {
  awsEndpoint,
  awsUserAgent,
  type CredentialProvider,
  httpStatusOf,
  maxAttemptsFrom,
  RETRIED_CODES,
  RETRIED_STATUS,
  RetryQuota,
  retryDelayMs,
} from './standard';

/** A JSON-protocol API: how it is reached, signed and addressed. */
export interface AwsJsonApi {
  /** Endpoint prefix and SigV4 signing name (`dynamodb`, `kms`). */
  readonly service: string;
  /** The service's part of `AWS_ENDPOINT_URL_<SERVICE>` (`DYNAMODB`, `KMS`). */
  readonly endpointEnv: string;
  /** `x-amz-target` prefix (`DynamoDB_20120810`, `TrentService`). */
  readonly targetPrefix: string;
  /** `application/x-amz-json-<version>`. */
  readonly jsonVersion: '1.0' | '1.1';
}

/** An error the service answered (or the SDK's names for a failed attempt: `TimeoutError`). */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode?: number; readonly requestId?: string; attempts: number };
  constructor(
    name: string,
    message: string,
    status: number | undefined,
    requestId?: string,
    /** The error body's other fields (e.g. `Item`), as the SDK's exceptions carry them. */
    readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = name;
    this.$fault = status !== undefined && status >= 500 ? 'server' : 'client';
    this.$metadata = {
      ...(status !== undefined ? { httpStatusCode: status } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
      attempts: 1,
    };
  }
}

/** The error an attempt failed with, as the caller sees it: an {@link AwsServiceError} or a service's own class. */
export type ErrorFactory = (error: AwsServiceError) => Error;

/** Options of {@link AwsJsonClient}. */
export interface AwsJsonClientOptions {
  readonly region: string;
  /** @default {@link awsEndpoint} for the API */
  readonly endpoint?: string;
  /** @default the SDK's default provider chain (environment, then shared files, container and instance roles) */
  readonly credentials?: CredentialProvider;
  /** Attempts per call, the first included. @default {@link maxAttemptsFrom}(process.env) */
  readonly maxAttempts?: number;
  /** @default {@link awsUserAgent}(api.service) */
  readonly userAgent?: string;
  /** Longest wait for one attempt's whole response, in ms. @default 3000 */
  readonly timeoutMs?: number;
  /** Longest response body read, in bytes; past it the attempt fails (`ResponseTooLarge`). @default 16 MiB */
  readonly maxResponseBytes?: number;
  /** Maps a service error to what callers catch (e.g. the SDK's exception classes). @default as is */
  readonly errors?: ErrorFactory;
  /** Random numbers in [0, 1) for the retry backoff's jitter. @default Math.random */
  readonly random?: () => number;
}

/** Options of one {@link AwsJsonClient.call}. */
export interface CallOptions {
  /**
   * Whether sending the request twice has the effect of sending it once. When `false` (an `UpdateItem` that adds to
   * a counter), an attempt that failed after its request was wholly written without the service's answer (a
   * `TimeoutError`, a reset connection) is not retried: the service may have applied it. Answers the service gave
   * (throttling, 5xx: not applied) and failures before the request was written are retried as usual.
   * @default true
   */
  readonly idempotent?: boolean;
}

/** Attempt failures that happened before the request was wholly written (so the service cannot have applied it). */
const UNSENT = new WeakSet<object>();

/** Error codes the SDK's standard retry mode retries as throttling (backoff base 500 ms). */
const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
/** Error codes the SDK's standard retry mode retries as transient. */
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * Whether an attempt's failure is retried, as the SDK's standard retry mode decides (`isThrottlingError` or
 * `isTransientError` of `@smithy/core`'s retry classification): a throttling or transient error name, an expired
 * signature, status 429 or 500/502/503/504, a connection or network failure code, on the error or on its `cause` (at
 * most 10 deep; the SDK's `$retryable` trait and clock-skew correction are not carried over: no DynamoDB or KMS
 * operation this client calls has the trait). Anything
 * else (a 4xx answer, an error without status nor known code, `ResponseTooLarge`, `InvalidResponse`) is not retried.
 */
export function retryableAwsError(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object') return false;
  const name = (e as { name?: unknown }).name;
  if (name === 'AbortError') return false;
  if (typeof name === 'string' && (THROTTLING_CODES.has(name) || TRANSIENT_CODES.has(name))) return true;
  // Signed too long ago (the attempt waited): the next attempt is signed anew.
  const message = (e as { message?: unknown }).message;
  if (
    name === 'InvalidSignatureException' &&
    typeof message === 'string' &&
    message.includes('Signature expired')
  )
    return true;
  const status = httpStatusOf(e);
  if (status !== undefined && RETRIED_STATUS.has(status)) return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && RETRIED_CODES.has(code)) return true;
  const cause = (e as { cause?: unknown }).cause;
  return cause !== undefined && depth < 10 && retryableAwsError(cause, depth + 1);
}

/**
 * An error name from `__type`, a body's `code` or `x-amzn-errortype`, cleaned as the SDK cleans it: what precedes a
 * `,` then a `:`, then what follows a `#` (`com.amazonaws.dynamodb.v20120810#X`, `X:http://…`, `X,Y` → `X`).
 */
export function awsErrorName(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  let name = raw.split(',')[0] ?? '';
  name = name.split(':')[0] ?? '';
  if (name.includes('#')) name = name.split('#')[1] ?? '';
  return name || undefined;
}

/** One attempt's response: status, request id and the body parsed (an empty body is `{}`). */
interface Answer {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly errorType: string | undefined;
  readonly body: Record<string, unknown>;
}

/** Reads a whole body of at most `max` bytes; a longer one destroys the response (its connection is not reused). */
function readBody(res: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const tooLarge = () => {
      const e = new AwsServiceError('ResponseTooLarge', `response longer than ${max} bytes`, undefined);
      reject(e);
      res.destroy(e);
    };
    if (Number(res.headers['content-length'] ?? 0) > max) return tooLarge();
    res.on('data', (c: Buffer) => {
      length += c.byteLength;
      if (length > max) tooLarge();
      else chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks, length)));
    res.once('error', reject);
    // Closed before its end (reset): an error, never a truncated body taken as whole.
    res.once('close', () => {
      if (!res.complete)
        reject(Object.assign(new Error('response closed before its end'), { code: 'ECONNRESET' }));
    });
  });
}

/** A JSON-protocol API client: its endpoint's keep-alive pool, the signer and the retry policy, built once. */
export class AwsJsonClient {
  readonly endpoint: URL;
  /** The retry quota of this client's calls (the SDK's standard retry mode). */
  readonly retryQuota = new RetryQuota();
  private readonly origin: PooledOrigin;
  private readonly credentials: CredentialProvider;
  private readonly maxAttempts: number;
  private readonly userAgent: string;
  private readonly contentType: string;
  private readonly maxResponseBytes: number;
  private readonly errors: ErrorFactory;
  private readonly random: () => number;
  private readonly path: string;
  private readonly target: RequestOptions;

  constructor(
    readonly api: AwsJsonApi,
    private readonly options: AwsJsonClientOptions,
  ) {
    this.endpoint = httpUrl(
      options.endpoint ?? awsEndpoint(api.service, api.endpointEnv, options.region),
      `${api.service} endpoint`,
    );
    this.origin = pooledOrigin(this.endpoint, options.timeoutMs ?? 3_000);
    this.credentials = options.credentials ?? defaultProvider();
    const attempts = options.maxAttempts ?? maxAttemptsFrom();
    this.maxAttempts = Number.isFinite(attempts) ? Math.max(1, Math.floor(attempts)) : 3;
    this.userAgent = options.userAgent ?? awsUserAgent(api.service);
    this.contentType = `application/x-amz-json-${api.jsonVersion}`;
    this.maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
    this.errors = options.errors ?? ((e) => e);
    this.random = options.random ?? Math.random;
    this.path = this.endpoint.pathname || '/';
    this.target = { ...requestTarget(this.endpoint), path: this.path };
  }

  /**
   * Calls `operation` with `input` (serialized as JSON), retried as the SDK would; resolves with the parsed output.
   * @throws the mapped {@link AwsServiceError} of the last attempt, or its transport error (`code` set)
   */
  async call(operation: string, input: object, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const body = JSON.stringify(input);
    const idempotent = options.idempotent ?? true;
    let taken: number | undefined;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        const answer = await this.once(operation, body);
        if (answer.status >= 200 && answer.status < 300) {
          this.retryQuota.succeeded(taken);
          return answer.body;
        }
        failure = this.serviceError(answer);
      } catch (e) {
        failure = e;
      }
      if (failure instanceof AwsServiceError) failure.$metadata.attempts = attempt;
      if (attempt >= this.maxAttempts || !retryableAwsError(failure)) throw this.mapped(failure);
      // Sent, and no answer from the service: it may have applied the request; a repeat could apply it twice.
      if (!idempotent && httpStatusOf(failure) === undefined && !UNSENT.has(failure as object))
        throw this.mapped(failure);
      taken = this.retryQuota.take(failure);
      if (taken === undefined) throw this.mapped(failure);
      const name = (failure as { name?: unknown }).name;
      await new Promise((r) =>
        setTimeout(
          r,
          retryDelayMs(attempt, typeof name === 'string' && THROTTLING_CODES.has(name), this.random),
        ),
      );
    }
  }

  private mapped(e: unknown): unknown {
    return e instanceof AwsServiceError ? this.errors(e) : e;
  }

  private serviceError(answer: Answer): AwsServiceError {
    const { __type, code, message, Message, ...fields } = answer.body;
    // The SDK's order for the JSON protocols: the body's `__type`, its `code`, then the header.
    const name =
      awsErrorName(__type) ??
      awsErrorName(code) ??
      awsErrorName(answer.errorType) ??
      (answer.status >= 500 ? 'InternalServerError' : 'UnknownError');
    const text = typeof message === 'string' ? message : typeof Message === 'string' ? Message : name;
    return new AwsServiceError(name, text, answer.status, answer.requestId, fields);
  }

  private async once(operation: string, body: string): Promise<Answer> {
    const url = this.endpoint;
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': this.contentType,
      'x-amz-target': `${this.api.targetPrefix}.${operation}`,
      'content-length': String(Buffer.byteLength(body, 'utf8')),
      'user-agent': this.userAgent,
    };
    // SigV4 (aws4): adds x-amz-date, x-amz-security-token for a role's credentials, and authorization.
    const signed = sign(
      {
        host: url.host,
        path: this.path,
        method: 'POST',
        service: this.api.service,
        region: this.options.region,
        headers,
        body,
      },
      await this.credentials(),
    ).headers as Record<string, string>;
    const flat: string[] = [];
    for (const name of Object.keys(signed)) flat.push(name, String(signed[name]));
    // One deadline for the whole attempt (head and body): a stalled response is a TimeoutError, retried.
    let timedOut: AwsServiceError | undefined;
    let current: { destroy(e: Error): void } | undefined;
    const deadline = this.origin.deadlines.start(() => {
      timedOut = new AwsServiceError(
        'TimeoutError',
        `no response within ${this.origin.headersTimeoutMs} ms`,
        undefined,
      );
      current?.destroy(timedOut);
    });
    let res: IncomingMessage;
    let raw: Buffer;
    let written = false;
    try {
      res = await this.send(
        flat,
        body,
        (r) => {
          current = r;
          if (timedOut) r.destroy(timedOut);
        },
        () => {
          written = true;
        },
      );
      raw = await readBody(res, this.maxResponseBytes);
    } catch (e) {
      const failure = timedOut ?? e;
      if (!written && failure !== null && typeof failure === 'object') UNSENT.add(failure);
      throw failure;
    } finally {
      this.origin.deadlines.settle(deadline);
    }
    const requestId = res.headers['x-amzn-requestid'];
    const errorType = res.headers['x-amzn-errortype'];
    let parsed: unknown = {};
    if (raw.length > 0) {
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AwsServiceError('InvalidResponse', 'response body is not JSON', res.statusCode);
      }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new AwsServiceError('InvalidResponse', 'response body is not a JSON object', res.statusCode);
    return {
      status: res.statusCode ?? 0,
      requestId: typeof requestId === 'string' ? requestId : undefined,
      errorType: typeof errorType === 'string' ? errorType : undefined,
      body: parsed as Record<string, unknown>,
    };
  }

  /**
   * One POST; resolves with the response head (any status), rejects on a transport failure. `track` gets the request,
   * then the response: what a missed deadline destroys. `written` is called once the whole request was handed to the
   * operating system (from then on the service may have received it).
   */
  private send(
    headers: string[],
    body: string,
    track: (r: { destroy(e: Error): void }) => void,
    written: () => void,
  ): Promise<IncomingMessage> {
    const origin = this.origin;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      let req: ReturnType<PooledOrigin['send']>;
      try {
        req = origin.send({ ...this.target, method: 'POST', agent: origin.agent, headers });
      } catch (e) {
        // A header value node:http refuses: nothing was sent.
        fail(e);
        return;
      }
      track(req);
      req.once('finish', written);
      req.on('error', fail);
      req.once('response', (res) => {
        // Errors after the head reach the body's reader; this listener keeps them from being unhandled.
        res.on('error', () => undefined);
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        track(res);
        resolve(res);
      });
      req.end(body);
    });
  }
}
