/** Maps AWS SDK and HTTP client failures to {@link UpstreamError} kinds, without leaking internals. */
import { type CallSignal, UpstreamError } from '../../core/serving/types';

interface SdkErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly OriginalStatusCode?: unknown;
}

/** Kind for an HTTP status from a model server. */
export function kindForStatus(status: number): UpstreamError['kind'] {
  if (status === 429) return 'throttled';
  if (status === 408 || status === 504) return 'timeout';
  // 401/403 mean our credentials or permissions are wrong: not the client's fault, and not worth a retry.
  if (status === 401 || status === 403) return 'credentials';
  // A redirect is never followed (credentials go to the configured origin only): an upstream error.
  if (status >= 300 && status < 400) return 'redirect';
  if (status >= 400 && status < 500) return 'rejected';
  return 'unavailable';
}

/** Normalizes any error thrown by a model call. `signal` tells an abort by the caller apart. */
export function toUpstreamError(e: unknown, signal: CallSignal): UpstreamError {
  if (e instanceof UpstreamError) return e;
  if (signal.aborted) return new UpstreamError('aborted', 'call aborted by the caller');
  const err = (typeof e === 'object' && e !== null ? e : {}) as SdkErrorLike;
  return upstreamErrorFor(
    typeof err.name === 'string' ? err.name : 'unknown',
    err.$metadata?.httpStatusCode,
    err.OriginalStatusCode,
  );
}

/**
 * The {@link UpstreamError} for an AWS error name (an SDK error's `name`, or the `x-amzn-errortype` of a Bedrock
 * response read without the SDK) and its HTTP status.
 */
export function upstreamErrorFor(
  name: string,
  status: number | undefined,
  originalStatusCode?: unknown,
): UpstreamError {
  switch (name) {
    case 'ThrottlingException':
    case 'TooManyRequestsException':
    case 'ServiceQuotaExceededException':
      return new UpstreamError('throttled', name, status ?? 429);
    case 'ModelTimeoutException':
    case 'TimeoutError':
    case 'RequestTimeout':
    case 'RequestTimeoutException':
      return new UpstreamError('timeout', name, status);
    case 'ValidationException':
      return new UpstreamError('rejected', name, status ?? 400);
    case 'ModelError': {
      const original = typeof originalStatusCode === 'number' ? originalStatusCode : 500;
      return new UpstreamError(kindForStatus(original), name, original);
    }
    case 'AbortError':
      return new UpstreamError('aborted', name);
    default:
      return new UpstreamError(status === undefined ? 'unavailable' : kindForStatus(status), name, status);
  }
}

const utf8 = new TextDecoder('utf-8');

/** Parses JSON bytes; an `invalid` upstream error when they are not JSON. */
export function parseJsonBytes(bytes: Uint8Array | undefined): unknown {
  try {
    return JSON.parse(utf8.decode(bytes ?? new Uint8Array()));
  } catch {
    throw new UpstreamError('invalid', 'model response is not JSON');
  }
}
