import type { RegionControls } from '../../../../../lambdas/core/enforcement/controls';
import { ModelAllowlist } from '../../../../../lambdas/core/models/identity';
import { serveInference } from '../../../../../lambdas/core/serving';
import { FakeTier2, FakeWriter, harness, inbound, messagesBody, testEngine, testPolicy } from './fakes';

const controls = (c: Partial<RegionControls>) => ({
  current: async (): Promise<RegionControls> => ({
    mode: 'normal',
    disabledModels: [],
    shadowCategories: [],
    ...c,
  }),
});

describe('regional controls (kill switch) in serving', () => {
  test('block-all refuses every request with 503, never calls the model, and records the kill switch', async () => {
    // GIVEN
    const h = harness();
    const res = new FakeWriter();
    // WHEN
    await serveInference(
      inbound('messages', messagesBody('hello')),
      { ...h.deps, controls: controls({ mode: 'block-all' }) },
      res,
    );
    // THEN
    expect(res.status).toBe(503);
    expect(res.json().error.type).toBe('overloaded_error');
    expect(res.json().error.message).toContain('kill switch');
    expect(h.upstream.calls).toHaveLength(0);
    expect(h.records).toEqual([
      expect.objectContaining({ status: 503, reason: 'kill_switch', killSwitch: 'block-all' }),
    ]);
  });

  test('a disabled model is refused with 403 on both wire formats; other models pass', async () => {
    const h = harness();
    const c = controls({ disabledModels: ['anthropic.claude-test-v1:0', 'm-off'] });
    const bedrock = new FakeWriter();
    const messagesOff = new FakeWriter();
    const messagesOn = new FakeWriter();
    await serveInference(
      inbound('bedrock.invoke', {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      { ...h.deps, controls: c },
      bedrock,
    );
    await serveInference(
      inbound('messages', messagesBody('hi', { model: 'm-off' })),
      { ...h.deps, controls: c },
      messagesOff,
    );
    await serveInference(
      inbound('messages', messagesBody('hi', { model: 'm-on' })),
      { ...h.deps, controls: c },
      messagesOn,
    );
    expect(bedrock.status).toBe(403);
    expect(bedrock.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(messagesOff.status).toBe(403);
    expect(messagesOff.json().error.type).toBe('permission_error');
    expect(messagesOn.status).toBe(200);
    expect(h.records.map((r) => r.reason)).toEqual(['model_disabled', 'model_disabled', null]);
  });

  test('fail-closed forces the closed fail mode on a fail-open category', async () => {
    // GIVEN injection fails open in the policy; tier 2 errors on an escalated injection score
    const policy = testPolicy((d) => {
      d.tier2.mode = 'always';
      d.categories.injection.failMode = 'open';
      d.categories.harmful.failMode = 'open';
      d.categories.jailbreak.failMode = 'open';
    });
    const engine = testEngine({ tier2: new FakeTier2('error'), policy });
    const normal = harness({ engine });
    const forced = harness({ engine });
    const a = new FakeWriter();
    const b = new FakeWriter();
    // WHEN
    await serveInference(
      inbound('messages', messagesBody('hello')),
      { ...normal.deps, controls: controls({}) },
      a,
    );
    await serveInference(
      inbound('messages', messagesBody('hello')),
      { ...forced.deps, controls: controls({ mode: 'fail-closed' }) },
      b,
    );
    // THEN the same failure lets the request through normally and blocks it under the kill switch
    expect(a.status).toBe(200);
    expect(normal.records[0]?.failMode.applied).toBe('open');
    expect(b.status).toBe(400);
    expect(forced.records[0]).toEqual(
      expect.objectContaining({ killSwitch: 'fail-closed', action: 'block' }),
    );
    expect(forced.records[0]?.failMode.applied).toBe('closed');
  });

  test('a failing controls read is counted and the request is served under normal controls', async () => {
    const h = harness();
    const res = new FakeWriter();
    const broken = { current: async () => Promise.reject(new Error('dynamo down')) };
    await serveInference(inbound('messages', messagesBody('hello')), { ...h.deps, controls: broken }, res);
    expect(res.status).toBe(200);
    expect(h.metrics).toContainEqual(
      expect.objectContaining({ name: 'PortErrors', dimensions: { Port: 'controls' } }),
    );
  });
});

describe('the region serves only its allowlisted models, compared in canonical form', () => {
  const eu = new ModelAllowlist(['eu.anthropic.claude-sonnet-4-6'], 'eu-west-1');

  test.each([
    '../../admin/models/internal',
    'global.anthropic.claude-sonnet-4-6',
    'us.anthropic.claude-sonnet-4-6',
    'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6',
    'claude-opus-4-6',
  ])(
    '%s → 404 not_found_error naming the model, never forwarded, recorded without the client string',
    async (model) => {
      const h = harness();
      const res = new FakeWriter();
      await serveInference(
        inbound('messages', messagesBody('hi', { model })),
        { ...h.deps, models: eu },
        res,
      );
      expect(res.status).toBe(404);
      expect(res.json().error.type).toBe('not_found_error');
      expect(res.json().error.message).toContain(`model: ${model}`);
      expect(h.upstream.calls).toHaveLength(0);
      expect(h.records).toEqual([
        expect.objectContaining({ status: 404, reason: 'model_not_found', model: null }),
      ]);
      expect(JSON.stringify(h.records[0])).not.toContain(model);
    },
  );

  test('the Bedrock route answers an unknown model id with ResourceNotFoundException', async () => {
    const h = harness();
    const res = new FakeWriter();
    await serveInference(
      inbound(
        'bedrock.invoke',
        {
          anthropic_version: 'bedrock-2023-05-31',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'hi' }],
        },
        { modelId: 'us.anthropic.claude-sonnet-4-6' },
      ),
      { ...h.deps, models: eu },
      res,
    );
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(h.upstream.calls).toHaveLength(0);
  });

  test('every form of the allowed model is served under the configured id and recorded canonically', async () => {
    const h = harness();
    for (const model of [
      'Claude-Sonnet-4-6',
      'eu.anthropic.claude-sonnet-4-6',
      'anthropic.claude-sonnet-4-6',
    ]) {
      const res = new FakeWriter();
      await serveInference(
        inbound('messages', messagesBody('hi', { model })),
        { ...h.deps, models: eu },
        res,
      );
      expect(res.status).toBe(200);
    }
    expect(h.upstream.calls.map((c) => c.model)).toEqual(Array(3).fill('eu.anthropic.claude-sonnet-4-6'));
    expect(h.records.map((r) => r.model)).toEqual(Array(3).fill('claude-sonnet-4-6'));
  });

  test('after disabling a model, its other case and ARN forms are refused too', async () => {
    const h = harness();
    const c = controls({ disabledModels: ['Claude-Sonnet-4-6'] });
    for (const model of [
      'claude-sonnet-4-6',
      'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-6',
    ]) {
      const res = new FakeWriter();
      await serveInference(
        inbound('messages', messagesBody('hi', { model })),
        { ...h.deps, models: eu, controls: c },
        res,
      );
      expect(res.status).toBe(403);
    }
    expect(h.upstream.calls).toHaveLength(0);
  });
});
