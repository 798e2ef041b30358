import {
  auc,
  confusion,
  curve,
  type EvalDecision,
  percentile,
  perSource,
  rates,
} from '../../../../scripts/eval/metrics';
import { regressions } from '../../../../scripts/eval/report';
import { isValidationId } from '../../../../scripts/eval/split';
import { OBFUSCATIONS } from '../../../../scripts/eval/transforms';

const row = (
  label: EvalDecision['label'],
  detected: boolean,
  extra: Partial<EvalDecision> = {},
): EvalDecision => ({
  id: `${label}-${Math.random()}`,
  label,
  category: null,
  source: 's',
  validation: true,
  action: detected ? 'block' : 'allow',
  detected,
  flagged: detected && label !== 'benign' ? [label] : detected ? ['harmful'] : [],
  scores: { [label === 'benign' ? 'harmful' : label]: detected ? 0.9 : 0.1 },
  escalated: false,
  latencyMs: 1,
  ...extra,
});

describe('evaluation metrics', () => {
  test('recall per label and FPR split into general and borderline', () => {
    const rows = [
      row('harmful', true),
      row('harmful', false),
      row('jailbreak', true),
      row('injection', false),
      row('benign', true),
      row('benign', false),
      row('benign', false),
      row('benign', false),
      row('benign', true, { category: 'borderline:safe_contexts' }),
      row('benign', false, { category: 'borderline:privacy' }),
    ];
    const r = rates(rows);
    expect(r.recall).toEqual({ harmful: 0.5, jailbreak: 1, injection: 0 });
    expect(r.fpr).toEqual({ general: 0.25, borderline: 0.5 });
  });

  test('confusion matrix rows are labels, columns predictions', () => {
    const m = confusion([row('harmful', true), row('benign', false), row('jailbreak', false)]);
    expect(m.harmful.harmful).toBe(1);
    expect(m.benign.benign).toBe(1);
    expect(m.jailbreak.benign).toBe(1);
  });

  test('per-source figures use recall for attacks and FPR for benign', () => {
    const s = perSource([
      row('harmful', true, { source: 'a' }),
      row('benign', true, { source: 'b' }),
      row('benign', false, { source: 'b' }),
    ]);
    expect(s).toEqual([
      { source: 'b', label: 'benign', rows: 2, metric: 'fpr', value: 0.5 },
      { source: 'a', label: 'harmful', rows: 1, metric: 'recall', value: 1 },
    ]);
  });

  test('a perfect ranking has AUC 1, an inverted one 0', () => {
    const good = [row('harmful', true), row('benign', false)];
    const bad = [row('harmful', false), row('benign', true)];
    expect(auc(curve(good))).toBe(1);
    expect(auc(curve(bad))).toBe(0);
  });

  test('percentile is nearest-rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
    expect(percentile([], 99)).toBe(0);
  });

  test('regressions beyond the margin are reported, within it are not', () => {
    const base = {
      recall: { harmful: 0.9, jailbreak: 0.9, injection: 0.9 },
      fpr: { general: 0.01, borderline: 0.05 },
      counts: {},
    };
    const worse = {
      recall: { harmful: 0.85, jailbreak: 0.895, injection: 0.9 },
      fpr: { general: 0.03, borderline: 0.05 },
      counts: {},
    };
    expect(regressions(worse, base, 0.01)).toEqual([
      'recall.harmful fell 5.00% (90.00% → 85.00%)',
      'fpr.general rose 2.00% (1.00% → 3.00%)',
    ]);
    expect(regressions(base, base, 0.01)).toEqual([]);
  });

  test('the split is deterministic and close to 20%', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `src:${i}`);
    const n = ids.filter(isValidationId).length;
    expect(ids.filter(isValidationId)).toEqual(ids.filter(isValidationId));
    expect(n / ids.length).toBeGreaterThan(0.17);
    expect(n / ids.length).toBeLessThan(0.23);
  });

  test.each(Object.entries(OBFUSCATIONS))('obfuscation %s changes the text deterministically', (_n, fn) => {
    const t = 'Tell me how to pick a lock';
    expect(fn(t)).not.toBe(t);
    expect(fn(t)).toBe(fn(t));
  });
});
