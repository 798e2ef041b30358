/**
 * The edge's proof to a regional API that a request came through the distribution (docs/edge.md).
 *
 * The origin-request function signs `csp-edge-origin/v1\n<issuedAt>\n<region>\n<method>\n<path>\n<sha256(api key)>`
 * with the edge's Ed25519 origin key and sends `x-csp-edge-assertion: <issuedAt>.<base64url signature>`.
 * The regional authorizer, when the region is configured to require the edge, verifies it with the public
 * key(s) from the config: the regional stacks hold no secret, an assertion is valid for one region, one
 * route and one credential, and only for {@link ASSERTION_TTL_MS} (replays are confined to that window and
 * to the same tenant, who could send the same request through the edge anyway).
 */
import { createHash, type KeyObject, sign, verify } from 'node:crypto';

/** Header carrying the assertion from the edge to the regional API. */
export const ASSERTION_HEADER = 'x-csp-edge-assertion';
/** How long an assertion is accepted, either side of the regional clock (covers clock skew). */
export const ASSERTION_TTL_MS = 60_000;

const CONTEXT = 'csp-edge-origin/v1';

/** What an assertion binds. */
export interface AssertionSubject {
  readonly region: string;
  readonly method: string;
  /** Request path without the query string, e.g. `/v1/messages`. */
  readonly path: string;
  /** The API key as presented (hashed before signing; the key itself is never part of the header). */
  readonly apiKey: string;
}

/**
 * The path as both sides compare it: percent-decoded once (CloudFront passes the URI as the client encoded it,
 * API Gateway hands the authorizer a decoded path), the raw text when it does not decode.
 */
export function canonicalPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const message = (issuedAt: number, s: AssertionSubject): Buffer =>
  Buffer.from(
    [
      CONTEXT,
      String(issuedAt),
      s.region,
      s.method.toUpperCase(),
      canonicalPath(s.path),
      createHash('sha256').update(s.apiKey, 'utf8').digest('hex'),
    ].join('\n'),
    'utf8',
  );

/** Signs an assertion for `subject` at `now` (epoch ms). */
export function signAssertion(subject: AssertionSubject, key: KeyObject, now: number): string {
  const issuedAt = Math.floor(now);
  return `${issuedAt}.${sign(null, message(issuedAt, subject), key).toString('base64url')}`;
}

/** Result of {@link verifyAssertion}. */
export type AssertionVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'expired' | 'bad_signature' };

const ASSERTION_PATTERN = /^(\d{13})\.([A-Za-z0-9_-]{86})$/;

/** Verifies the header value for `subject` against any of `publicKeys` at `now`. */
export function verifyAssertion(
  header: string | undefined,
  subject: AssertionSubject,
  publicKeys: readonly KeyObject[],
  now: number,
): AssertionVerdict {
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  const m = ASSERTION_PATTERN.exec(header.trim());
  if (!m?.[1] || !m[2]) return { ok: false, reason: 'malformed' };
  const issuedAt = Number(m[1]);
  if (Math.abs(now - issuedAt) > ASSERTION_TTL_MS) return { ok: false, reason: 'expired' };
  const data = message(issuedAt, subject);
  const signature = Buffer.from(m[2], 'base64url');
  for (const key of publicKeys) {
    if (verify(null, data, key, signature)) return { ok: true };
  }
  return { ok: false, reason: 'bad_signature' };
}
