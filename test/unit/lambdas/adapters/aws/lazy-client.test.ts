import { lazyClient, sdk } from '../../../../../lambdas/adapters/aws/lazy-client';

type Command = { readonly input: string };

describe('lazyClient', () => {
  it('makes the client on the first send, once, and passes the command and options through', async () => {
    const made: string[] = [];
    const sent: unknown[][] = [];
    const client = lazyClient(() => {
      made.push('client');
      return {
        async send(command: Command, options?: { abortSignal?: AbortSignal }) {
          sent.push([command, options]);
          return `answer to ${command.input}`;
        },
      };
    });
    expect(made).toEqual([]);
    const signal = new AbortController().signal;
    await expect(client.send({ input: 'a' }, { abortSignal: signal })).resolves.toBe('answer to a');
    await expect(client.send({ input: 'b' })).resolves.toBe('answer to b');
    expect(made).toEqual(['client']);
    expect(sent).toEqual([
      [{ input: 'a' }, { abortSignal: signal }],
      [{ input: 'b' }, undefined],
    ]);
  });

  it('GIVEN making the client fails THEN the call fails with that error and the next call tries again', async () => {
    let attempts = 0;
    const client = lazyClient(() => {
      attempts++;
      if (attempts === 1) throw new Error('module not found');
      return { send: async (command: Command) => command.input };
    });
    await expect(client.send({ input: 'a' })).rejects.toThrow('module not found');
    await expect(client.send({ input: 'b' })).resolves.toBe('b');
    expect(attempts).toBe(2);
  });

  it('GIVEN a call fails THEN the client is kept', async () => {
    let made = 0;
    const client = lazyClient(() => {
      made++;
      return {
        send: async (command: Command) => {
          if (command.input === 'bad') throw new Error('ValidationException');
          return command.input;
        },
      };
    });
    await expect(client.send({ input: 'bad' })).rejects.toThrow('ValidationException');
    await expect(client.send({ input: 'ok' })).resolves.toBe('ok');
    expect(made).toBe(1);
  });

  it('loads the SDK modules it names', () => {
    expect(typeof sdk.sns().PublishCommand).toBe('function');
    expect(typeof sdk.sagemakerRuntime().InvokeEndpointCommand).toBe('function');
    expect(typeof sdk.kms().GenerateMacCommand).toBe('function');
  });
});
