import { HARNESS_ROWS, harnessNegatives, harnessTexts } from '../../../../scripts/classifier/harness-corpus';
import { foldOf } from '../../../../scripts/classifier/training';

describe('harnessTexts', () => {
  it('writes the same texts on every call', () => {
    expect(harnessTexts()).toEqual(harnessTexts());
  });

  it('writes every kind in the counts it declares, no text twice', () => {
    const texts = harnessTexts();
    const total = Object.values(HARNESS_ROWS).reduce((a, b) => a + b, 0);
    expect(texts).toHaveLength(total);
    expect(new Set(texts).size).toBeGreaterThan(total * 0.95);
    // Short reminder blocks (one instruction) and long system prompts both, as a harness sends them.
    expect(texts.some((t) => t.length < 120)).toBe(true);
    expect(texts.some((t) => t.length > 800)).toBe(true);
    expect(texts.filter((t) => /^<([a-z-]+)>\n[\s\S]*\n<\/\1>$/.test(t)).length).toBeGreaterThan(
      HARNESS_ROWS.reminder / 2,
    );
  });
});

describe('harnessNegatives', () => {
  const rows = harnessNegatives((s) => s.toLowerCase());

  it('labels every text general benign, fitted only (its own augmentation source)', () => {
    for (const r of rows) {
      expect(r).toEqual(
        expect.objectContaining({
          label: 'benign',
          borderline: false,
          source: 'harness-corpus',
          augmentOf: r.id,
        }),
      );
      expect(r.served).toBeUndefined();
      expect(r.contrast).toBeUndefined();
    }
  });

  it('spreads the rows over every fold, so each out-of-fold model is fitted with some', () => {
    const folds = new Set(rows.map((r) => foldOf(r.augmentOf ?? r.id, 4)));
    expect([...folds].sort()).toEqual([0, 1, 2, 3]);
  });
});
