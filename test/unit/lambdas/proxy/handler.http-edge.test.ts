import './env';
/**
 * The proxy Lambda's HTTP edge with fake API Gateway events: body size, media type, API version and method
 * refusals come back as JSON in the route's shape with `request-id`, and each leaves exactly one decision
 * record with the `refuse` action. The local gateway's twin is test/integ/local/http-edge.test.ts.
 */
import { PassThrough, type Writable } from 'node:stream';
import { makeStreamingHandler } from '../../../../lambdas/proxy/handler';
import { harness } from '../core/serving/fakes';

const authorizer = { tenantId: 'tenant-1', tier: 'standard', zone: 'eu', keyHash: 'a'.repeat(64) };
const MESSAGES_BODY = JSON.stringify({
  model: 'm',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
});
const BEDROCK_BODY = JSON.stringify({
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
});
const SDK_HEADERS = { 'Content-Type': 'application/json', 'Anthropic-Version': '2023-06-01' };

function messagesEvent(headers: Record<string, string> = SDK_HEADERS, body = MESSAGES_BODY, method = 'POST') {
  return {
    resource: '/v1/messages',
    path: '/v1/messages',
    httpMethod: method,
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'apigw-1', authorizer },
  };
}

function bedrockEvent(headers: Record<string, string>, method = 'POST') {
  return {
    resource: '/model/{modelId}/invoke',
    path: '/model/m/invoke',
    httpMethod: method,
    headers,
    pathParameters: { modelId: 'm' },
    body: BEDROCK_BODY,
    isBase64Encoded: false,
    requestContext: { requestId: 'apigw-2', authorizer },
  };
}

async function invoke(event: unknown, opts: { newId?: () => string } = {}) {
  const h = harness();
  const raw = new PassThrough();
  const chunks: Buffer[] = [];
  raw.on('data', (c: Buffer) => chunks.push(c));
  const metadata: AwsLambdaHttpResponseMetadata[] = [];
  const handle = makeStreamingHandler({
    serve: h.deps,
    from: (s: Writable, m: AwsLambdaHttpResponseMetadata) => {
      metadata.push(m);
      return s;
    },
    newId: opts.newId ?? (() => 'dec_00000000000000000000000000000001'),
  });
  await handle(event, raw);
  const text = Buffer.concat(chunks).toString('utf8');
  return {
    status: metadata[0]?.statusCode,
    headers: (metadata[0]?.headers ?? {}) as Record<string, string>,
    json: () => JSON.parse(text),
    records: h.records,
    upstreamCalls: h.upstream.calls.length,
  };
}

/** One record, a refusal, with the status answered; nothing forwarded. */
function expectRefused(r: Awaited<ReturnType<typeof invoke>>, status: number) {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.headers['request-id']).toBe('dec_00000000000000000000000000000001');
  expect(r.records).toHaveLength(1);
  expect(r.records[0]).toEqual(expect.objectContaining({ action: 'refuse', status }));
  expect(r.upstreamCalls).toBe(0);
}

