import { extensionSecret } from '../../../../../lambdas/adapters/upstream';

describe('extensionSecret', () => {
  test('reads through the extension with the session token, caches, and does not cache failures', async () => {
    const calls: Array<{ url: string; headers: unknown }> = [];
    let fail = true;
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, headers: init.headers });
      if (fail) {
        fail = false;
        return new Response('', { status: 500 });
      }
      return new Response(JSON.stringify({ SecretString: 'sk-1' }), { status: 200 });
    }) as unknown as typeof fetch;
    let clock = 0;
    const secret = extensionSecret({
      secretId: 'arn:x/y',
      sessionToken: 'tok',
      fetch: fetchImpl,
      now: () => clock,
      ttlMs: 100,
    });
    await expect(secret()).rejects.toThrow('extension answered 500');
    expect(await secret()).toBe('sk-1');
    expect(await secret()).toBe('sk-1');
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual({
      url: 'http://localhost:2773/secretsmanager/get?secretId=arn%3Ax%2Fy',
      headers: { 'X-Aws-Parameters-Secrets-Token': 'tok' },
    });
    clock = 100;
    await secret();
    expect(calls).toHaveLength(3);
  });
});
