/**
 * Lambda@Edge origin-request: sends the request to the tenant's home regional API, never to another region
 * or zone, and signs the origin assertion the regional authorizer can require (docs/edge.md).
 *
 * The home region is re-derived from the verified claim here (no header from the viewer function is trusted).
 * If the home region is down the request fails there: there is no failover across regions.
 */
import type { KeyObject } from 'node:crypto';
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { ASSERTION_HEADER, signAssertion } from '../core/edge/assertion';
import {
  checkViewerRequest,
  EDGE_OWNED_HEADERS,
  type EdgeSettings,
  edgeRefusal,
  edgeRequestId,
} from '../core/edge/checks';
import { publicKeyFromX } from '../core/edge/claim-key';
import { extractCredential, type HeaderBag } from '../core/enforcement/credentials';
import { bundledSettings, type EdgeLog, edgeRequestOf, refusalResponse, stdoutLog } from './cloudfront';
import { loadOriginKey } from './origin-key';

/** What the origin-request handler needs besides its settings. */
export interface OriginRequestDeps {
  /** The edge's origin-signing key (cached by the caller; rotated through Secrets Manager). */
  readonly originKey: () => Promise<KeyObject>;
  readonly now: () => number;
  readonly log: EdgeLog;
}

export function makeOriginRequestHandler(settings: EdgeSettings, deps: OriginRequestDeps) {
  const keys = settings.claimPublicKeys.map(publicKeyFromX);
  return async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
    const cf = event.Records[0]?.cf;
    if (cf === undefined) throw new Error('edge: not a CloudFront event');
    const request = cf.request;
    for (const name of EDGE_OWNED_HEADERS) delete request.headers[name];
    const view = edgeRequestOf(request);
    const outcome = checkViewerRequest(view, settings, keys);
    const requestId = edgeRequestId(cf.config.requestId);
    if (!outcome.ok) {
      deps.log({ requestId, outcome: outcome.refusal.reason });
      return refusalResponse(outcome.route, outcome.refusal, requestId);
    }
    let key: KeyObject;
    try {
      key = await deps.originKey();
    } catch {
      deps.log({ requestId, outcome: 'edge_unavailable' });
      return refusalResponse(
        outcome.route,
        edgeRefusal('edge_unavailable', { 'retry-after': '5' }),
        requestId,
      );
    }
    const credential = extractCredential(view.headers as HeaderBag);
    if (!credential.ok) throw new Error('edge: credential vanished between checks');
    const assertion = signAssertion(
      { region: outcome.homeRegion, method: request.method, path: request.uri, apiKey: credential.apiKey },
      key,
      deps.now(),
    );
    const domainName = outcome.origin.domainName;
    request.origin = {
      custom: {
        domainName,
        port: 443,
        protocol: 'https',
        path: '',
        sslProtocols: ['TLSv1.2'],
        readTimeout: 60,
        keepaliveTimeout: 5,
        customHeaders: {},
      },
    };
    request.headers['host'] = [{ key: 'Host', value: domainName }];
    request.headers[ASSERTION_HEADER] = [{ key: ASSERTION_HEADER, value: assertion }];
    return request;
  };
}

/** Caches the origin key for five minutes, so a rotated secret is picked up without a redeploy. */
export function cachedKey(
  load: () => Promise<KeyObject>,
  now: () => number,
  ttlMs = 300_000,
): () => Promise<KeyObject> {
  let entry: { key: KeyObject; at: number } | undefined;
  return async () => {
    if (entry !== undefined && now() - entry.at < ttlMs) return entry.key;
    const key = await load();
    entry = { key, at: now() };
    return key;
  };
}

let cached: ReturnType<typeof makeOriginRequestHandler> | undefined;

/** Entry point: settings bundled; the key read from Secrets Manager in us-east-1 at first use. */
export const handler = async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
  if (cached === undefined) {
    const settings = bundledSettings();
    cached = makeOriginRequestHandler(settings, {
      originKey: cachedKey(() => loadOriginKey(settings), Date.now),
      now: Date.now,
      log: stdoutLog,
    });
  }
  return cached(event);
};
