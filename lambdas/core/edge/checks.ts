/**
 * Content-free checks and routing of the global edge (Lambda@Edge viewer-request and origin-request).
 *
 * Pure and AWS-free: the handlers in `lambdas/edge/` and the local edge (`npm start -- --edge`) call these
 * with the request's method, path, query string and headers. The body is never available here (the
 * distribution's functions are associated with `includeBody: false`) and nothing from the request is
 * returned for logging but a fixed reason code. See docs/edge.md.
 */
import type { KeyObject } from 'node:crypto';
import { extractCredential, type HeaderBag } from '../enforcement/credentials';
import { isWellFormedApiKey } from '../enforcement/keys';
import { type ErrorResponse, renderErrorShape } from '../serving/error-body';
import { ROUTE_TABLE, shapeRouteOf } from '../serving/routes';
import type { ServeRoute } from '../serving/types';
import { verifyClaimKey } from './claim-key';

/** The edge's view of one regional origin. */
export interface EdgeOrigin {
  /** Hostname of the regional API (its custom domain), e.g. `eu-west-1.origin.api.example.com`. */
  readonly domainName: string;
  /** Residency zone of the region, e.g. `EU`. */
  readonly zone: string;
}

/** Settings of the edge functions, fixed at synth time (Lambda@Edge has no environment variables). */
export interface EdgeSettings {
  /** Region → origin, for exactly the regions the edge fronts. */
  readonly origins: Readonly<Record<string, EdgeOrigin>>;
  /** Ed25519 public keys (`x`, base64url) that sign home-region claims; several during a rotation. */
  readonly claimPublicKeys: readonly string[];
  /** Largest request body accepted, by its declared `content-length`. */
  readonly maxBodyBytes: number;
  /** Largest total size of the request headers (names + values). */
  readonly maxHeaderBytes: number;
  /** Secrets Manager secret (us-east-1) with the origin-signing private key, read by the origin-request function. */
  readonly originSigningSecretName: string;
}

/** Why the edge refused a request: a fixed code, the only request-derived thing it ever logs. */
export type EdgeRefusalReason =
  | 'method_not_allowed'
  | 'route_not_found'
  | 'query_not_allowed'
  | 'headers_too_large'
  | 'length_required'
  | 'body_too_large'
  | 'missing_credential'
  | 'malformed_credential'
  | 'conflicting_credentials'
  | 'no_home_claim'
  | 'bad_claim'
  | 'region_not_served'
  | 'edge_unavailable';

/** Wire format of the route, chosen from the path: the refusal is rendered in that API's error shape. */
export type EdgeRoute = 'messages' | 'bedrock';

