import { tailReport } from '../../../../bench/support/tail';
import type { DecisionRecord } from '../../../../lambdas/core/decision/record';

const T0 = Date.parse('2026-12-07T12:00:00.000Z');

/** A record with the given stage times (ms) starting at `T0 + atMs`; `added` is their sum plus `other`. */
function rec(atMs: number, stages: Partial<Record<'parse' | 'tier1' | 'output', number>>, other = 0.2) {
  const l = { parse: 0.1, normalize: 0.1, tier0: 0.05, tier1: 0.1, tier2: 0, output: 0.2, ...stages };
  const added = l.parse + l.normalize + l.tier0 + l.tier1 + l.tier2 + l.output + other;
  return {
    timestamp: new Date(T0 + atMs).toISOString(),
    latencyMs: { ...l, upstream: 1, added, total: added + 1 },
  } as unknown as DecisionRecord;
}

describe('tailReport', () => {
  test('GIVEN slow requests WHEN reported THEN each is put on the stage furthest past its median, and GC overlap is counted', () => {
    const records = [
      ...Array.from({ length: 20 }, (_, i) => rec(i * 100, {})),
      rec(3_000, { tier1: 4 }), // tier 1 slow, no GC
      rec(4_000, { output: 5 }), // output slow, a GC pause inside it
      rec(5_000, {}, 6), // outside the timed stages
    ];
    const gc = [
      [T0 + 4_002, 3, 1],
      [T0 + 10_000, 5, 4],
    ] as const;
    const t = tailReport(records, gc, 3);
    expect(t).toMatchObject({ n: 23, slow: 3, withGc: 1, byStage: { tier1: 1, output: 1, other: 1 } });
    expect(t.gcMs).toBeCloseTo(3, 5);
  });

  test('GIVEN no request above the threshold THEN nothing is slow', () => {
    const t = tailReport([rec(0, {}), rec(10, { tier1: 2 })], [], 3);
    expect(t).toMatchObject({ n: 2, slow: 0, withGc: 0, gcMs: 0, byStage: {} });
  });
});
