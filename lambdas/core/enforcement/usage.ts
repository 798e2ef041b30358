import { type Cost, DIMENSIONS, type Dimension } from './types';

/**
 * What to settle after a response: `used − reserved` per dimension (positive = charge the overrun,
 * negative = refund). The proxy reserves `{inputTokens: estimate, outputTokens: reservation}` on admission
 * and settles `usageDelta(reserved, actual)` once the model's usage is known.
 */
export function usageDelta(reserved: Cost, used: Cost): Cost {
  const delta: Partial<Record<Dimension, number>> = {};
  for (const d of DIMENSIONS) {
    const v = (used[d] ?? 0) - (reserved[d] ?? 0);
    if (v !== 0) delta[d] = v;
  }
  return delta;
}
