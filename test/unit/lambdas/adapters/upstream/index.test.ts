import 'aws-sdk-client-mock-jest';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import {
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  ModelError,
  SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { MockAgent } from 'undici';
import {
  anthropicHttpUpstream,
  bedrockUpstream,
  parseRetryAfter,
  sagemakerUpstream,
} from '../../../../../lambdas/adapters/upstream';
import { UpstreamError } from '../../../../../lambdas/core/serving';

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const events = [
  { type: 'message_start', message: { id: 'm1', usage: { input_tokens: 3 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } },
  { type: 'message_stop' },
];
async function* from<T>(items: T[]) {
  for (const i of items) yield i;
}
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const signal = () => new AbortController().signal;

describe('bedrockUpstream', () => {
  const bedrock = mockClient(BedrockRuntimeClient);
  beforeEach(() => bedrock.reset());

  test('invoke sends the Messages body with anthropic_version to the mapped model id', async () => {
    bedrock.on(InvokeModelCommand).resolves({ body: bytes({ type: 'message', content: [] }) as never });
    const up = bedrockUpstream(new BedrockRuntimeClient({}), {
      modelMap: { 'claude-x': 'anthropic.claude-x-v1:0' },
    });
    const out = await up.invoke({ max_tokens: 5, messages: [] }, 'claude-x', signal());
    expect(out).toEqual({ type: 'message', content: [] });
    const input = bedrock.commandCalls(InvokeModelCommand)[0]?.args[0].input;
    expect(input?.modelId).toBe('anthropic.claude-x-v1:0');
    expect(JSON.parse(new TextDecoder().decode(input?.body as Uint8Array))).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 5,
      messages: [],
    });
  });

  test('ThrottlingException → UpstreamError throttled', async () => {
    bedrock
      .on(InvokeModelCommand)
      .rejects(new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }));
    const up = bedrockUpstream(new BedrockRuntimeClient({}));
    await expect(up.invoke({}, 'm', signal())).rejects.toEqual(
      expect.objectContaining({ kind: 'throttled' }),
    );
  });

  test('stream decodes chunk bytes into Anthropic events and maps exception members', async () => {
    bedrock
      .on(InvokeModelWithResponseStreamCommand)
      .resolvesOnce({ body: from(events.map((e) => ({ chunk: { bytes: bytes(e) } }))) as never })
      .resolvesOnce({
        body: from([
          { chunk: { bytes: bytes(events[0]) } },
          { modelStreamErrorException: { message: 'x' } },
        ]) as never,
      });
    const up = bedrockUpstream(new BedrockRuntimeClient({}));
    expect((await collect(up.stream({}, 'm', signal()))).map((e) => e.type)).toEqual(
      events.map((e) => e.type),
    );
    await expect(collect(up.stream({}, 'm', signal()))).rejects.toEqual(
      expect.objectContaining({ kind: 'unavailable' }),
    );
  });

  test('a request without a model and no default is rejected before any call', async () => {
    const up = bedrockUpstream(new BedrockRuntimeClient({}));
    await expect(up.invoke({}, undefined, signal())).rejects.toBeInstanceOf(UpstreamError);
    expect(bedrock.calls()).toHaveLength(0);
  });
});

describe('sagemakerUpstream', () => {
  const sm = mockClient(SageMakerRuntimeClient);
  beforeEach(() => sm.reset());

  test('stream parses SSE split across payload parts', async () => {
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const parts = [sse.slice(0, 7), sse.slice(7, 100), sse.slice(100)].map((s) => ({
      PayloadPart: { Bytes: bytes(s) },
    }));
    sm.on(InvokeEndpointWithResponseStreamCommand).resolves({ Body: from(parts) as never });
    const up = sagemakerUpstream(new SageMakerRuntimeClient({}), { endpointName: 'model-ep' });
    const out = await collect(up.stream({ max_tokens: 1 }, 'claude-x', signal()));
    expect(out).toEqual(events);
    expect(sm).toHaveReceivedCommandWith(InvokeEndpointWithResponseStreamCommand, {
      EndpointName: 'model-ep',
    });
    const body = JSON.parse(
      new TextDecoder().decode(
        sm.commandCalls(InvokeEndpointWithResponseStreamCommand)[0]?.args[0].input.Body as Uint8Array,
      ),
    );
    expect(body).toEqual({ model: 'claude-x', max_tokens: 1, stream: true });
  });

  test('ModelError with original 429 → throttled; 500 → unavailable', async () => {
    sm.on(InvokeEndpointCommand)
      .rejectsOnce(new ModelError({ message: 'x', $metadata: {}, OriginalStatusCode: 429 }))
      .rejectsOnce(new ModelError({ message: 'x', $metadata: {}, OriginalStatusCode: 500 }));
    const up = sagemakerUpstream(new SageMakerRuntimeClient({}), { endpointName: 'ep' });
    await expect(up.invoke({}, 'm', signal())).rejects.toEqual(
      expect.objectContaining({ kind: 'throttled' }),
    );
    await expect(up.invoke({}, 'm', signal())).rejects.toEqual(
      expect.objectContaining({ kind: 'unavailable' }),
    );
  });
});

