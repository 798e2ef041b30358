import type { EvalDecision } from '../../../../scripts/eval/metrics';
import { buildReport, transformRegressions } from '../../../../scripts/eval/report';

let n = 0;
const d = (label: EvalDecision['label'], detected: boolean, transform?: string): EvalDecision => ({
  id: `row-${n++}`,
  label,
  category: null,
  source: 's',
  validation: true,
  action: detected ? 'block' : 'allow',
  detected,
  flagged: detected ? ['harmful'] : [],
  scores: { harmful: detected ? 0.9 : 0.1 },
  escalated: false,
  latencyMs: 1,
  ...(transform ? { transform } : {}),
});

const report = (transformed: EvalDecision[]) =>
  buildReport({
    decisions: [d('harmful', true), d('benign', false)],
    transformed,
    skipped: { count: 0, byLabel: {}, examples: [] },
    scope: 'validation',
    splitRule: 'test',
    policy: { name: 'p', version: '1' },
    modelVersion: 'm',
    families: { rot13: 'encoding', zalgo: 'combining-marks' },
  });

describe('per-technique report', () => {
  test('recall per label, benign FPR, family and examples per technique; all techniques together', () => {
    const r = report([
      d('harmful', true, 'rot13'),
      d('harmful', false, 'rot13'),
      d('benign', true, 'rot13'),
      d('benign', false, 'rot13'),
      d('harmful', true, 'zalgo'),
      d('benign', false, 'zalgo'),
    ]);
    const rot = r.byTransform['rot13']!;
    expect(rot.family).toBe('encoding');
    expect(rot.recall.harmful).toBe(0.5);
    expect(rot.benignFpr).toBe(0.5);
    expect(rot.examples.missed).toHaveLength(1);
    expect(rot.examples.falsePositives).toHaveLength(1);
    expect(r.transformsOverall).toMatchObject({ techniques: 2, rows: 6, benignFpr: 0.3333 });
    expect(r.transformsOverall!.recall.harmful).toBe(0.6667);
  });

  test('no transformed rows → no overall figure', () => {
    expect(report([]).transformsOverall).toBeUndefined();
  });

  test('gates a recall drop or an FPR rise per technique beyond the margin, only where both have rows', () => {
    const base = report([
      d('harmful', true, 'rot13'),
      d('benign', false, 'rot13'),
      d('harmful', true, 'zalgo'),
    ]);
    const worse = report([
      d('harmful', false, 'rot13'),
      d('benign', true, 'rot13'),
      d('harmful', true, 'zalgo'),
      d('harmful', false, 'new-technique'),
    ]);
    const found = transformRegressions(worse, base, 0.01);
    expect(found).toEqual([
      'rot13: recall.harmful fell 100.00% (100.00% → 0.00%)',
      'rot13: benign FPR rose 100.00% (0.00% → 100.00%)',
    ]);
    expect(transformRegressions(base, base, 0)).toEqual([]);
    // A drop within the margin passes.
    expect(transformRegressions(worse, base, 1)).toEqual([]);
  });
});
