import { createHash } from 'node:crypto';

/** The rule, in words, recorded in reports and in the model artifact. */
export const SPLIT_RULE =
  'validation = rows whose sha256(id) read as a big-endian uint32 is ≡ 0 (mod 5); the rest train';

/** Deterministic train/validation split by a hash of the row id: about 20% validation. */
export function isValidationId(id: string): boolean {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return digest.readUInt32BE(0) % 5 === 0;
}
