/**
 * API keys that carry a verifiable home-region claim, so the global edge can route a tenant to its home
 * region without a table or a network call (docs/edge.md, ADR 0010).
 *
 *   csk_<32 base62>.<region>.<86 base64url: Ed25519 signature>
 *
 * The signature covers `csp-edge-claim/v1\n` + `csk_<32 base62>.<region>`. It is made with the partner's
 * claim-signing private key (operator tooling only) and checked at the edge with the public key(s) from
 * the config — the edge holds no secret, so a leaked edge bundle cannot mint or alter claims. The
 * regional authorizer treats the whole string as the API key (hash lookup, as for every key), so a
 * claim key works on its regional endpoint too; plain `csk_<32>` keys keep working there and are refused
 * at the edge with a message saying so.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

const CONTEXT = 'csp-edge-claim/v1\n';
const CLAIM_KEY_PATTERN = /^(csk_[0-9A-Za-z]{32})\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.([A-Za-z0-9_-]{86})$/;

/** The parts of a well-formed claim key (not yet verified). */
export interface ClaimKeyParts {
  /** `csk_<32 base62>`: the random part. */
  readonly body: string;
  /** The claimed home region. */
  readonly region: string;
  /** The 64-byte signature. */
  readonly signature: Buffer;
}

/** Whether `candidate` has the claim-key shape (cheap, no crypto). */
export function isClaimKeyShape(candidate: string): boolean {
  return candidate.length <= 160 && CLAIM_KEY_PATTERN.test(candidate);
}

/** Splits a claim key into its parts, or `undefined` when it does not have the shape. */
export function parseClaimKey(candidate: string): ClaimKeyParts | undefined {
  if (candidate.length > 160) return undefined;
  const m = CLAIM_KEY_PATTERN.exec(candidate);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { body: m[1], region: m[2], signature: Buffer.from(m[3], 'base64url') };
}

const signedBytes = (body: string, region: string): Buffer =>
  Buffer.from(`${CONTEXT}${body}.${region}`, 'utf8');

/** An Ed25519 public key from its raw 32 bytes in base64url (the JWK `x` value, as written in the config). */
export function publicKeyFromX(x: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(x)) throw new Error('expected a 43-character base64url Ed25519 public key');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** The config form (`x`, base64url of the raw 32 bytes) of an Ed25519 public key. */
export function publicKeyX(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new Error('expected an Ed25519 key');
  }
  return jwk.x;
}

/** Reads a PKCS#8 PEM Ed25519 private key. */
export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('expected an Ed25519 private key');
  return key;
}

/**
 * Turns a plain key (`csk_<32 base62>`) into a claim key for `region`, signed with the claim-signing key.
 */
export function mintClaimKey(plainKey: string, region: string, signingKey: KeyObject): string {
  if (!/^csk_[0-9A-Za-z]{32}$/.test(plainKey)) throw new Error('expected a plain csk_ key');
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/.test(region)) throw new Error(`not a region code: '${region}'`);
  const signature = sign(null, signedBytes(plainKey, region), signingKey);
  return `${plainKey}.${region}.${signature.toString('base64url')}`;
}

/** Result of {@link verifyClaimKey}. */
export type ClaimVerdict =
  | { readonly ok: true; readonly region: string }
  | { readonly ok: false; readonly reason: 'not_a_claim_key' | 'bad_signature' };

/**
 * Verifies a claim key against any of the configured public keys (several during a rotation). The region
 * is trusted only when a signature verifies; a claim whose region was edited fails.
 */
export function verifyClaimKey(candidate: string, publicKeys: readonly KeyObject[]): ClaimVerdict {
  const parts = parseClaimKey(candidate);
  if (parts === undefined) return { ok: false, reason: 'not_a_claim_key' };
  const data = signedBytes(parts.body, parts.region);
  for (const key of publicKeys) {
    if (verify(null, data, key, parts.signature)) return { ok: true, region: parts.region };
  }
  return { ok: false, reason: 'bad_signature' };
}