describe('anthropicHttpUpstream', () => {
  /** A mock dispatcher for one origin that records each request (network connections refused). */
  function mockOrigin(origin: string) {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const calls: Array<{ path: string; headers: Record<string, string>; body: string }> = [];
    const record = (o: { path: string; headers?: unknown; body?: unknown }) => {
      calls.push({ path: o.path, headers: o.headers as Record<string, string>, body: String(o.body) });
    };
    return { agent, pool: agent.get(origin), calls, record };
  }

  test('posts to /v1/messages with the secret key and parses the SSE stream', async () => {
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const m = mockOrigin('https://model.example');
    m.pool.intercept({ path: '/v1/messages', method: 'POST' }).reply((o) => {
      m.record(o);
      return {
        statusCode: 200,
        data: sse,
        responseOptions: { headers: { 'content-type': 'text/event-stream' } },
      };
    });
    const up = anthropicHttpUpstream({
      baseUrl: 'https://model.example/',
      apiKey: async () => 'sk-secret',
      dispatcher: m.agent,
    });
    const out = await collect(up.stream({ max_tokens: 1 }, 'claude-x', signal()));
    expect(out).toEqual(events);
    expect(m.calls[0]?.path).toBe('/v1/messages');
    expect(m.calls[0]?.headers).toEqual(expect.objectContaining({ 'x-api-key': 'sk-secret' }));
    expect(JSON.parse(m.calls[0]?.body ?? '')).toEqual({ model: 'claude-x', max_tokens: 1, stream: true });
  });

  test('GIVEN allowlisted beta flags in the model body WHEN called THEN they travel as the anthropic-beta header, not in the body', async () => {
    const m = mockOrigin('https://model.example');
    m.pool.intercept({ path: '/v1/messages', method: 'POST' }).reply((o) => {
      m.record(o);
      return { statusCode: 200, data: JSON.stringify({ type: 'message', content: [] }) };
    });
    const up = anthropicHttpUpstream({ baseUrl: 'https://model.example', dispatcher: m.agent });
    await up.invoke(
      { max_tokens: 1, anthropic_beta: ['context-management-2025-06-27', 'effort-2025-11-24'] },
      'claude-x',
      signal(),
    );
    expect(m.calls[0]?.headers).toEqual(
      expect.objectContaining({ 'anthropic-beta': 'context-management-2025-06-27,effort-2025-11-24' }),
    );
    expect(JSON.parse(m.calls[0]?.body ?? '')).toEqual({ model: 'claude-x', max_tokens: 1 });
  });

  test.each([
    [429, 'throttled'],
    [529, 'unavailable'],
    [500, 'unavailable'],
    [504, 'timeout'],
    [400, 'rejected'],
    [401, 'credentials'],
    [403, 'credentials'],
    [307, 'redirect'],
    [301, 'redirect'],
  ] as const)('status %i → %s', async (status, kind) => {
    const m = mockOrigin('https://m');
    m.pool
      .intercept({ path: '/v1/messages', method: 'POST' })
      .reply(status, '{"type":"error"}', { headers: { 'retry-after': '2', location: 'https://elsewhere/' } });
    const up = anthropicHttpUpstream({ baseUrl: 'https://m', apiKey: async () => 'k', dispatcher: m.agent });
    const err = await up.invoke({}, 'm', signal()).catch((e: unknown) => e);
    expect(err).toEqual(expect.objectContaining({ kind, status }));
    if (status === 429) expect((err as UpstreamError).retryAfterMs).toBe(2000);
  });

  test('a base path is kept and only that origin is called', async () => {
    const m = mockOrigin('https://gw.example');
    m.pool.intercept({ path: '/anthropic/v1/messages', method: 'POST' }).reply((o) => {
      m.record(o);
      return { statusCode: 200, data: '{"type":"message","content":[]}' };
    });
    const up = anthropicHttpUpstream({ baseUrl: 'https://gw.example/anthropic/', dispatcher: m.agent });
    await up.invoke({}, 'm', signal());
    expect(m.calls.map((c) => c.path)).toEqual(['/anthropic/v1/messages']);
  });

  test('a base URL that is not http(s) is refused at construction', () => {
    expect(() => anthropicHttpUpstream({ baseUrl: 'file:///etc/passwd' })).toThrow(/http\(s\)/);
  });

  test('no response head within headersTimeoutMs → timeout (the pool holds the deadline)', async () => {
    // GIVEN a loopback model server that accepts the request and never answers
    const held: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      held.push(res);
    });
    const url = await new Promise<string>((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      ),
    );
    try {
      const up = anthropicHttpUpstream({ baseUrl: url, headersTimeoutMs: 150 });
      const t = Date.now();
      const err = await up.invoke({}, 'm', signal()).catch((e: unknown) => e);
      expect(err).toEqual(expect.objectContaining({ kind: 'timeout' }));
      expect(Date.now() - t).toBeLessThan(5_000);
    } finally {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('an abort by the caller fails the call as aborted', async () => {
    const m = mockOrigin('https://m');
    m.pool.intercept({ path: '/v1/messages', method: 'POST' }).reply(200, '{}').delay(5_000);
    const up = anthropicHttpUpstream({ baseUrl: 'https://m', dispatcher: m.agent });
    const c = new AbortController();
    const p = up.invoke({}, 'm', c.signal).catch((e: unknown) => e);
    c.abort();
    expect(await p).toEqual(expect.objectContaining({ kind: 'aborted' }));
  });

  test('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
