import Anthropic from '@anthropic-ai/sdk';
import {
  ANTHROPIC_VERSIONS,
  checkEnvelope,
  matchRoute,
  parseContentType,
} from '../../../../../lambdas/core/serving/http-edge';

describe('route table', () => {
  test.each([
    ['POST', '/v1/messages', { ok: true, route: 'messages' }],
    ['post', '/v1/messages', { ok: true, route: 'messages' }],
    ['POST', '/model/a%3Ab/invoke', { ok: true, route: 'bedrock.invoke', modelId: 'a:b' }],
    [
      'POST',
      '/model/m/invoke-with-response-stream',
      { ok: true, route: 'bedrock.invoke-stream', modelId: 'm' },
    ],
  ])('%s %s is served', (method, path, expected) => {
    expect(matchRoute(method, path)).toEqual(expected);
  });

  test.each([
    ['GET', '/v1/messages', 'messages', 'method_not_allowed'],
    ['HEAD', '/model/m/invoke', 'bedrock.invoke', 'method_not_allowed'],
    ['POST', '/v1/messages/', 'messages', 'not_found'],
    ['POST', '/V1/messages', 'messages', 'not_found'],
    ['POST', '/model/a/b/invoke', 'bedrock.invoke', 'not_found'],
    ['POST', '/model/%E0%A4%A/invoke', 'bedrock.invoke', 'not_found'],
    ['POST', `/model/${'m'.repeat(257)}/invoke`, 'bedrock.invoke', 'not_found'],
  ])('fails when %s %s: %s shape, %s', (method, path, route, reason) => {
    expect(matchRoute(method, path)).toEqual(expect.objectContaining({ ok: false, route, reason }));
  });

  test('API Gateway resource decides the route; the path parameter is decoded once', () => {
    expect(
      matchRoute('POST', '/ignored', { resource: '/model/{modelId}/invoke', modelId: 'x%252F' }),
    ).toEqual({
      ok: true,
      route: 'bedrock.invoke',
      modelId: 'x%2F',
    });
  });

  test('405 carries the Allow header value', () => {
    const m = matchRoute('GET', '/v1/messages');
    expect(!m.ok && m.failure).toEqual({ kind: 'method_not_allowed', allow: 'POST' });
  });
});

describe('content type', () => {
  test.each([
    ['application/json', { type: 'application/json' }],
    ['APPLICATION/JSON;CHARSET=UTF-8', { type: 'application/json', charset: 'utf-8' }],
    ['application/json; foo=bar; charset="utf8"', { type: 'application/json', charset: 'utf8' }],
    ['application/json;', { type: 'application/json' }],
  ])('parses %j', (v, expected) => {
    expect(parseContentType(v)).toEqual(expected);
  });

  test.each([
    'application',
    'application/json/x',
    '/json',
    'application/json; charset',
    'a b/json',
    'application/json; =x',
  ])('fails when the value is %j (malformed)', (v) => {
    expect(parseContentType(v)).toBeUndefined();
  });
});

describe('envelope', () => {
  const ok = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };

  test('size comes first: an oversized text/plain body is 413', () => {
    const r = checkEnvelope('messages', { 'content-type': 'text/plain' }, 'x'.repeat(11), 10);
    expect(r?.failure).toEqual(
      expect.objectContaining({ kind: 'invalid', error: expect.objectContaining({ status: 413 }) }),
    );
  });

  test('a multi-byte body is measured in UTF-8 bytes', () => {
    expect(checkEnvelope('messages', ok, 'é'.repeat(6), 10)).toBeDefined();
    expect(checkEnvelope('messages', ok, 'é'.repeat(5), 10)).toBeUndefined();
  });

  test('the Bedrock routes need no anthropic-version and accept no content type', () => {
    expect(checkEnvelope('bedrock.invoke', {}, '{}')).toBeUndefined();
    expect(
      checkEnvelope('bedrock.invoke-stream', { 'content-type': 'application/octet-stream' }, '{}'),
    ).toBeUndefined();
  });

  test('fails when the Messages route gets application/octet-stream', () => {
    expect(
      checkEnvelope('messages', { ...ok, 'content-type': 'application/octet-stream' }, '{}'),
    ).toBeDefined();
  });

  test('every listed version passes; the installed SDK sends a listed one', async () => {
    for (const v of ANTHROPIC_VERSIONS)
      expect(checkEnvelope('messages', { ...ok, 'anthropic-version': v }, '{}')).toBeUndefined();
    let sent: string | null = null;
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: 'http://127.0.0.1:9',
      maxRetries: 0,
      fetch: async (_url, init) => {
        sent = new Headers(init?.headers).get('anthropic-version');
        return new Response('{}', { status: 500 });
      },
    });
    await client.messages.create({ model: 'm', max_tokens: 1, messages: [] }).catch(() => undefined);
    expect(ANTHROPIC_VERSIONS).toContain(sent);
  });
});
