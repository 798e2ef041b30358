/**
 * Error responses per route. One vocabulary of failures, rendered as Anthropic error JSON on
 * `/v1/messages` and as Bedrock `{"message": …}` with `x-amzn-errortype` on the Bedrock routes.
 * Messages never echo request content or internals. See docs/serving.md for the table.
 */
import { type RequestError, requestErrorMessage } from '../request/errors';
import type { AnthropicErrorType } from './anthropic';
import type { BedrockErrorType, BedrockStreamException } from './bedrock';
import { type ErrorResponse, renderErrorShape } from './error-body';
import type { ServeRoute } from './types';

export type { ErrorResponse } from './error-body';

/** A failure serving answers with an error response. */
export type ServeFailure =
  | { readonly kind: 'invalid'; readonly error: RequestError }
  | { readonly kind: 'unauthenticated' }
  /** The authorizer could not reach its store: refused closed, as a retryable service error. */
  | { readonly kind: 'auth_unavailable' }
  /** No served route has this path. */
  | { readonly kind: 'route_not_found' }
  /** A served route, another method: `allow` is the `Allow` header. */
  | { readonly kind: 'method_not_allowed'; readonly allow: string }
  /** The request headers exceed the server's limit (the local gateway; API Gateway answers this in AWS). */
  | { readonly kind: 'headers_too_large' }
  /** The HTTP request could not be parsed at all. */
  | { readonly kind: 'malformed_http' }
  | { readonly kind: 'blocked' }
  /** `notice`: for a throttled tenant, by whom, until when and how it is lifted (core/enforcement/notice.ts). */
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number; readonly notice?: string }
  /** A suspended or banned tenant (403); `message` says by whom, until when and how it is lifted. */
  | { readonly kind: 'access_denied'; readonly message: string }
  | { readonly kind: 'upstream_throttled'; readonly retryAfterMs?: number }
  | { readonly kind: 'upstream_unavailable' }
  | { readonly kind: 'upstream_timeout' }
  | { readonly kind: 'upstream_rejected' }
  | { readonly kind: 'upstream_credentials' }
  | { readonly kind: 'upstream_redirect' }
  | { readonly kind: 'kill_switch' }
  | { readonly kind: 'model_disabled' }
  /** The requested model is not in the region's allowlist (`model` is the client's id, echoed to it only). */
  | { readonly kind: 'model_not_found'; readonly model: string }
  | { readonly kind: 'internal' };

interface Shape {
  readonly status: number;
  readonly anthropic: AnthropicErrorType;
  readonly bedrock: BedrockErrorType;
  readonly message: string;
}

