import { createHash, randomInt } from 'node:crypto';

/** Prefix of every API key. */
export const API_KEY_PREFIX = 'csk_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_BODY_LENGTH = 32;
/** A plain key, optionally followed by a signed home-region claim (`.<region>.<signature>`, lambdas/core/edge/claim-key.ts). */
const API_KEY_PATTERN = /^csk_[0-9A-Za-z]{32}(?:\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.[A-Za-z0-9_-]{86})?$/;

/**
 * A new API key: `csk_` + 32 base62 characters from the CSPRNG (≈190 bits).
 * Shown to the caller once; only {@link hashApiKey} of it is stored.
 *
 * @param pick - index source in [0, 62), injectable for tests
 */
export function generateApiKey(pick: (max: number) => number = randomInt): string {
  let body = '';
  for (let i = 0; i < KEY_BODY_LENGTH; i++) body += BASE62[pick(BASE62.length)] ?? '0';
  return API_KEY_PREFIX + body;
}

/** SHA-256 hex of an API key: the only form in which keys are stored or logged. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** Whether a string has the shape of an API key, plain or with a home-region claim (cheap pre-check before any lookup). */
export function isWellFormedApiKey(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}
