import { available, gcraCase, gcraCharge, gcraIncrement } from '../../../../../lambdas/core/enforcement/gcra';

const W = 60_000;

describe('gcraCharge', () => {
  const cases: Array<{
    name: string;
    tat: number | undefined;
    cost: number;
    limit: number;
    now: number;
    allowed: boolean;
    tat2?: number;
    retry?: number;
  }> = [
    {
      name: 'a fresh bucket admits its whole limit',
      tat: undefined,
      cost: 20,
      limit: 20,
      now: 1_000,
      allowed: true,
      tat2: 61_000,
    },
    {
      name: 'a full bucket (tat in the past) starts from now',
      tat: 0,
      cost: 1,
      limit: 20,
      now: 10_000,
      allowed: true,
      tat2: 13_000,
    },
    {
      name: 'an empty bucket refuses with the wait for one unit',
      tat: 61_000,
      cost: 1,
      limit: 20,
      now: 1_000,
      allowed: false,
      retry: 3_000,
    },
    {
      name: 'a half-refilled bucket admits what has refilled',
      tat: 61_000,
      cost: 10,
      limit: 20,
      now: 31_000,
      allowed: true,
      tat2: 91_000,
    },
    {
      name: 'a cost above the limit can never pass',
      tat: undefined,
      cost: 21,
      limit: 20,
      now: 0,
      allowed: false,
      retry: Number.POSITIVE_INFINITY,
    },
    {
      name: 'a bucket in debt refuses until the debt is repaid',
      tat: 200_000,
      cost: 1,
      limit: 20,
      now: 0,
      allowed: false,
      retry: 143_000,
    },
  ];
  test.each(cases)('$name', ({ tat, cost, limit, now, allowed, tat2, retry }) => {
    // WHEN
    const r = gcraCharge(tat, cost, limit, W, now);
    // THEN
    expect(r.allowed).toBe(allowed);
    if (tat2 !== undefined) expect(r.tat).toBe(tat2);
    if (retry !== undefined) expect(r.retryAfter).toBe(retry);
  });

  test('charging one by one admits exactly the limit, then refills at limit/window', () => {
    // GIVEN a bucket of 20/min at t=0
    let tat: number | undefined;
    let admitted = 0;
    // WHEN 50 requests arrive at t=0
    for (let i = 0; i < 50; i++) {
      const r = gcraCharge(tat, 1, 20, W, 0);
      if (r.allowed) {
        admitted++;
        tat = r.tat;
      }
    }
    // THEN 20 pass, and after 30 s exactly 10 more
    expect(admitted).toBe(20);
    expect(available(tat, 20, W, 30_000)).toBe(10);
    expect(gcraCase(tat, 30_000)).toBe('busy');
    expect(gcraCase(tat, 60_000)).toBe('idle');
  });
});

describe('gcraIncrement', () => {
  test.each([7, 11, 17, 19, 29, 31, 600, 999_983])(
    'a limit of %d admits exactly that many single units',
    (limit) => {
      // GIVEN a microsecond window (what the DynamoDB adapter uses)
      const window = 60_000_000;
      let tat: number | undefined;
      let admitted = 0;
      // WHEN charged one unit at a time at a fixed instant
      for (let i = 0; i < Math.min(limit, 50) + 2; i++) {
        const r = gcraCharge(tat, 1, limit, window, 1_700_000_000_123_000);
        if (r.allowed) {
          admitted++;
          tat = r.tat;
        }
      }
      // THEN
      expect(admitted).toBe(Math.min(limit, 52));
      expect(limit * gcraIncrement(1, limit, window)).toBeLessThanOrEqual(window);
    },
  );

  test('zero cost occupies nothing; any positive cost at least one unit of time', () => {
    expect(gcraIncrement(0, 10, 60)).toBe(0);
    expect(gcraIncrement(1, 1_000, 60)).toBe(1);
    expect(() => gcraIncrement(1, 0, 60)).toThrow('limit must be > 0');
  });
});
