import { looseningIn } from '../../../../../lambdas/core/engine/overrides';
import { policyWith } from './fakes';

describe('override validation: only tightening is accepted', () => {
  const policy = policyWith();
  test.each([
    [{ harmful: { threshold: 0.3 } }, []],
    [{ pii: { action: 'block' as const } }, []],
    [
      { harmful: { threshold: 0.9 } },
      ['harmful.threshold: 0.9 would loosen the baseline 0.5 (overrides may only tighten)'],
    ],
    [
      { pii: { action: 'allow' as const } },
      ["pii.action: 'allow' is less severe than the baseline 'redact'"],
    ],
  ])('%j → %j', (overrides, problems) => {
    expect(looseningIn(policy, overrides)).toEqual(problems);
  });
});
