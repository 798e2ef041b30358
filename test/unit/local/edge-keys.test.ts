import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFromX, verifyClaimKey } from '../../../lambdas/core/edge/claim-key';
import { isWellFormedApiKey } from '../../../lambdas/core/enforcement/keys';
import { generateEdgeKeys, issueClaimKey } from '../../../local/edge-keys';

describe('edge key tooling', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csp-edge-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('keygen writes two private keys readable by the owner only and returns their public keys', () => {
    const out = generateEdgeKeys(join(dir, 'keys'));
    for (const file of [out.claimSigningKeyFile, out.originSigningKeyFile]) {
      expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(statSync(file).mode & 0o077).toBe(0);
    }
    expect(out.claimPublicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out.originPublicKey).not.toBe(out.claimPublicKey);
  });

  test('keygen refuses to overwrite existing keys', () => {
    generateEdgeKeys(dir);
    expect(() => generateEdgeKeys(dir)).toThrow(/EEXIST/);
  });

  test('an issued key carries a claim the edge verifies with the public key from keygen', () => {
    const out = generateEdgeKeys(dir);
    const key = issueClaimKey(out.claimSigningKeyFile, 'eu-central-1');
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(verifyClaimKey(key, [publicKeyFromX(out.claimPublicKey)])).toEqual({
      ok: true,
      region: 'eu-central-1',
    });
    expect(verifyClaimKey(key, [publicKeyFromX(out.originPublicKey)]).ok).toBe(false);
  });
});
