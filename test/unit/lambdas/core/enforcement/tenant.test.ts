import {
  admitsTraffic,
  DEFAULT_TIER_CONFIG,
  effectiveLimits,
  effectiveStatus,
} from '../../../../../lambdas/core/enforcement/tenant';
import type { TenantStatus } from '../../../../../lambdas/core/enforcement/types';
import { usageDelta } from '../../../../../lambdas/core/enforcement/usage';

describe('effectiveStatus', () => {
  const cases: Array<[string, TenantStatus, number | undefined, TenantStatus]> = [
    ['active stays active', 'active', undefined, 'active'],
    ['a suspension with until in the future holds', 'suspended', 2_000, 'suspended'],
    ['a suspension with until in the past lapses', 'suspended', 500, 'active'],
    ['a suspension with until = now lapses', 'suspended', 1_000, 'active'],
    ['a throttle with until in the past lapses', 'throttled', 999, 'active'],
    ['a suspension without until holds', 'suspended', undefined, 'suspended'],
    ['a ban ignores until', 'banned', 500, 'banned'],
  ];
  test.each(cases)('%s', (_name, status, until, expected) => {
    // GIVEN now = 1000 WHEN / THEN
    expect(effectiveStatus({ status, ...(until !== undefined ? { until } : {}) }, 1_000)).toBe(expected);
  });
});

describe('effectiveLimits', () => {
  test('tier defaults, per-tenant overrides, unknown tier falls back', () => {
    expect(effectiveLimits({ tier: 'standard' }, 'active')).toEqual(DEFAULT_TIER_CONFIG.tiers.standard);
    expect(effectiveLimits({ tier: 'standard', limits: { requests: 7 } }, 'active').requests).toBe(7);
    expect(effectiveLimits({ tier: 'nope' }, 'active')).toEqual(DEFAULT_TIER_CONFIG.tiers.free);
  });

  test('a throttled tenant keeps throttleFactor of each limit, at least 1', () => {
    // GIVEN standard = 600 req/min, factor 0.1
    const limits = effectiveLimits({ tier: 'standard', limits: { outputTokens: 5 } }, 'throttled');
    // THEN
    expect(limits).toEqual({ requests: 60, inputTokens: 40_000, outputTokens: 1 });
  });

  test('only active and throttled admit traffic', () => {
    expect((['active', 'throttled', 'suspended', 'banned'] as const).map(admitsTraffic)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('usageDelta', () => {
  test.each([
    ['an exact estimate settles nothing', { inputTokens: 100 }, { inputTokens: 100 }, {}],
    [
      'an over-estimate is refunded',
      { inputTokens: 100, outputTokens: 50 },
      { inputTokens: 80, outputTokens: 50 },
      { inputTokens: -20 },
    ],
    [
      'output beyond the reservation is charged',
      { outputTokens: 0 },
      { inputTokens: 0, outputTokens: 700 },
      { outputTokens: 700 },
    ],
  ])('%s', (_name, reserved, used, expected) => {
    expect(usageDelta(reserved, used)).toEqual(expected);
  });
});
