/** Small string helpers shared by the normalizer. */

const CHUNK = 8192;

/** Builds a string from UTF-16 code units without spreading a huge array onto the stack. */
export function fromCodeUnits(codes: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, Array.prototype.slice.call(codes, i, i + CHUNK) as number[]));
  }
  return parts.join('');
}

/** ASCII a–z (lowercase only). */
export const isLowerAscii = (c: number): boolean => c >= 0x61 && c <= 0x7a;
/** ASCII 0–9. */
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** ASCII a–z or A–Z. */
export const isAsciiLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
