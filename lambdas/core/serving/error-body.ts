/**
 * The wire shapes of an error answer, the one place both are written: the Anthropic error JSON
 * (`{"type":"error","error":{type,message},"request_id"}`) on `/v1/messages`, Bedrock's `{"message": …}` with
 * `x-amzn-errortype` on the Bedrock routes, `request-id` on both. Serving renders its failures through it
 * (errors.ts) and so does the Lambda@Edge viewer check (core/edge/checks.ts): it imports nothing, so the edge
 * bundle stays small.
 */

/** A rendered error response. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What an error answer says, in both vocabularies. */
export interface ErrorShape {
  readonly status: number;
  /** The Anthropic `error.type` (`invalid_request_error`, `rate_limit_error`, …). */
  readonly anthropic: string;
  /** The Bedrock `x-amzn-errortype` (`ValidationException`, `ThrottlingException`, …). */
  readonly bedrock: string;
  readonly message: string;
}

/**
 * Renders `shape` in the error format of the API the client speaks (`messages` or `bedrock`), with `requestId`
 * as `request-id` (and `x-amzn-requestid` for Bedrock) and `extraHeaders` (`retry-after`, `allow`).
 */
export function renderErrorShape(
  format: 'messages' | 'bedrock',
  shape: ErrorShape,
  requestId: string,
  extraHeaders?: Readonly<Record<string, string>>,
): ErrorResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'request-id': requestId,
    ...(extraHeaders ?? {}),
  };
  if (format === 'messages') {
    const body = {
      type: 'error',
      error: { type: shape.anthropic, message: shape.message },
      request_id: requestId,
    };
    return { status: shape.status, headers, body: JSON.stringify(body) };
  }
  headers['x-amzn-requestid'] = requestId;
  headers['x-amzn-errortype'] = shape.bedrock;
  return { status: shape.status, headers, body: JSON.stringify({ message: shape.message }) };
}