describe('proxy handler HTTP edge', () => {
  test.each([
    ['7 MiB', 7 * 1024 * 1024],
    ['10 MiB', 10 * 1024 * 1024],
  ])('fails when the body is %s (over the 2 MiB limit): 413 JSON with request-id', async (_n, size) => {
    const body = JSON.stringify({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'a'.repeat(size) }],
    });
    const r = await invoke(messagesEvent(SDK_HEADERS, body));
    expectRefused(r, 413);
    expect(r.json()).toEqual({
      type: 'error',
      error: { type: 'request_too_large', message: expect.stringContaining('request body exceeds') },
      request_id: 'dec_00000000000000000000000000000001',
    });
    expect(r.records[0]?.error).toEqual({ type: 'request_too_large', field: '' });
  });

  test('fails when a base64 body decodes to more than the limit', async () => {
    const body = Buffer.from(
      `{"model":"m","max_tokens":1,"messages":[],"x":"${'a'.repeat(3 * 1024 * 1024)}"}`,
    );
    const r = await invoke({ ...messagesEvent(), body: body.toString('base64'), isBase64Encoded: true });
    expectRefused(r, 413);
  });

  test.each([
    ['text/plain', 'text/plain'],
    ['form-encoded (curl -d)', 'application/x-www-form-urlencoded'],
    ['a JSON look-alike', 'application/jsonx'],
    ['a UTF-16 charset', 'application/json; charset=utf-16'],
    ['two charsets', 'application/json; charset=utf-8; charset=latin1'],
    ['a malformed value', 'application/json; ;='],
  ])('fails when the content type is %s: 415 naming content-type', async (_n, ct) => {
    const r = await invoke(messagesEvent({ 'content-type': ct, 'anthropic-version': '2023-06-01' }));
    expectRefused(r, 415);
    expect(r.json().error).toEqual({
      type: 'invalid_request_error',
      message: 'content-type: must be application/json (UTF-8)',
    });
    expect(r.records[0]?.error).toEqual({ type: 'invalid_request_error', field: 'content-type' });
  });

  test.each(['gzip', 'br', 'deflate, gzip'])(
    'fails when the body is %s-encoded: 415, never inflated',
    async (enc) => {
      const r = await invoke(messagesEvent({ ...SDK_HEADERS, 'content-encoding': enc }));
      expectRefused(r, 415);
      expect(r.json().error.message).toBe('content-encoding: compressed request bodies are not accepted');
    },
  );

  test('fails when a Messages request has no content type: 415', async () => {
    const r = await invoke(messagesEvent({ 'anthropic-version': '2023-06-01' }));
    expectRefused(r, 415);
    expect(r.json().error.message).toBe('content-type: header is required: application/json');
  });

  test.each([
    'application/json',
    'Application/JSON; Charset=UTF-8',
    'application/json;charset="utf8"',
    ' application/json ; charset=utf-8 ',
  ])('serves content type %j (case-insensitive, parameters allowed)', async (ct) => {
    const r = await invoke(messagesEvent({ 'Content-Type': ct, 'anthropic-version': '2023-06-01' }));
    expect(r.status).toBe(200);
    expect(r.records[0]?.action).toBe('allow');
  });

  test.each([
    ['no content type (Bedrock default: application/json)', {}],
    ['application/octet-stream (the AWS SDK default)', { 'content-type': 'application/octet-stream' }],
    ['application/json', { 'content-type': 'application/json' }],
  ])('serves a Bedrock request with %s and without anthropic-version', async (_n, headers) => {
    const r = await invoke(bedrockEvent(headers));
    expect(r.status).toBe(200);
  });

  test('fails when a Bedrock request is text/plain: 415 in the Bedrock shape', async () => {
    const r = await invoke(bedrockEvent({ 'content-type': 'text/plain' }));
    expectRefused(r, 415);
    expect(r.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(r.json()).toEqual({ message: 'content-type: must be application/json (UTF-8)' });
  });

  test('fails when anthropic-version is missing: 400 as the Anthropic API answers', async () => {
    const r = await invoke(messagesEvent({ 'content-type': 'application/json' }));
    expectRefused(r, 400);
    expect(r.json().error).toEqual({
      type: 'invalid_request_error',
      message: 'anthropic-version: header is required',
    });
    expect(r.records[0]?.error).toEqual({ type: 'invalid_request_error', field: 'anthropic-version' });
  });

  test.each(['', '2024-13-01', '2023-06-01, 2023-01-01'])(
    'fails when anthropic-version is %j: 400',
    async (v) => {
      const r = await invoke(messagesEvent({ 'content-type': 'application/json', 'anthropic-version': v }));
      expectRefused(r, 400);
      expect(r.json().error.message).toMatch(/^anthropic-version: /);
    },
  );

  test.each(['GET', 'PUT', 'DELETE', 'get'])(
    'fails when the method is %s: 405 with Allow',
    async (method) => {
      const r = await invoke(messagesEvent(SDK_HEADERS, MESSAGES_BODY, method));
      expectRefused(r, 405);
      expect(r.headers['allow']).toBe('POST');
      expect(r.json().error.type).toBe('invalid_request_error');
      expect(r.records[0]?.reason).toBe('method_not_allowed');
    },
  );

  test('fails when a Bedrock route gets GET: 405 with Allow in the Bedrock shape', async () => {
    const r = await invoke(bedrockEvent({}, 'GET'));
    expectRefused(r, 405);
    expect(r.headers['allow']).toBe('POST');
    expect(r.headers['x-amzn-errortype']).toBe('ValidationException');
  });

  test('fails when the route is unknown: 404 in the shape of the path', async () => {
    const r = await invoke({ ...messagesEvent(), resource: undefined, path: '/model/x/converse' });
    expectRefused(r, 404);
    expect(r.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
  });

  test('the default decision id is dec_ and 32 hex digits, sent as request-id and recorded', async () => {
    const h = harness();
    const raw = new PassThrough();
    raw.resume();
    const metadata: AwsLambdaHttpResponseMetadata[] = [];
    await makeStreamingHandler({
      serve: h.deps,
      from: (s, m) => {
        metadata.push(m);
        return s;
      },
    })(messagesEvent(), raw);
    const id = metadata[0]?.headers?.['request-id'];
    expect(id).toMatch(/^dec_[0-9a-f]{32}$/);
    expect(h.records[0]?.decisionId).toBe(id);
  });
});
