/**
 * The one route table of the serving API: the proxy handler and the local gateway route by it (http-edge.ts),
 * the infrastructure creates its API methods from it (lib/constructs/serving-api.ts), and the Lambda@Edge
 * viewer check admits only its paths (core/edge/checks.ts). It imports no code, so the edge bundle stays small.
 */
import type { ServeRoute } from './types';

/** One served route: its API Gateway resource, the path it matches, and the methods it answers. */
export interface RouteSpec {
  readonly route: ServeRoute;
  /** The API Gateway resource path (`{modelId}` is the path parameter). */
  readonly resource: string;
  /** Matches the request path; the first group is the Bedrock model id, still URL-encoded. */
  readonly pattern: RegExp;
  readonly methods: readonly string[];
}

/** The routes the proxy serves, relative to the stage. The infrastructure creates its API methods from it. */
export const ROUTE_TABLE: readonly RouteSpec[] = [
  { route: 'messages', resource: '/v1/messages', pattern: /^\/v1\/messages$/, methods: ['POST'] },
  {
    route: 'bedrock.invoke',
    resource: '/model/{modelId}/invoke',
    pattern: /^\/model\/([^/]{1,256})\/invoke$/,
    methods: ['POST'],
  },
  {
    route: 'bedrock.invoke-stream',
    resource: '/model/{modelId}/invoke-with-response-stream',
    pattern: /^\/model\/([^/]{1,256})\/invoke-with-response-stream$/,
    methods: ['POST'],
  },
];

/** The route whose error shape answers a path that matched no route (Bedrock clients get Bedrock errors). */
export function shapeRouteOf(path: string): ServeRoute {
  return path.startsWith('/model/') ? 'bedrock.invoke' : 'messages';
}
