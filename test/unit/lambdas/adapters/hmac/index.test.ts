import 'aws-sdk-client-mock-jest';
import { createHmac } from 'node:crypto';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { kmsPseudonymizer, LruMap, localPseudonymizer } from '../../../../../lambdas/adapters/hmac';

const kms = mockClient(KMSClient);
const key = Buffer.alloc(32, 7);

describe('pseudonymizers', () => {
  beforeEach(() => {
    kms.reset();
    kms.on(GenerateMacCommand).callsFake((input: { Message: Uint8Array }) => ({
      Mac: createHmac('sha256', key).update(input.Message).digest(),
    }));
  });

  test('KMS: HMAC_SHA_256 with the region key, prefixed and truncated to 32 hex chars', async () => {
    const p = kmsPseudonymizer(new KMSClient({}), 'alias/hmac');
    const tn = await p('tenant', 'tenant-1');
    const ak = await p('apiKey', 'abc');
    expect(tn).toMatch(/^tn_[0-9a-f]{32}$/);
    expect(ak).toMatch(/^ak_[0-9a-f]{32}$/);
    expect(kms).toHaveReceivedCommandWith(GenerateMacCommand, {
      KeyId: 'alias/hmac',
      MacAlgorithm: 'HMAC_SHA_256',
    });
  });

  test('cache hits do not call KMS again', async () => {
    const p = kmsPseudonymizer(new KMSClient({}), 'k');
    const a = await p('tenant', 't1');
    const b = await p('tenant', 't1');
    await Promise.all([p('tenant', 't2'), p('tenant', 't2')]);
    expect(a).toBe(b);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(2);
  });

  test('a failed KMS call is not cached', async () => {
    kms
      .on(GenerateMacCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ Mac: new Uint8Array(32) });
    const p = kmsPseudonymizer(new KMSClient({}), 'k');
    await expect(p('tenant', 't')).rejects.toThrow('throttled');
    await expect(p('tenant', 't')).resolves.toMatch(/^tn_0{32}$/);
  });

  test('the local variant agrees with KMS for the same key material; kinds never collide', async () => {
    const local = localPseudonymizer(key);
    const viaKms = kmsPseudonymizer(new KMSClient({}), 'k');
    expect(await local('tenant', 'x')).toBe(await viaKms('tenant', 'x'));
    expect((await local('tenant', 'x')).slice(3)).not.toBe((await local('apiKey', 'x')).slice(3));
  });

  test('the LRU map stays bounded and evicts the least recently used entry', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    m.set('c', 3);
    expect(m.size).toBe(2);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
  });
});
