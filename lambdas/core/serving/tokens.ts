/** Rough token estimate used before the model reports usage: one token per four UTF-16 units. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
