/**
 * The CloudFront side of the edge functions: event → {@link EdgeRequest}, refusal → generated response,
 * and the settings the bundler fixes at synth time (Lambda@Edge has no environment variables).
 */
import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import {
  type EdgeRefusal,
  type EdgeRequest,
  type EdgeRoute,
  type EdgeSettings,
  renderRefusal,
} from '../core/edge/checks';

/** Header names CloudFront gives in lower case; values keep their order. */
export function edgeRequestOf(request: CloudFrontRequest): EdgeRequest {
  const headers: Record<string, string[]> = {};
  for (const [name, entries] of Object.entries(request.headers)) {
    headers[name.toLowerCase()] = entries.map((e) => e.value);
  }
  return { method: request.method, uri: request.uri, querystring: request.querystring, headers };
}

/** A refusal as a CloudFront generated response (the request goes no further). */
export function refusalResponse(
  route: EdgeRoute,
  refusal: EdgeRefusal,
  requestId: string,
): CloudFrontResultResponse {
  const rendered = renderRefusal(route, refusal, requestId);
  const headers: CloudFrontHeaders = {};
  for (const [name, value] of Object.entries(rendered.headers)) headers[name] = [{ key: name, value }];
  return { status: String(rendered.status), headers, bodyEncoding: 'text', body: rendered.body };
}

/** One log line per refusal: the pseudonymous request id and a fixed reason code, nothing from the request. */
export type EdgeLog = (line: { readonly requestId: string; readonly outcome: string }) => void;

/** Writes the line to stdout (CloudWatch Logs in the region of the edge location that ran the function). */
export const stdoutLog: EdgeLog = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/**
 * The settings bundled into the function. esbuild replaces `process.env.CSP_EDGE_SETTINGS` with a string literal
 * (lib/constructs/edge-functions.ts); tests pass settings to the handler factories instead.
 */
export function bundledSettings(): EdgeSettings {
  const raw = process.env.CSP_EDGE_SETTINGS;
  if (raw === undefined || raw === '') throw new Error('edge: settings were not bundled (CSP_EDGE_SETTINGS)');
  return JSON.parse(raw) as EdgeSettings;
}
