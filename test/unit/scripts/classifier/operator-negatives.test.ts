import { canonicalize } from '../../../../lambdas/core/normalize/normalize';
import {
  OPERATOR_NEGATIVE_COUNTS,
  operatorNegatives,
} from '../../../../scripts/classifier/operator-negatives';

describe('operator-style negatives', () => {
  const rows = operatorNegatives(canonicalize);

  it('are the same on every call, benign, canonical, and fitted only (each its own fold group)', () => {
    expect(operatorNegatives(canonicalize)).toEqual(rows);
    const total = Object.values(OPERATOR_NEGATIVE_COUNTS).reduce((a, b) => a + b, 0);
    expect(rows).toHaveLength(total);
    for (const r of rows) {
      expect(r.label).toBe('benign');
      expect(r.borderline).toBe(false);
      expect(r.augmentOf).toBe(r.id);
      expect(r.text).toBe(canonicalize(r.text));
      expect(r.text.length).toBeGreaterThan(10);
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it('vary: most whole prompts are distinct, and another seed gives other prompts', () => {
    const prompts = rows.slice(0, OPERATOR_NEGATIVE_COUNTS.prompts).map((r) => r.text);
    expect(new Set(prompts).size).toBeGreaterThan(prompts.length * 0.95);
    const other = operatorNegatives(canonicalize, 7).slice(0, OPERATOR_NEGATIVE_COUNTS.prompts);
    expect(other.map((r) => r.text)).not.toEqual(prompts);
  });

  it('name no harmful act (prohibitions are exempt in operator text and need no negatives)', () => {
    const text = rows.map((r) => r.text).join('\n');
    for (const harm of ['malware', 'weapon', 'password', 'exploit', 'drug', 'track a person', 'kill']) {
      expect(text).not.toContain(harm);
    }
  });
});
