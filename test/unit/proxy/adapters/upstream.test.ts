import 'aws-sdk-client-mock-jest';
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
import {
  anthropicHttpUpstream,
  bedrockUpstream,
  parseRetryAfter,
  sagemakerUpstream,
} from '../../../../lambdas/adapters/upstream';
import { UpstreamError } from '../../../../lambdas/core/serving';

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
  test('posts to /v1/messages with the secret key and parses the SSE stream', async () => {
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }) as unknown as typeof fetch;
    const up = anthropicHttpUpstream({
      baseUrl: 'https://model.example/',
      apiKey: async () => 'sk-secret',
      fetch: fetchImpl,
    });
    const out = await collect(up.stream({ max_tokens: 1 }, 'claude-x', signal()));
    expect(out).toEqual(events);
    expect(calls[0]?.url).toBe('https://model.example/v1/messages');
    expect(calls[0]?.init.headers).toEqual(expect.objectContaining({ 'x-api-key': 'sk-secret' }));
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({
      model: 'claude-x',
      max_tokens: 1,
      stream: true,
    });
  });

  test('GIVEN allowlisted beta flags in the model body WHEN called THEN they travel as the anthropic-beta header, not in the body', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ type: 'message', content: [] }), { status: 200 });
    }) as unknown as typeof fetch;
    const up = anthropicHttpUpstream({ baseUrl: 'https://model.example', fetch: fetchImpl });
    await up.invoke(
      { max_tokens: 1, anthropic_beta: ['context-management-2025-06-27', 'effort-2025-11-24'] },
      'claude-x',
      signal(),
    );
    expect(calls[0]?.init.headers).toEqual(
      expect.objectContaining({ 'anthropic-beta': 'context-management-2025-06-27,effort-2025-11-24' }),
    );
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ model: 'claude-x', max_tokens: 1 });
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
    const fetchImpl = (async () =>
      new Response('{"type":"error"}', {
        status,
        headers: { 'retry-after': '2' },
      })) as unknown as typeof fetch;
    const up = anthropicHttpUpstream({ baseUrl: 'https://m', apiKey: async () => 'k', fetch: fetchImpl });
    const err = await up.invoke({}, 'm', signal()).catch((e: unknown) => e);
    expect(err).toEqual(expect.objectContaining({ kind, status }));
    if (status === 429) expect((err as UpstreamError).retryAfterMs).toBe(2000);
  });

  test('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
