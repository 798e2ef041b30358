import { extractCredential, type HeaderBag } from '../../../../../lambdas/core/enforcement/credentials';
import { generateApiKey, hashApiKey, isWellFormedApiKey } from '../../../../../lambdas/core/enforcement/keys';

const K = 'csk_0123456789abcdefghijABCDEFGHIJkl';
const K2 = 'csk_ZZZZ456789abcdefghijABCDEFGHIJkl';

describe('extractCredential', () => {
  const cases: Array<[string, HeaderBag, ReturnType<typeof extractCredential>]> = [
    ['x-api-key', { 'x-api-key': K }, { ok: true, apiKey: K, source: 'x-api-key' }],
    ['X-Api-Key in another case', { 'X-API-KEY': K }, { ok: true, apiKey: K, source: 'x-api-key' }],
    [
      'Authorization: Bearer',
      { Authorization: `Bearer ${K}` },
      { ok: true, apiKey: K, source: 'authorization' },
    ],
    [
      'lower-case bearer scheme',
      { authorization: `bearer ${K}` },
      { ok: true, apiKey: K, source: 'authorization' },
    ],
    [
      'both, same key',
      { 'x-api-key': K, authorization: `Bearer ${K}` },
      { ok: true, apiKey: K, source: 'both' },
    ],
    [
      'both, different keys',
      { 'x-api-key': K, authorization: `Bearer ${K2}` },
      { ok: false, reason: 'conflicting_credentials' },
    ],
    [
      'the same header twice in different cases',
      { 'x-api-key': K, 'X-Api-Key': K2 },
      { ok: false, reason: 'conflicting_credentials' },
    ],
    [
      'a multi-value header with two keys',
      { 'x-api-key': [K, K2] },
      { ok: false, reason: 'conflicting_credentials' },
    ],
    ['Basic auth', { authorization: 'Basic dXNlcjpwYXNz' }, { ok: false, reason: 'malformed_credential' }],
    ['an empty x-api-key', { 'x-api-key': '' }, { ok: false, reason: 'malformed_credential' }],
    ['nothing', { 'x-tenant-id': 'acme' }, { ok: false, reason: 'missing_credential' }],
    ['undefined values', { 'x-api-key': undefined }, { ok: false, reason: 'missing_credential' }],
  ];
  test.each(cases)('GIVEN %s', (_name, headers, expected) => {
    expect(extractCredential(headers)).toEqual(expected);
  });
});

describe('API keys', () => {
  test('generated keys are well formed and hash to 64 hex digits', () => {
    // WHEN
    const key = generateApiKey();
    // THEN
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(generateApiKey()).not.toBe(key);
  });

  test('the key hash is SHA-256 of the key as UTF-8, in hex (the form stored in the tenants table)', () => {
    // Stored hashes must keep matching: the value of `printf %s <key> | sha256sum`.
    expect(hashApiKey(K)).toBe('a70ff3952d05d43c74bd973a1b0be249cde0a4dae2c327e8cbcc8df0faae3e1a');
  });

  test('the key body uses the injected index source', () => {
    expect(generateApiKey(() => 61)).toBe(`csk_${'z'.repeat(32)}`);
  });

  test.each(['csk_short', `sk_${'a'.repeat(32)}`, `csk_${'a'.repeat(31)}-`])('%s is not well formed', (k) => {
    expect(isWellFormedApiKey(k)).toBe(false);
  });
});
