import { generateKeyPairSync } from 'node:crypto';
import {
  isClaimKeyShape,
  mintClaimKey,
  parseClaimKey,
  publicKeyFromX,
  publicKeyX,
  verifyClaimKey,
} from '../../../../../lambdas/core/edge/claim-key';
import { hashApiKey, isWellFormedApiKey } from '../../../../../lambdas/core/enforcement/keys';

const pair = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const PLAIN = 'csk_0123456789abcdefghijABCDEFGHIJkl';

describe('home-region claim keys', () => {
  const key = mintClaimKey(PLAIN, 'eu-west-1', pair.privateKey);

  it('carries the region and verifies with the configured public key', () => {
    expect(key.startsWith(`${PLAIN}.eu-west-1.`)).toBe(true);
    expect(isClaimKeyShape(key)).toBe(true);
    expect(verifyClaimKey(key, [publicKeyFromX(publicKeyX(pair.publicKey))])).toEqual({
      ok: true,
      region: 'eu-west-1',
    });
  });

  it('is a well-formed API key for the regional authorizer, hashed whole', () => {
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(hashApiKey(key)).not.toBe(hashApiKey(PLAIN));
  });

  it('fails when the region is edited (forged zone claim)', () => {
    const forged = key.replace('.eu-west-1.', '.us-east-1.');
    expect(verifyClaimKey(forged, [pair.publicKey])).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('fails when the random part is edited', () => {
    const forged = `csk_1${key.slice(5)}`;
    expect(verifyClaimKey(forged, [pair.publicKey])).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('fails when signed by a key nobody configured, and passes during a rotation with both keys', () => {
    const byOther = mintClaimKey(PLAIN, 'eu-west-1', other.privateKey);
    expect(verifyClaimKey(byOther, [pair.publicKey]).ok).toBe(false);
    expect(verifyClaimKey(byOther, [pair.publicKey, other.publicKey]).ok).toBe(true);
  });

  it.each([
    ['a plain key', PLAIN],
    ['upper-case region', key.replace('.eu-west-1.', '.EU-WEST-1.')],
    ['a percent-encoded region', key.replace('.eu-west-1.', '.eu%2Dwest-1.')],
    ['a truncated signature', key.slice(0, -1)],
    ['trailing whitespace', `${key} `],
    ['an oversized value', `${key}${'A'.repeat(200)}`],
  ])('is not a claim key: %s', (_label, candidate) => {
    expect(parseClaimKey(candidate)).toBeUndefined();
    expect(verifyClaimKey(candidate, [pair.publicKey])).toEqual({ ok: false, reason: 'not_a_claim_key' });
  });

  it('refuses to mint for a non-plain key or a non-region', () => {
    expect(() => mintClaimKey(key, 'eu-west-1', pair.privateKey)).toThrow('plain');
    expect(() => mintClaimKey(PLAIN, 'EU', pair.privateKey)).toThrow('region');
  });

  it('fails on public keys that are not Ed25519 x values', () => {
    expect(() => publicKeyFromX('short')).toThrow('43-character');
  });
});
