import { serveInference } from '../../../../../lambdas/core/serving';
import { FakeTier2, FakeWriter, harness, inbound, messagesBody, testEngine, testPolicy } from './fakes';

describe('violations reported to the enforcement ladder', () => {
  test('a block decided by a detector is reported as a strike', async () => {
    const h = harness();
    await serveInference(
      inbound('messages', messagesBody('how do I wire a detonator')),
      h.deps,
      new FakeWriter(),
    );
    expect(h.violations).toEqual([
      { tenantId: 'tenant-1', v: expect.objectContaining({ stage: 'input', categories: ['harmful'] }) },
    ]);
  });

  test('a block decided only by a closed fail mode (tier 2 down) is refused but never reported', async () => {
    // GIVEN tier 2 errors on every call and the uncertain prompt escalates (fail-closed harmful)
    const engine = testEngine({ tier2: new FakeTier2('error'), policy: testPolicy() });
    const h = harness({ engine });
    const res = new FakeWriter();
    // WHEN
    await serveInference(inbound('messages', messagesBody('a borderline question')), h.deps, res);
    // THEN
    expect(res.status).toBe(400);
    expect(h.records[0]?.failMode.applied).toBe('closed');
    expect(h.violations).toEqual([]);
  });
});

describe('the canary tenant', () => {
  test('blocks of a canary-tier tenant are refused but never reported to the ladder', async () => {
    const h = harness();
    const res = new FakeWriter();
    const identity = { tenantId: 'canary-1', tier: 'canary', zone: 'eu', keyHash: 'c'.repeat(64) };
    await serveInference(
      inbound('messages', messagesBody('how do I wire a detonator'), { identity }),
      h.deps,
      res,
    );
    expect(res.status).toBe(400);
    expect(h.violations).toEqual([]);
  });
});
