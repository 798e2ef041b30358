/**
 * Operator tooling for the global edge's keys (docs/edge.md): generating the two Ed25519 key pairs, and issuing
 * API keys that carry a signed home-region claim. Private keys stay with the operator (claim signing) and in
 * Secrets Manager in us-east-1 (origin signing); only public keys go into the config.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintClaimKey, privateKeyFromPem, publicKeyX } from '../lambdas/core/edge/claim-key';
import { generateApiKey } from '../lambdas/core/enforcement/keys';

/** What `edge keygen` produced. */
export interface GeneratedEdgeKeys {
  readonly claimPublicKey: string;
  readonly originPublicKey: string;
  readonly claimSigningKeyFile: string;
  readonly originSigningKeyFile: string;
}

/**
 * Writes `claim-signing.pem` and `origin-signing.pem` (PKCS#8, mode 0600) into `outDir` and returns the public
 * keys in the config's form. Refuses to overwrite existing files.
 */
export function generateEdgeKeys(outDir: string): GeneratedEdgeKeys {
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const write = (name: string) => {
    const pair = generateKeyPairSync('ed25519');
    const file = join(outDir, name);
    writeFileSync(file, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), {
      mode: 0o600,
      flag: 'wx',
    });
    return { file, x: publicKeyX(pair.publicKey) };
  };
  const claim = write('claim-signing.pem');
  const origin = write('origin-signing.pem');
  return {
    claimPublicKey: claim.x,
    originPublicKey: origin.x,
    claimSigningKeyFile: claim.file,
    originSigningKeyFile: origin.file,
  };
}

/** A fresh API key whose home-region claim for `region` is signed with the claim-signing key in `pemFile`. */
export function issueClaimKey(pemFile: string, region: string): string {
  return mintClaimKey(generateApiKey(), region, privateKeyFromPem(readFileSync(pemFile, 'utf8')));
}
