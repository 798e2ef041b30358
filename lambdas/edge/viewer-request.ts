/**
 * Lambda@Edge viewer-request: content-free checks before a request costs anything regional (docs/edge.md).
 * Associated with `includeBody: false`: the body never reaches this code.
 */
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import {
  checkViewerRequest,
  EDGE_OWNED_HEADERS,
  type EdgeSettings,
  edgeRequestId,
} from '../core/edge/checks';
import { publicKeyFromX } from '../core/edge/claim-key';
import { bundledSettings, type EdgeLog, edgeRequestOf, refusalResponse, stdoutLog } from './cloudfront';

/** Builds the handler for fixed settings (keys parsed once per container). */
export function makeViewerRequestHandler(settings: EdgeSettings, log: EdgeLog = stdoutLog) {
  const keys = settings.claimPublicKeys.map(publicKeyFromX);
  return async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
    const cf = event.Records[0]?.cf;
    if (cf === undefined) throw new Error('edge: not a CloudFront event');
    const request = cf.request;
    const outcome = checkViewerRequest(edgeRequestOf(request), settings, keys);
    if (!outcome.ok) {
      const requestId = edgeRequestId(cf.config.requestId);
      log({ requestId, outcome: outcome.refusal.reason });
      return refusalResponse(outcome.route, outcome.refusal, requestId);
    }
    for (const name of EDGE_OWNED_HEADERS) delete request.headers[name];
    return request;
  };
}

let cached: ReturnType<typeof makeViewerRequestHandler> | undefined;

/** Entry point (the settings are bundled, see {@link bundledSettings}). */
export const handler = (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
  cached ??= makeViewerRequestHandler(bundledSettings());
  return cached(event);
};