/** A refusal, ready to render. */
export interface EdgeRefusal {
  readonly reason: EdgeRefusalReason;
  readonly status: number;
  readonly anthropicType: string;
  readonly bedrockType: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Outcome of the viewer-request checks. */
export type ViewerOutcome =
  | { readonly ok: true; readonly route: EdgeRoute; readonly homeRegion: string; readonly origin: EdgeOrigin }
  | { readonly ok: false; readonly route: EdgeRoute; readonly refusal: EdgeRefusal };

/** The parts of a request the edge looks at. Header names are lower case, values as received. */
export interface EdgeRequest {
  readonly method: string;
  readonly uri: string;
  readonly querystring: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

/**
 * Model ids the edge lets through in a Bedrock path: printable ASCII (percent-escapes as sent), bounded, no `/`.
 * Stricter than the region's route match; the region then checks the id against its model allowlist.
 */
const EDGE_MODEL_ID = /^[A-Za-z0-9._:%-]{1,256}$/;

/** The error shape of a serving route: Anthropic on `/v1/messages`, Bedrock on both Bedrock routes. */
const edgeRouteOf = (route: ServeRoute): EdgeRoute => (route === 'messages' ? 'messages' : 'bedrock');

/** The refusal for `reason`, with extra response headers (`allow`, `retry-after`) when given. */
export function edgeRefusal(reason: EdgeRefusalReason, extraHeaders?: Record<string, string>): EdgeRefusal {
  const base = REFUSALS[reason];
  return extraHeaders ? { reason, ...base, headers: extraHeaders } : { reason, ...base };
}

const REFUSALS: Record<EdgeRefusalReason, Omit<EdgeRefusal, 'reason' | 'headers'>> = {
  method_not_allowed: {
    status: 405,
    anthropicType: 'invalid_request_error',
    bedrockType: 'ValidationException',
    message: 'method not allowed; use POST',
  },
  route_not_found: {
    status: 404,
    anthropicType: 'not_found_error',
    bedrockType: 'ResourceNotFoundException',
    message: 'no such route',
  },
  query_not_allowed: {
    status: 400,
    anthropicType: 'invalid_request_error',
    bedrockType: 'ValidationException',
    message: 'query parameters are not accepted on this route (only beta=true on /v1/messages)',
  },
  headers_too_large: {
    status: 431,
    anthropicType: 'invalid_request_error',
    bedrockType: 'ValidationException',
    message: 'request headers too large',
  },
  length_required: {
    status: 411,
    anthropicType: 'invalid_request_error',
    bedrockType: 'ValidationException',
    message: 'a content-length header is required',
  },
  body_too_large: {
    status: 413,
    anthropicType: 'request_too_large',
    bedrockType: 'ValidationException',
    message: 'request body too large',
  },
  missing_credential: {
    status: 401,
    anthropicType: 'authentication_error',
    bedrockType: 'AccessDeniedException',
    message: 'authentication required',
  },
  malformed_credential: {
    status: 401,
    anthropicType: 'authentication_error',
    bedrockType: 'AccessDeniedException',
    message: 'invalid API key',
  },
  conflicting_credentials: {
    status: 401,
    anthropicType: 'authentication_error',
    bedrockType: 'AccessDeniedException',
    message: 'conflicting credentials: send one API key, in x-api-key or Authorization: Bearer',
  },
  no_home_claim: {
    status: 401,
    anthropicType: 'authentication_error',
    bedrockType: 'AccessDeniedException',
    message:
      'this API key carries no home-region claim, so the global endpoint cannot route it; use your regional endpoint or ask your provider for a key issued for the global endpoint',
  },
  bad_claim: {
    status: 401,
    anthropicType: 'authentication_error',
    bedrockType: 'AccessDeniedException',
    message: 'invalid API key',
  },
  region_not_served: {
    status: 403,
    anthropicType: 'permission_error',
    bedrockType: 'AccessDeniedException',
    message: "this API key's home region is not served by this endpoint; use your regional endpoint",
  },
  edge_unavailable: {
    status: 503,
    anthropicType: 'overloaded_error',
    bedrockType: 'ServiceUnavailableException',
    message: 'the global endpoint is temporarily unavailable; retry, or use your regional endpoint',
  },
};

function headerBytes(headers: EdgeRequest['headers']): number {
  let total = 0;
  for (const [name, values] of Object.entries(headers)) {
    for (const v of values) total += name.length + v.length + 4;
  }
  return total;
}

/** The route a path belongs to (for the error shape), `undefined` when the path is not served. */
export function routeOf(uri: string): EdgeRoute | undefined {
  for (const spec of ROUTE_TABLE) {
    const m = spec.pattern.exec(uri);
    if (!m) continue;
    const model = m[1];
    return model === undefined || EDGE_MODEL_ID.test(model) ? edgeRouteOf(spec.route) : undefined;
  }
  return undefined;
}

/**
 * The viewer-request checks, in order: route and method, query, header size, declared body size,
 * credential shape, home-region claim, served region. Cheap checks first; one signature verification last.
 */
export function checkViewerRequest(
  req: EdgeRequest,
  settings: EdgeSettings,
  publicKeys: readonly KeyObject[],
): ViewerOutcome {
  const known = routeOf(req.uri);
  const route: EdgeRoute = known ?? edgeRouteOf(shapeRouteOf(req.uri));
  const refuse = (reason: EdgeRefusalReason, headers?: Record<string, string>): ViewerOutcome => ({
    ok: false,
    route,
    refusal: edgeRefusal(reason, headers),
  });
  if (known === undefined) return refuse('route_not_found');
  if (req.method !== 'POST') return refuse('method_not_allowed', { allow: 'POST' });
  if (req.querystring !== '' && !(route === 'messages' && req.querystring === 'beta=true')) {
    return refuse('query_not_allowed');
  }
  if (headerBytes(req.headers) > settings.maxHeaderBytes) return refuse('headers_too_large');
  const lengths = req.headers['content-length'] ?? [];
  const declared = lengths.length === 1 ? lengths[0] : undefined;
  if (declared === undefined || !/^\d{1,12}$/.test(declared)) return refuse('length_required');
  if (Number(declared) > settings.maxBodyBytes) return refuse('body_too_large');

  const credential = extractCredential(req.headers as HeaderBag);
  if (!credential.ok) return refuse(credential.reason);
  const claim = verifyClaimKey(credential.apiKey, publicKeys);
  if (!claim.ok) {
    if (claim.reason === 'not_a_claim_key') {
      return refuse(isWellFormedApiKey(credential.apiKey) ? 'no_home_claim' : 'malformed_credential');
    }
    return refuse('bad_claim');
  }
  const origin = settings.origins[claim.region];
  if (origin === undefined) return refuse('region_not_served');
  return { ok: true, route, homeRegion: claim.region, origin };
}

/** Headers the edge owns: a client may never send them (they are removed before the request travels on). */
export const EDGE_OWNED_HEADERS: readonly string[] = ['x-csp-edge-assertion', 'x-csp-home-region'];

/** JSON body and headers of a refusal, in the route's API error shape, with `request-id`. */
export function renderRefusal(route: EdgeRoute, r: EdgeRefusal, requestId: string): ErrorResponse {
  const shape = { status: r.status, anthropic: r.anthropicType, bedrock: r.bedrockType, message: r.message };
  return renderErrorShape(route, shape, requestId, r.headers);
}

/** A pseudonymous request id for an edge refusal, from CloudFront's own request id (opaque, per request). */
export function edgeRequestId(cloudFrontRequestId: string): string {
  const safe = cloudFrontRequestId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
  return `edge_${safe || 'unknown'}`;
}
