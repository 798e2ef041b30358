import { routeOf } from '../../../../../lambdas/core/edge/checks';
import { matchRoute, ROUTE_TABLE } from '../../../../../lambdas/core/serving/http-edge';

/** A concrete path of a route-table resource. */
const pathOf = (resource: string, model = 'anthropic.claude-sonnet-4-6') =>
  resource.replace('{modelId}', model);

describe('edge routeOf: the serving route table, with a stricter model id', () => {
  it.each(ROUTE_TABLE.map((r) => [r.resource, r.route] as const))(
    'GIVEN %s WHEN routed at the edge THEN it is admitted in the shape of %s',
    (resource, route) => {
      expect(routeOf(pathOf(resource))).toBe(route === 'messages' ? 'messages' : 'bedrock');
    },
  );

  it.each([
    ['a model id with a space', '/model/anthropic claude/invoke'],
    ['a model id with a quote', '/model/a"b/invoke'],
    ['a non-ASCII model id', '/model/anthropic.cl\u0430ude/invoke'],
    ['a model id over 256 characters', `/model/${'a'.repeat(257)}/invoke`],
    ['an empty model id', '/model//invoke'],
    ['a nested path', '/model/a/b/invoke'],
    ['a suffix after the route', '/v1/messages/'],
    ['a traversal', '/v1/messages/../admin'],
    ['another operation', '/model/anthropic.claude-x/converse'],
    ['a prefix before the route', '/x/v1/messages'],
  ])('fails when the path has %s', (_name, path) => {
    expect(routeOf(path)).toBeUndefined();
  });

  it('GIVEN paths near the routes WHEN the edge admits one THEN the region serves it too', () => {
    const near = [
      ...ROUTE_TABLE.map((r) => pathOf(r.resource)),
      ...ROUTE_TABLE.map((r) => pathOf(r.resource, 'eu.anthropic.claude%3Av1')),
      '/v1/messages/',
      '/model/a%2Fb/invoke',
      '/model/a/invoke-with-response-stream/',
      '/V1/messages',
    ];
    for (const path of near) {
      if (routeOf(path) !== undefined) expect(matchRoute('POST', path).ok).toBe(true);
    }
  });
});
