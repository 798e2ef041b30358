import { generateKeyPairSync } from 'node:crypto';
import { ASSERTION_TTL_MS, signAssertion, verifyAssertion } from '../../../../../lambdas/core/edge/assertion';

const pair = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const NOW = 1_800_000_000_000;
const SUBJECT = {
  region: 'eu-west-1',
  method: 'POST',
  path: '/model/anthropic.claude-x-v1%3A0/invoke',
  apiKey: 'csk_0123456789abcdefghijABCDEFGHIJkl',
};

describe('edge origin assertions', () => {
  const header = signAssertion(SUBJECT, pair.privateKey, NOW);

  it('verifies for the same region, route and credential within the window', () => {
    expect(verifyAssertion(header, SUBJECT, [pair.publicKey], NOW + 1_000)).toEqual({ ok: true });
  });

  it('compares paths decoded, as API Gateway hands them to the authorizer', () => {
    const decoded = { ...SUBJECT, path: '/model/anthropic.claude-x-v1:0/invoke' };
    expect(verifyAssertion(header, decoded, [pair.publicKey], NOW).ok).toBe(true);
  });

  it.each([
    ['another region', { ...SUBJECT, region: 'us-east-1' }],
    ['another path', { ...SUBJECT, path: '/v1/messages' }],
    ['another method', { ...SUBJECT, method: 'GET' }],
    ['another credential', { ...SUBJECT, apiKey: 'csk_ZZZZ456789abcdefghijABCDEFGHIJkl' }],
  ])('fails for %s (no replay across regions, routes or tenants)', (_label, subject) => {
    expect(verifyAssertion(header, subject, [pair.publicKey], NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('expires after the window, either side', () => {
    expect(verifyAssertion(header, SUBJECT, [pair.publicKey], NOW + ASSERTION_TTL_MS + 1).ok).toBe(false);
    expect(verifyAssertion(header, SUBJECT, [pair.publicKey], NOW - ASSERTION_TTL_MS - 1)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['garbage', 'malformed'],
    [`${NOW}.${'A'.repeat(85)}`, 'malformed'],
  ])('refuses %p as %s', (value, reason) => {
    expect(verifyAssertion(value, SUBJECT, [pair.publicKey], NOW)).toEqual({ ok: false, reason });
  });

  it('fails with a key that did not sign it', () => {
    expect(verifyAssertion(header, SUBJECT, [other.publicKey], NOW).ok).toBe(false);
  });
});
