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
