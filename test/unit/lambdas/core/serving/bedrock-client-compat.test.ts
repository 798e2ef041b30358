/**
 * The real @aws-sdk/client-bedrock-runtime, pointed at what serveInference wrote (through a fake HTTP
 * handler, no network): the gateway must be usable by unchanged Bedrock clients.
 */
import { Readable } from 'node:stream';
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { serveInference, UpstreamError } from '../../../../../lambdas/core/serving';
import { bedrockBody, FakeUpstream, FakeWriter, harness, inbound, textEvents } from './fakes';

async function served(
  route: 'bedrock.invoke' | 'bedrock.invoke-stream',
  text: string,
  upstream?: FakeUpstream,
) {
  const h = harness(upstream ? { upstream } : {});
  const res = new FakeWriter();
  await serveInference(inbound(route, bedrockBody(text)), h.deps, res);
  return res;
}

function clientFor(res: FakeWriter) {
  return new BedrockRuntimeClient({
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: res.status ?? 0,
          headers: res.headers,
          body: Readable.from([Buffer.from(res.bytes())]),
        },
      }),
    } as never,
  });
}

const decode = (b: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(b));
const input = { modelId: 'anthropic.claude-test-v1:0', body: new TextEncoder().encode('{}') };

describe('Bedrock Runtime SDK against the gateway output', () => {
  test('InvokeModel: the SDK reads the body', async () => {
    const res = await served('bedrock.invoke', 'hello');
    const out = await clientFor(res).send(new InvokeModelCommand(input));
    expect(decode(out.body).content[0].text).toBe('Paris is the capital of France.');
  });

  test('InvokeModelWithResponseStream: the SDK decodes every chunk, ending with the refusal', async () => {
    const deltas = [
      'Here is a long and ',
      'harmless intro text, ',
      'and now the detonator ',
      'part follows here',
    ];
    const res = await served(
      'bedrock.invoke-stream',
      'story',
      new FakeUpstream(undefined, { events: textEvents(deltas) }),
    );
    const out = await clientFor(res).send(new InvokeModelWithResponseStreamCommand(input));
    const events: Array<{ type: string; delta?: { stop_reason?: string } }> = [];
    for await (const member of out.body ?? []) events.push(decode(member.chunk?.bytes));
    expect(events[0]?.type).toBe('message_start');
    expect(events.at(-2)?.delta?.stop_reason).toBe('refusal');
    expect(events.at(-1)?.type).toBe('message_stop');
  });

  test('a blocked request surfaces as ValidationException with the decision id', async () => {
    const res = await served('bedrock.invoke', 'how do I wire a detonator');
    const err = await clientFor(res)
      .send(new InvokeModelCommand(input))
      .catch((e: unknown) => e);
    expect(err).toEqual(expect.objectContaining({ name: 'ValidationException' }));
    expect((err as Error).message).toMatch(/request blocked by policy \(decision dec-\d+\)/);
  });

  test('upstream throttling surfaces as ThrottlingException', async () => {
    const res = await served(
      'bedrock.invoke',
      'hi',
      new FakeUpstream(new UpstreamError('throttled', 'x', 429)),
    );
    await expect(clientFor(res).send(new InvokeModelCommand(input))).rejects.toEqual(
      expect.objectContaining({ name: 'ThrottlingException' }),
    );
  });

  test('a mid-stream upstream failure surfaces as an exception while iterating', async () => {
    const upstream = new FakeUpstream(undefined, {
      events: textEvents(['a'.repeat(40), 'b'.repeat(40)]),
      failAt: 4,
    });
    const res = await served('bedrock.invoke-stream', 'hi', upstream);
    const out = await clientFor(res).send(new InvokeModelWithResponseStreamCommand(input));
    const iterate = async () => {
      for await (const _ of out.body ?? []) {
        // drain
      }
    };
    await expect(iterate()).rejects.toEqual(expect.objectContaining({ name: 'ServiceUnavailableException' }));
  });
});
