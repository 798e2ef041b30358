import 'aws-sdk-client-mock-jest';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CircuitOpenError,
  ConsecutiveFailureBreaker,
  SageMakerTier2,
} from '../../../../../lambdas/adapters/tier2';
import { callTier2 } from '../../../../../lambdas/core/engine/tier2';

const sm = mockClient(SageMakerRuntimeClient);
const bytes = (s: string) => new TextEncoder().encode(s);
const now = () => performance.now();

describe('SageMakerTier2', () => {
  beforeEach(() => sm.reset());

  test('sends {"inputs": text} and returns the parsed scores', async () => {
    sm.on(InvokeEndpointCommand).resolves({ Body: bytes('{"scores":{"harmful":0.9}}') as never });
    const t2 = new SageMakerTier2(new SageMakerRuntimeClient({}), { endpointName: 'classifier' });
    const out = await callTier2(t2, 'some text', 1000, now);
    expect(out).toEqual(expect.objectContaining({ outcome: 'ok', scores: { harmful: 0.9 } }));
    expect(sm).toHaveReceivedCommandWith(InvokeEndpointCommand, {
      EndpointName: 'classifier',
      ContentType: 'application/json',
    });
    const body = sm.commandCalls(InvokeEndpointCommand)[0]?.args[0].input.Body as Uint8Array;
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({ inputs: 'some text' });
  });

  test('an exchange check sends the request as prompt beside the output', async () => {
    sm.on(InvokeEndpointCommand).resolves({ Body: bytes('{"scores":{"harmful":0.1}}') as never });
    const t2 = new SageMakerTier2(new SageMakerRuntimeClient({}), { endpointName: 'classifier' });
    await callTier2(t2, 'the output window', 1000, now, { prompt: 'the request' });
    const body = sm.commandCalls(InvokeEndpointCommand)[0]?.args[0].input.Body as Uint8Array;
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({
      inputs: 'the output window',
      prompt: 'the request',
    });
  });

  test('a call slower than the deadline is a timeout', async () => {
    sm.on(InvokeEndpointCommand).callsFake(() => new Promise(() => {}));
    const t2 = new SageMakerTier2(new SageMakerRuntimeClient({}), { endpointName: 'c' });
    expect(await callTier2(t2, 'x', 5, now)).toEqual(
      expect.objectContaining({ outcome: 'timeout', reason: 'deadline' }),
    );
  });

  test('a 5xx from the container is an error outcome', async () => {
    sm.on(InvokeEndpointCommand).rejects(
      new ModelError({ message: 'boom', $metadata: {}, OriginalStatusCode: 500 }),
    );
    const t2 = new SageMakerTier2(new SageMakerRuntimeClient({}), { endpointName: 'c' });
    expect(await callTier2(t2, 'x', 1000, now)).toEqual(
      expect.objectContaining({ outcome: 'error', reason: 'ModelError' }),
    );
  });

  test.each([
    ['not JSON', '<html>oops</html>'],
    ['wrong shape', '{"label":"harmful"}'],
    ['out of range', '{"scores":{"harmful":7}}'],
  ])('garbage (%s) is an invalid-response error', async (_n, body) => {
    sm.on(InvokeEndpointCommand).resolves({ Body: bytes(body) as never });
    const t2 = new SageMakerTier2(new SageMakerRuntimeClient({}), { endpointName: 'c' });
    expect(await callTier2(t2, 'x', 1000, now)).toEqual(
      expect.objectContaining({ outcome: 'error', reason: 'invalid-response' }),
    );
  });

  test('the circuit opens after N consecutive failures and then fails fast without calling SageMaker', async () => {
    sm.on(InvokeEndpointCommand).rejects(
      new ModelError({ message: 'boom', $metadata: {}, OriginalStatusCode: 500 }),
    );
    const t2 = new SageMakerTier2(new SageMakerRuntimeClient({}), {
      endpointName: 'c',
      failureThreshold: 3,
      halfOpenAfterMs: 60_000,
    });
    for (let i = 0; i < 3; i++)
      await expect(t2.classify('x', new AbortController().signal)).rejects.toThrow('boom');
    expect(t2.open).toBe(true);
    await expect(t2.classify('x', new AbortController().signal)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(await callTier2(t2, 'x', 1000, now)).toEqual(
      expect.objectContaining({ outcome: 'error', reason: 'circuit-open' }),
    );
    expect(sm.commandCalls(InvokeEndpointCommand)).toHaveLength(3);
  });

  test('after the cool-down one half-open probe runs; success closes, failure re-opens', async () => {
    let clock = 0;
    const states: string[] = [];
    const breaker = new ConsecutiveFailureBreaker({
      failureThreshold: 2,
      halfOpenAfterMs: 1000,
      now: () => clock,
      onStateChange: (s) => states.push(s),
    });
    const fail = () => breaker.execute(async () => Promise.reject(new Error('boom')));
    const ok = () => breaker.execute(async () => 'ok');
    await expect(fail()).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed');
    await expect(fail()).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    clock = 999;
    await expect(ok()).rejects.toBeInstanceOf(CircuitOpenError);
    clock = 1000;
    expect(breaker.state).toBe('half-open');
    await expect(fail()).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    clock = 2000;
    await expect(ok()).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'open', 'closed']);
  });

  test('a success resets the consecutive-failure count', async () => {
    const breaker = new ConsecutiveFailureBreaker({ failureThreshold: 2, now: () => 0 });
    await expect(breaker.execute(async () => Promise.reject(new Error('x')))).rejects.toThrow();
    await breaker.execute(async () => 1);
    await expect(breaker.execute(async () => Promise.reject(new Error('x')))).rejects.toThrow();
    expect(breaker.state).toBe('closed');
  });
});
