import { available, gcraCase, gcraCharge } from '../../../../lambdas/core/enforcement/gcra';

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
    if (retry !== undefined) expect(r.retryAfterMs).toBe(retry);
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
