import { auditEventId, statusAction } from '../../../../../lambdas/core/enforcement/audit';
import {
  countStrikes,
  DEFAULT_LADDER,
  decideEscalation,
  escalationInputs,
  type LadderConfig,
  triggeredRule,
} from '../../../../../lambdas/core/enforcement/ladder';
import type { TenantStatus } from '../../../../../lambdas/core/enforcement/types';

const MIN = 60_000;
const NOW = 1_000 * MIN;

describe('decideEscalation (default ladder)', () => {
  const cases: Array<{
    name: string;
    status: TenantStatus;
    tenMin: number;
    hour: number;
    suspensions?: number;
    expected: { status: string; until?: number } | undefined;
  }> = [
    { name: 'below every threshold: nothing', status: 'active', tenMin: 2, hour: 2, expected: undefined },
    {
      name: '3 in 10 min: throttled for 15 min',
      status: 'active',
      tenMin: 3,
      hour: 3,
      expected: { status: 'throttled', until: NOW + 15 * MIN },
    },
    {
      name: 'already throttled, 3 in 10 min: nothing',
      status: 'throttled',
      tenMin: 4,
      hour: 4,
      expected: undefined,
    },
    {
      name: '10 in 1 h: suspended for 24 h',
      status: 'throttled',
      tenMin: 3,
      hour: 10,
      expected: { status: 'suspended', until: NOW + 1_440 * MIN },
    },
    {
      name: 'both rules fire: the most severe wins',
      status: 'active',
      tenMin: 10,
      hour: 10,
      expected: { status: 'suspended', until: NOW + 1_440 * MIN },
    },
    {
      name: 'third suspension in 7 days: banned, no until',
      status: 'active',
      tenMin: 0,
      hour: 10,
      suspensions: 2,
      expected: { status: 'banned' },
    },
    {
      name: 'second suspension: still a suspension',
      status: 'active',
      tenMin: 0,
      hour: 10,
      suspensions: 1,
      expected: { status: 'suspended', until: NOW + 1_440 * MIN },
    },
    {
      name: 'banned never goes down',
      status: 'banned',
      tenMin: 50,
      hour: 50,
      suspensions: 5,
      expected: undefined,
    },
    {
      name: 'suspended is not lowered to throttled',
      status: 'suspended',
      tenMin: 3,
      hour: 3,
      expected: undefined,
    },
  ];
  test.each(cases)('$name', ({ status, tenMin, hour, suspensions, expected }) => {
    // WHEN
    const next = decideEscalation(
      {
        status,
        counts: { 'strikes-10m': tenMin, 'strikes-1h': hour },
        recentSuspensions: suspensions ?? 0,
        now: NOW,
      },
      DEFAULT_LADDER,
    );
    // THEN
    if (expected === undefined) expect(next).toBeUndefined();
    else {
      expect(next?.status).toBe(expected.status);
      expect(next?.until).toBe(expected.until);
      expect(next?.reason).toMatch(/strikes/);
    }
  });
});