function shape(f: ServeFailure, decisionId: string): Shape {
  switch (f.kind) {
    case 'invalid':
      return {
        status: f.error.status,
        anthropic: f.error.type,
        bedrock: 'ValidationException',
        message: requestErrorMessage(f.error),
      };
    case 'unauthenticated':
      return {
        status: 401,
        anthropic: 'authentication_error',
        bedrock: 'AccessDeniedException',
        message: 'authentication required',
      };
    case 'auth_unavailable':
      return {
        status: 503,
        anthropic: 'overloaded_error',
        bedrock: 'ServiceUnavailableException',
        message: `authorization is temporarily unavailable; retry later (decision ${decisionId})`,
      };
    case 'route_not_found':
      return {
        status: 404,
        anthropic: 'not_found_error',
        bedrock: 'ResourceNotFoundException',
        message:
          'unknown route: use POST /v1/messages or POST /model/{modelId}/invoke[-with-response-stream]',
      };
    case 'method_not_allowed':
      return {
        status: 405,
        anthropic: 'invalid_request_error',
        bedrock: 'ValidationException',
        message: `method not allowed on this route; use ${f.allow}`,
      };
    case 'headers_too_large':
      return {
        status: 431,
        anthropic: 'invalid_request_error',
        bedrock: 'ValidationException',
        message: 'request headers are too large',
      };
    case 'malformed_http':
      return {
        status: 400,
        anthropic: 'invalid_request_error',
        bedrock: 'ValidationException',
        message: 'malformed HTTP request',
      };
    case 'blocked':
      return {
        status: 400,
        anthropic: 'invalid_request_error',
        bedrock: 'ValidationException',
        message: `request blocked by policy (decision ${decisionId})`,
      };
    case 'rate_limited':
      return {
        status: 429,
        anthropic: 'rate_limit_error',
        bedrock: 'ThrottlingException',
        message: `token rate limit exceeded; retry after the time in the retry-after header${f.notice ? `; ${f.notice}` : ''}`,
      };
    case 'access_denied':
      return {
        status: 403,
        anthropic: 'permission_error',
        bedrock: 'AccessDeniedException',
        message: `${f.message} (decision ${decisionId})`,
      };
    case 'upstream_throttled':
      return {
        status: 429,
        anthropic: 'rate_limit_error',
        bedrock: 'ThrottlingException',
        message: 'the model is receiving too many requests; retry later',
      };
    case 'upstream_unavailable':
      return {
        status: 503,
        anthropic: 'overloaded_error',
        bedrock: 'ServiceUnavailableException',
        message: 'the model is temporarily unavailable; retry later',
      };
    case 'upstream_timeout':
      return {
        status: 503,
        anthropic: 'api_error',
        bedrock: 'ServiceUnavailableException',
        message: 'the model did not answer in time; retry later',
      };
    case 'upstream_rejected':
      return {
        status: 400,
        anthropic: 'invalid_request_error',
        bedrock: 'ValidationException',
        message: 'the model rejected the request',
      };
    case 'upstream_credentials':
      // Not 503 "overloaded": SDKs retry that, and no retry fixes the gateway's own credentials.
      return {
        status: 502,
        anthropic: 'api_error',
        bedrock: 'InternalServerException',
        message: `the upstream model service refused the gateway's credentials; the operator must fix the gateway's upstream key or permissions (decision ${decisionId})`,
      };
    case 'upstream_redirect':
      return {
        status: 502,
        anthropic: 'api_error',
        bedrock: 'InternalServerException',
        message: `the upstream model service answered with a redirect, which the gateway does not follow (decision ${decisionId})`,
      };
    case 'kill_switch':
      return {
        status: 503,
        anthropic: 'overloaded_error',
        bedrock: 'ServiceUnavailableException',
        message: `serving is suspended in this region by the operator kill switch (decision ${decisionId})`,
      };
    case 'model_disabled':
      return {
        status: 403,
        anthropic: 'permission_error',
        bedrock: 'AccessDeniedException',
        message: `this model is disabled in this region by the operator (decision ${decisionId})`,
      };
    case 'model_not_found':
      // As the Claude API and Bedrock answer an unknown model: never a retryable 5xx. The id passed the
      // parser's model-id pattern (letters, digits and `.:_-/@`), so echoing it cannot inject markup.
      return {
        status: 404,
        anthropic: 'not_found_error',
        bedrock: 'ResourceNotFoundException',
        message: `model: ${f.model} is not available in this region (decision ${decisionId})`,
      };
    case 'internal':
      return {
        status: 500,
        anthropic: 'api_error',
        bedrock: 'InternalServerException',
        message: 'internal error',
      };
  }
}

/** Seconds for a `retry-after` header (at least 1). */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil((Number.isFinite(ms) ? ms : 60_000) / 1000)));
}

/** Renders a failure for the route. Every response carries `request-id` = decision id. */
export function renderError(route: ServeRoute, f: ServeFailure, decisionId: string): ErrorResponse {
  const headers: Record<string, string> = {};
  const retryMs = 'retryAfterMs' in f ? f.retryAfterMs : undefined;
  if (retryMs !== undefined) headers['retry-after'] = retryAfterSeconds(retryMs);
  if (f.kind === 'method_not_allowed') headers['allow'] = f.allow;
  return renderErrorShape(
    route === 'messages' ? 'messages' : 'bedrock',
    shape(f, decisionId),
    decisionId,
    headers,
  );
}

/** The in-stream rendering of an upstream failure after the response head was sent. */
export function streamFailure(f: ServeFailure): {
  anthropic: { type: 'error'; error: { type: string; message: string } };
  bedrock: { type: BedrockStreamException; message: string };
} {
  const s = shape(f, '');
  const bedrock: BedrockStreamException =
    f.kind === 'upstream_throttled'
      ? 'throttlingException'
      : f.kind === 'upstream_timeout'
        ? 'modelTimeoutException'
        : f.kind === 'upstream_unavailable'
          ? 'serviceUnavailableException'
          : 'internalServerException';
  return {
    anthropic: { type: 'error', error: { type: s.anthropic, message: s.message } },
    bedrock: { type: bedrock, message: s.message },
  };
}

/** Maps an upstream error kind to the failure answered to the client. */
export function upstreamFailure(kind: string, retryAfterMs?: number): ServeFailure {
  switch (kind) {
    case 'throttled':
      return retryAfterMs === undefined
        ? { kind: 'upstream_throttled' }
        : { kind: 'upstream_throttled', retryAfterMs };
    case 'timeout':
      return { kind: 'upstream_timeout' };
    case 'rejected':
      return { kind: 'upstream_rejected' };
    case 'credentials':
      return { kind: 'upstream_credentials' };
    case 'redirect':
      return { kind: 'upstream_redirect' };
    default:
      return { kind: 'upstream_unavailable' };
  }
}
