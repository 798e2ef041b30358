/**
 * The HTTP edge of serving, shared by the proxy Lambda and the local gateway: the one route table, the
 * method check, and the checks of the request envelope (media type, API version) that come before the
 * body is parsed. Each check answers with a {@link ServeFailure}; errors.ts renders it in the route's
 * shape. The table of answers is in docs/serving.md ("HTTP edge").
 */
import type { RequestError } from '../request/errors';
import { LIMITS } from '../request/limits';
import { bodyTooLarge } from '../request/parse';
import type { ServeFailure } from './errors';
import { ROUTE_TABLE, type RouteSpec, shapeRouteOf } from './routes';
import type { ServeRoute } from './types';

export { ROUTE_TABLE, type RouteSpec, shapeRouteOf } from './routes';

/** The outcome of routing a request. A refusal carries the route whose error shape answers it. */
export type RouteMatch =
  | { readonly ok: true; readonly route: ServeRoute; readonly modelId?: string }
  | {
      readonly ok: false;
      readonly route: ServeRoute;
      readonly failure: ServeFailure;
      readonly reason: 'not_found' | 'method_not_allowed';
    };

const NOT_FOUND: ServeFailure = { kind: 'route_not_found' };

/**
 * Routes a request by method and path (the query string already removed). `resource` and `modelId` are
 * API Gateway's resource and path parameter when present: the resource then decides the route. The model id
 * is URL-decoded once; an invalid escape is not a route (404).
 */
export function matchRoute(
  method: string | undefined,
  path: string,
  apiGateway?: { readonly resource?: string | undefined; readonly modelId?: string | undefined },
): RouteMatch {
  let spec: RouteSpec | undefined;
  let encodedModel: string | undefined;
  const byResource =
    apiGateway?.resource === undefined
      ? undefined
      : ROUTE_TABLE.find((r) => r.resource === apiGateway.resource);
  if (byResource) {
    spec = byResource;
    encodedModel = apiGateway?.modelId;
  } else {
    for (const r of ROUTE_TABLE) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      spec = r;
      encodedModel = m[1];
      break;
    }
  }
  if (!spec) return { ok: false, route: shapeRouteOf(path), failure: NOT_FOUND, reason: 'not_found' };
  if (!spec.methods.includes((method ?? 'POST').toUpperCase())) {
    return {
      ok: false,
      route: spec.route,
      failure: { kind: 'method_not_allowed', allow: spec.methods.join(', ') },
      reason: 'method_not_allowed',
    };
  }
  if (spec.route === 'messages' || encodedModel === undefined) return { ok: true, route: spec.route };
  try {
    return { ok: true, route: spec.route, modelId: decodeURIComponent(encodedModel) };
  } catch {
    return { ok: false, route: spec.route, failure: NOT_FOUND, reason: 'not_found' };
  }
}

/**
 * `anthropic-version` values accepted on the Messages route: the API's published versions and the one the
 * installed `@anthropic-ai/sdk` sends (a test fails when an SDK update sends one not listed here). The client's
 * version is checked, not forwarded: the upstream adapter sends its own.
 */
export const ANTHROPIC_VERSIONS: readonly string[] = ['2023-06-01', '2023-01-01', '2026-10-21'];

/**
 * Media types accepted for a request body. The Messages route requires `application/json`. The Bedrock
 * routes also accept no content type (Bedrock documents `application/json` as the default) and
 * `application/octet-stream`, which the AWS SDK for JavaScript sends when `contentType` is left out; the body
 * is parsed as strict JSON either way.
 */
const MEDIA_TYPES: Readonly<Record<'messages' | 'bedrock', readonly string[]>> = {
  messages: ['application/json'],
  bedrock: ['application/json', 'application/octet-stream'],
};

const reqError = (status: 400 | 415, field: string, message: string): ServeFailure => {
  const error: RequestError = { status, type: 'invalid_request_error', field, message };
  return { kind: 'invalid', error };
};

/** An RFC 9110 token, lower-cased. */
const TOKEN_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** Parses `type/subtype; charset=…`: lower-cased media type and charset; undefined when malformed. */
export function parseContentType(value: string): { type: string; charset?: string } | undefined {
  const [head, ...params] = value.split(';');
  const type = (head ?? '').trim().toLowerCase();
  const [main, sub, ...rest] = type.split('/');
  if (rest.length > 0 || !TOKEN_RE.test(main ?? '') || !TOKEN_RE.test(sub ?? '')) return undefined;
  let charset: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) {
      if (p.trim() === '') continue;
      return undefined;
    }
    const name = p.slice(0, eq).trim().toLowerCase();
    if (!TOKEN_RE.test(name)) return undefined;
    const raw = p.slice(eq + 1).trim();
    const v = (
      raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw
    ).toLowerCase();
    if (name === 'charset') {
      if (charset !== undefined) return undefined;
      charset = v;
    }
  }
  return charset === undefined ? { type } : { type, charset };
}

/**
 * Checks of the request envelope, before the body is read as JSON, in this order: the body size (413), the
 * content encoding (415: only `identity`), the media type (415) and, on the Messages route, `anthropic-version` (400, as the Anthropic API answers).
 * Header names are lower-cased. Undefined when the request may go on.
 */
export function checkEnvelope(
  route: ServeRoute,
  headers: Readonly<Record<string, string | undefined>>,
  body: string | Uint8Array,
  maxBodyBytes: number = LIMITS.maxBytes,
): { readonly failure: ServeFailure; readonly reason: string } | undefined {
  const tooLarge = bodyTooLarge(body, maxBodyBytes);
  if (tooLarge) return { reason: 'invalid_request', failure: { kind: 'invalid', error: tooLarge } };
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    // A compressed body is never inflated (a decompression bomb costs the sender nothing).
    return {
      reason: 'invalid_request',
      failure: reqError(415, 'content-encoding', 'compressed request bodies are not accepted'),
    };
  }
  const family = route === 'messages' ? 'messages' : 'bedrock';
  const ct = headers['content-type'];
  if (ct === undefined || ct.trim() === '') {
    if (family === 'messages') {
      return {
        reason: 'invalid_request',
        failure: reqError(415, 'content-type', 'header is required: application/json'),
      };
    }
  } else {
    const parsed = parseContentType(ct);
    if (
      !parsed ||
      !MEDIA_TYPES[family].includes(parsed.type) ||
      (parsed.charset !== undefined && parsed.charset !== 'utf-8' && parsed.charset !== 'utf8')
    ) {
      return {
        reason: 'invalid_request',
        failure: reqError(415, 'content-type', 'must be application/json (UTF-8)'),
      };
    }
  }
  if (family === 'messages') {
    const version = headers['anthropic-version']?.trim();
    if (version === undefined || version === '') {
      return { reason: 'invalid_request', failure: reqError(400, 'anthropic-version', 'header is required') };
    }
    if (!ANTHROPIC_VERSIONS.includes(version)) {
      return {
        reason: 'invalid_request',
        failure: reqError(400, 'anthropic-version', `unknown version; use ${ANTHROPIC_VERSIONS[0]}`),
      };
    }
  }
  return undefined;
}