describe('escalationInputs', () => {
  const STATUSES: TenantStatus[] = ['active', 'throttled', 'suspended', 'banned'];
  const categoryLadder: LadderConfig = {
    ...DEFAULT_LADDER,
    rules: [
      ...DEFAULT_LADDER.rules,
      {
        name: 'cbrn-1h',
        windowMs: 60 * MIN,
        threshold: 1,
        category: 'cbrn',
        status: 'suspended',
        durationMs: MIN,
      },
    ],
  };
  test.each([
    ['default', DEFAULT_LADDER],
    ['with a category rule', categoryLadder],
  ] as const)('what it skips never changes the decision (%s ladder)', (_name, config) => {
    for (let tenMin = 0; tenMin <= 12; tenMin++) {
      for (let hour = tenMin; hour <= 12; hour++) {
        for (const cbrn of [0, 1]) {
          const counts = { 'strikes-10m': tenMin, 'strikes-1h': hour, 'cbrn-1h': cbrn };
          const needs = escalationInputs(counts, config);
          const decide = (status: TenantStatus, recentSuspensions: number) =>
            decideEscalation({ status, counts, recentSuspensions, now: NOW }, config);
          for (const status of STATUSES) {
            const bySuspensions = [0, 1, 2, 5].map((n) => decide(status, n));
            // No status read: nothing escalates, whatever the status and suspensions.
            if (!needs.status) expect(bySuspensions).toEqual([undefined, undefined, undefined, undefined]);
            // No suspensions read: the decision does not depend on them.
            if (!needs.suspensions) for (const d of bySuspensions) expect(d).toEqual(bySuspensions[0]);
          }
        }
      }
    }
  });

  test('a first strike needs nothing; a threshold needs the status; a suspending rule the suspensions', () => {
    expect(escalationInputs({ 'strikes-10m': 1, 'strikes-1h': 1 }, DEFAULT_LADDER)).toEqual({
      status: false,
      suspensions: false,
    });
    expect(escalationInputs({ 'strikes-10m': 3, 'strikes-1h': 3 }, DEFAULT_LADDER)).toEqual({
      status: true,
      suspensions: false,
    });
    expect(escalationInputs({ 'strikes-10m': 2, 'strikes-1h': 10 }, DEFAULT_LADDER)).toEqual({
      status: true,
      suspensions: true,
    });
  });
});

describe('triggeredRule', () => {
  const rule = (name: string, status: 'throttled' | 'suspended', durationMs: number) => ({
    name,
    windowMs: MIN,
    threshold: 1,
    status,
    durationMs,
  });
  const config: LadderConfig = {
    ...DEFAULT_LADDER,
    rules: [
      rule('short', 'throttled', MIN),
      rule('long', 'throttled', 5 * MIN),
      rule('suspend', 'suspended', MIN),
    ],
  };
  test.each([
    [{}, undefined],
    [{ short: 1 }, 'short'],
    [{ short: 1, long: 1 }, 'long'],
    [{ short: 1, long: 1, suspend: 1 }, 'suspend'],
    [{ suspend: 0, long: 1 }, 'long'],
  ])('counts %j → %s', (counts, expected) => {
    expect(triggeredRule(counts, config)?.name).toBe(expected);
  });
});

describe('countStrikes', () => {
  const config: LadderConfig = {
    ...DEFAULT_LADDER,
    rules: [
      ...DEFAULT_LADDER.rules,
      {
        name: 'jb',
        windowMs: 10 * MIN,
        threshold: 1,
        category: 'jailbreak',
        status: 'throttled',
        durationMs: MIN,
      },
    ],
  };
  test('buckets count while they overlap the window; category rules filter', () => {
    // GIVEN buckets 0, 9, 11, 59 and 61 minutes old (1-minute buckets)
    const buckets = [
      { start: NOW, category: 'harmful', count: 1 },
      { start: NOW - 9 * MIN, category: 'jailbreak', count: 2 },
      { start: NOW - 11 * MIN, category: 'harmful', count: 4 },
      { start: NOW - 59 * MIN, category: 'harmful', count: 8 },
      { start: NOW - 61 * MIN, category: 'harmful', count: 16 },
    ];
    // WHEN
    const counts = countStrikes(buckets, config, NOW);
    // THEN a bucket ending at or before the window start is excluded (11 min for 10m, 61 min for 1h)
    expect(counts).toEqual({ 'strikes-10m': 3, 'strikes-1h': 15, jb: 2 });
  });
});

describe('audit ids', () => {
  test('are time-ordered and unique', () => {
    const a = auditEventId(5, () => 'ffff');
    const b = auditEventId(40, () => '0000');
    expect(a).toBe('0000000000005-ffff');
    expect(a < b).toBe(true);
    expect(auditEventId(1)).not.toBe(auditEventId(1));
  });
  test('actions name the new status', () => {
    expect(statusAction('banned')).toBe('status.ban');
    expect(statusAction('active')).toBe('status.reinstate');
  });
});
