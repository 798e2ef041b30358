import './env';
import { PassThrough, type Writable } from 'node:stream';
import type { DecisionRecord } from '../../../../lambdas/core/decision/record';
import { lambdaResponseWriter, makeStreamingHandler, routeOf } from '../../../../lambdas/proxy/handler';
import { FakeUpstream, harness, textEvents } from '../core/serving/fakes';

const authorizer = {
  principalId: 'tenant-1',
  tenantId: 'tenant-1',
  tier: 'standard',
  zone: 'eu',
  keyHash: 'a'.repeat(64),
  status: 'active',
  limitRequests: '60',
  limitInputTokens: '100000',
  limitOutputTokens: '50000',
};

function event(resource: string, body: unknown, extra: Record<string, unknown> = {}) {
  return {
    resource,
    path: resource,
    httpMethod: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Anthropic-Version': '2023-06-01',
      'X-Tenant-Id': 'spoofed',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'apigw-1', authorizer },
    ...extra,
  };
}

/** A fake Lambda response stream and `HttpResponseStream.from` capturing metadata and bytes. */
function fakeStream() {
  const raw = new PassThrough();
  const chunks: Buffer[] = [];
  raw.on('data', (c: Buffer) => chunks.push(c));
  const metadata: AwsLambdaHttpResponseMetadata[] = [];
  const from = (s: Writable, m: AwsLambdaHttpResponseMetadata) => {
    metadata.push(m);
    return s;
  };
  return { raw, from, metadata, text: () => Buffer.concat(chunks).toString('utf8') };
}

function setup(upstream?: FakeUpstream) {
  const h = harness(upstream ? { upstream } : {});
  let n = 0;
  let flushed = 0;
  const s = fakeStream();
  const handle = makeStreamingHandler({
    serve: h.deps,
    from: s.from,
    newId: () => `dec-${++n}`,
    afterRequest: () => {
      flushed++;
    },
  });
  return { h, s, handle, flushed: () => flushed };
}

describe('proxy streaming handler', () => {
  test('Messages: identity from the authorizer context, request-id = decision id, one record, metrics flushed', async () => {
    const { h, s, handle, flushed } = setup();
    await handle(
      event('/v1/messages', { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      s.raw,
    );
    expect(s.metadata).toHaveLength(1);
    expect(s.metadata[0]?.statusCode).toBe(200);
    expect(s.metadata[0]?.headers?.['request-id']).toBe('dec-1');
    expect(JSON.parse(s.text()).type).toBe('message');
    expect(h.records).toHaveLength(1);
    const rec = h.records[0] as DecisionRecord;
    expect(rec.decisionId).toBe('dec-1');
    expect(rec.tenant).toBe('tn_8');
    expect(h.admission.reserved).toEqual([
      { tenantId: 'tenant-1', cost: expect.objectContaining({ maxOutputTokens: 10 }) },
    ]);
    expect(flushed()).toBe(1);
  });

  test('Bedrock invoke-with-response-stream: URL-decoded model id, event-stream content type', async () => {
    const upstream = new FakeUpstream(undefined, { events: textEvents(['hello']) });
    const { s, handle } = setup(upstream);
    await handle(
      event(
        '/model/{modelId}/invoke-with-response-stream',
        {
          anthropic_version: 'bedrock-2023-05-31',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        },
        { pathParameters: { modelId: 'arn%3Aaws%3Abedrock%3Aeu-west-1%3A1%3Ainference-profile%2Fx' } },
      ),
      s.raw,
    );
    expect(s.metadata[0]?.headers?.['content-type']).toBe('application/vnd.amazon.eventstream');
    // The decoded ARN names model `x` in this region: the allowlist's id is forwarded, not the ARN.
    expect(upstream.calls[0]?.model).toBe('x');
  });

  test('base64 bodies are decoded', async () => {
    const { s, handle } = setup();
    const body = Buffer.from(
      JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    ).toString('base64');
    await handle(event('/v1/messages', body, { isBase64Encoded: true }), s.raw);
    expect(s.metadata[0]?.statusCode).toBe(200);
  });

  test('no authorizer context → 401 (client headers are never identity)', async () => {
    const { h, s, handle } = setup();
    await handle(event('/v1/messages', '{}', { requestContext: { requestId: 'r' } }), s.raw);
    expect(s.metadata[0]?.statusCode).toBe(401);
    expect(h.records[0]?.tenant).toBeNull();
  });

  test('unknown route → 404 with request-id and still exactly one record', async () => {
    const { h, s, handle } = setup();
    await handle(event('/v1/complete', '{}'), s.raw);
    expect(s.metadata[0]?.statusCode).toBe(404);
    expect(s.metadata[0]?.headers?.['request-id']).toBe('dec-1');
    expect(h.records).toHaveLength(1);
    expect(h.records[0]?.reason).toBe('not_found');
  });

  test('a garbage event is answered (404) and recorded, never thrown', async () => {
    const { h, s, handle } = setup();
    await expect(handle('not an event', s.raw)).resolves.toBeUndefined();
    expect(s.metadata[0]?.statusCode).toBe(404);
    expect(h.records).toHaveLength(1);
  });

  test('the client closing the stream aborts the upstream call', async () => {
    const s = fakeStream();
    const upstream = new FakeUpstream(undefined, {
      events: textEvents(['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)]),
      onEvent: (i) => {
        if (i === 4) s.raw.destroy();
      },
    });
    const h = harness({ upstream });
    const handle = makeStreamingHandler({ serve: h.deps, from: s.from, newId: () => 'd' });
    await handle(
      event('/v1/messages', {
        model: 'm',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      s.raw,
    );
    expect(upstream.signal?.aborted).toBe(true);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]?.reason).toBe('client_aborted');
  });
});

describe('handler helpers', () => {
  test.each([
    [
      { resource: '/v1/messages', httpMethod: 'POST' },
      { ok: true, route: 'messages' },
    ],
    [
      { path: '/model/m1/invoke', httpMethod: 'POST' },
      { ok: true, route: 'bedrock.invoke', modelId: 'm1' },
    ],
    [
      { path: '/v1/messages', httpMethod: 'GET' },
      expect.objectContaining({ ok: false, reason: 'method_not_allowed' }),
    ],
    [
      { path: '/model/a/b/invoke', httpMethod: 'POST' },
      expect.objectContaining({ ok: false, reason: 'not_found' }),
    ],
  ])('routeOf(%j)', (e, expected) => {
    expect(routeOf(e)).toEqual(expected);
  });

  test('lambdaResponseWriter writes metadata once and settles `finished` after end', async () => {
    const s = fakeStream();
    const w = lambdaResponseWriter(s.raw, s.from);
    w.head(200, { a: 'b' });
    w.write('x');
    w.write(new Uint8Array([121]));
    w.end();
    await w.finished;
    expect(s.metadata).toEqual([{ statusCode: 200, headers: { a: 'b' } }]);
    expect(s.text()).toBe('xy');
    expect(w.aborted).toBe(false);
  });
});
