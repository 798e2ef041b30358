import './env';
import { depsFromEnv } from '../../../../lambdas/canary/deps';

const instrumentation = {
  logger: { info: () => undefined, error: () => undefined },
  metrics: {
    addMetric: () => undefined,
    singleMetric: () => ({ addDimension: () => undefined, addMetric: () => undefined }),
    publishStoredMetrics: () => undefined,
  },
};

/** Answers the Parameters and Secrets extension's request with `secretString`; records the URLs asked. */
const extension = (secretString: string) => {
  const asked: string[] = [];
  const fetch = jest.fn(async (url: string | URL | Request) => {
    asked.push(String(url));
    return new Response(JSON.stringify({ SecretString: secretString }), { status: 200 });
  });
  return { fetch, asked };
};

describe('canary deps: the API key from the generated secret', () => {
  const real = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = real;
  });

  test('the key is csk_ + the generated value of the secret named by CANARY_API_KEY_SECRET_ID', async () => {
    const { fetch, asked } = extension('Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4f');
    globalThis.fetch = fetch as unknown as typeof globalThis.fetch;
    const deps = depsFromEnv({ ...process.env, CANARY_API_KEY_SECRET_ID: 'canary/key-g1' }, instrumentation);
    await expect(deps.apiKey()).resolves.toBe('csk_Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4f');
    expect(asked).toEqual(['http://localhost:2773/secretsmanager/get?secretId=canary%2Fkey-g1']);
  });

  test.each([
    [
      'a whole key (the generated value is stored without the prefix)',
      'csk_Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4f',
    ],
    ['punctuation', 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bC!4f'],
  ])('a secret of another form (%s) is refused without echoing it', async (_what, value) => {
    globalThis.fetch = extension(value).fetch as unknown as typeof globalThis.fetch;
    const deps = depsFromEnv(process.env, instrumentation);
    const attempt = deps.apiKey();
    await expect(attempt).rejects.toThrow(/^generated API key: expected 32 letters and digits/);
    await attempt.catch((err: Error) => expect(err.message).not.toContain(value));
  });
});
