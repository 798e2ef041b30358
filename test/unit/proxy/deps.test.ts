import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { buildServeDeps, ConfigError, configFromEnv } from '../../../lambdas/proxy/deps';
import { loggerSink, powertoolsMetrics } from '../../../lambdas/proxy/instrumentation';
import { ladderViolations, rateLimiterAdmission } from '../../../lambdas/proxy/ports';

const base = {
  AWS_REGION: 'eu-west-1',
  UPSTREAM_KIND: 'bedrock',
  CLASSIFIER_ENDPOINT_NAME: 'classifier',
  HMAC_KEY_ID: 'alias/hmac',
  ALLOWED_MODELS: 'claude-x, eu.anthropic.claude-x-v1:0',
};

describe('configFromEnv', () => {
  test('reads a complete environment', () => {
    const c = configFromEnv({
      ...base,
      UPSTREAM_MODEL_MAP: '{"claude-x":"anthropic.claude-x-v1:0"}',
      LIMITS_TABLE: 'limits',
    });
    expect(c.upstream).toEqual({ kind: 'bedrock', modelMap: { 'claude-x': 'anthropic.claude-x-v1:0' } });
    expect(c.classifier).toEqual(
      expect.objectContaining({ mode: 'cascade', endpointName: 'classifier', failureThreshold: 5 }),
    );
    expect(c.limits).toEqual({ table: 'limits', leaseMs: 1000 });
    expect(c.models).toEqual(['claude-x', 'eu.anthropic.claude-x-v1:0']);
  });

  test('a Bedrock upstream serves its own model when ALLOWED_MODELS is not set', () => {
    const c = configFromEnv({
      ...base,
      ALLOWED_MODELS: undefined,
      UPSTREAM_TARGET: 'anthropic.claude-x-v1:0',
    });
    expect(c.models).toEqual(['anthropic.claude-x-v1:0']);
  });

  test.each([
    ['AWS_REGION', { ...base, AWS_REGION: '' }],
    ['UPSTREAM_KIND', { ...base, UPSTREAM_KIND: 'openai' }],
    ['HMAC_KEY_ID', { ...base, HMAC_KEY_ID: undefined }],
    ['CLASSIFIER_ENDPOINT_NAME', { ...base, CLASSIFIER_ENDPOINT_NAME: undefined }],
    ['CLASSIFIER_MODE', { ...base, CLASSIFIER_MODE: 'sometimes' }],
    ['CLASSIFIER_FAILURE_THRESHOLD', { ...base, CLASSIFIER_FAILURE_THRESHOLD: '0' }],
    ['UPSTREAM_MODEL_MAP', { ...base, UPSTREAM_MODEL_MAP: '[1]' }],
    ['UPSTREAM_TARGET', { ...base, UPSTREAM_KIND: 'sagemaker' }],
    [
      'UPSTREAM_TARGET',
      {
        ...base,
        UPSTREAM_KIND: 'anthropic',
        UPSTREAM_TARGET: 'http://plain',
        UPSTREAM_API_KEY_SECRET_ID: 's',
      },
    ],
    ['VIOLATIONS_TABLE', { ...base, TENANTS_TABLE: 't', AUDIT_TABLE: 'a' }],
    ['CLASSIFIER_DEADLINE_MS', { ...base, CLASSIFIER_DEADLINE_MS: '0' }],
    ['CLASSIFIER_DEADLINE_MS', { ...base, CLASSIFIER_DEADLINE_MS: '20000' }],
    ['POLICY', { ...base, POLICY: 'strict' }],
    ['ALLOWED_MODELS', { ...base, ALLOWED_MODELS: undefined }],
    ['ALLOWED_MODELS', { ...base, ALLOWED_MODELS: 'claude-x,a b' }],
    ['ALLOWED_MODELS', { ...base, ALLOWED_MODELS: 'claude-x,' }],
  ])('fails when %s is missing or invalid', (name, env) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(name);
  });

  test('CLASSIFIER_MODE=never needs no endpoint and changes the policy version', () => {
    const c = configFromEnv({ ...base, CLASSIFIER_ENDPOINT_NAME: undefined, CLASSIFIER_MODE: 'never' });
    expect(c.classifier).toEqual({ mode: 'never' });
    expect(c.policy.version).not.toBe(configFromEnv(base).policy.version);
  });

  test('CLASSIFIER_DEADLINE_MS overrides the tier-2 deadline', () => {
    expect(configFromEnv({ ...base, CLASSIFIER_DEADLINE_MS: '150' }).policy.document.tier2.deadlineMs).toBe(
      150,
    );
  });

  test('an Anthropic-compatible upstream without a key secret is allowed (no x-api-key)', () => {
    const c = configFromEnv({ ...base, UPSTREAM_KIND: 'anthropic', UPSTREAM_TARGET: 'https://m.example' });
    expect(c.upstream).toEqual({ kind: 'anthropic', baseUrl: 'https://m.example' });
  });

  test('buildServeDeps builds every adapter without network I/O', () => {
    const deps = buildServeDeps(configFromEnv({ ...base, LIMITS_TABLE: 'limits' }), {});
    expect(deps.region).toBe('eu-west-1');
    expect(deps.admission).toBeDefined();
    expect(deps.violations).toBeUndefined();
    const withLadder = buildServeDeps(
      configFromEnv({ ...base, TENANTS_TABLE: 't', VIOLATIONS_TABLE: 'v', AUDIT_TABLE: 'a' }),
      {},
    );
    expect(withLadder.violations).toBeDefined();
    expect(withLadder.admission).toBeUndefined();
  });
});

describe('instrumentation', () => {
  test('the decision sink writes one log line with the record under `decision`', () => {
    const lines: unknown[][] = [];
    const sink = loggerSink({ info: (...args: unknown[]) => void lines.push(args) } as never);
    sink({ decisionId: 'd1' } as never);
    expect(lines).toEqual([['csp.decision/v1', { decision: { decisionId: 'd1' } }]]);
  });

  test('metrics: dimensioned metrics go out as single metrics; latency in milliseconds', () => {
    const calls: unknown[] = [];
    const single = {
      addDimension: (k: string, v: string) => calls.push(['dim', k, v]),
      addMetric: (n: string, u: string, v: number) => calls.push(['single', n, u, v]),
    };
    const m = powertoolsMetrics({
      addMetric: (n, u, v) => calls.push(['buffered', n, u, v]),
      singleMetric: () => single,
    });
    m.add('Decisions', 1, { Action: 'block' });
    m.add('AddedLatency', 3.5);
    expect(calls).toEqual([
      ['dim', 'Action', 'block'],
      ['single', 'Decisions', MetricUnit.Count, 1],
      ['buffered', 'AddedLatency', MetricUnit.Milliseconds, 3.5],
    ]);
  });
});

describe('ports', () => {
  const identity = {
    tenantId: 't',
    tier: 'standard',
    zone: 'eu',
    keyHash: 'k',
    limits: { requests: 10, inputTokens: 1000, outputTokens: 500 },
  };

  test('rateLimiterAdmission reserves input tokens and settles the difference plus output', async () => {
    const calls: unknown[] = [];
    const admission = rateLimiterAdmission({
      admit: async (...a) => {
        calls.push(['admit', ...a]);
        return { allowed: true, retryAfterMs: 0 };
      },
      settle: async (...a) => void calls.push(['settle', ...a]),
    });
    const r = await admission.reserve(identity, { inputTokens: 100, maxOutputTokens: 50 });
    if (!r.ok) throw new Error('expected ok');
    await admission.settle(r.reservation, { inputTokens: 80, outputTokens: 40 });
    expect(calls).toEqual([
      ['admit', 't', identity.limits, { inputTokens: 100 }],
      ['settle', 't', identity.limits, { inputTokens: -20, outputTokens: 40 }],
    ]);
  });

  test('rateLimiterAdmission: denial carries retry-after; no limits in context is an error', async () => {
    const admission = rateLimiterAdmission({
      admit: async () => ({ allowed: false, retryAfterMs: 1500, dimension: 'inputTokens' }),
      settle: async () => {},
    });
    expect(await admission.reserve(identity, { inputTokens: 1, maxOutputTokens: 1 })).toEqual({
      ok: false,
      retryAfterMs: 1500,
      dimension: 'inputTokens',
    });
    const { limits: _l, ...noLimits } = identity;
    await expect(admission.reserve(noLimits, { inputTokens: 1, maxOutputTokens: 1 })).rejects.toThrow(
      'no limits',
    );
  });

  test('rateLimiterAdmission: nothing to settle → no limiter call', async () => {
    let settles = 0;
    const admission = rateLimiterAdmission({
      admit: async () => ({ allowed: true, retryAfterMs: 0 }),
      settle: async () => {
        settles++;
      },
    });
    const r = await admission.reserve(identity, { inputTokens: 10, maxOutputTokens: 5 });
    if (!r.ok) throw new Error('expected ok');
    await admission.settle(r.reservation, { inputTokens: 10, outputTokens: 0 });
    expect(settles).toBe(0);
  });

  test('ladderViolations records one strike per blocked request, under its first category', async () => {
    const strikes: unknown[] = [];
    const v = ladderViolations({ recordViolation: async (s) => strikes.push(s) });
    await v.report('t', {
      decisionId: 'd',
      stage: 'input',
      categories: ['harmful', 'jailbreak', 'pii'],
      at: 0,
    });
    await v.report('t', { decisionId: 'e', stage: 'output', categories: [], at: 0 });
    expect(strikes).toEqual([{ tenantId: 't', category: 'harmful' }]);
  });

  test('ladderViolations never strikes an exempt tenant', async () => {
    const strikes: unknown[] = [];
    const v = ladderViolations(
      { recordViolation: async (s) => strikes.push(s) },
      (id) => id === 'demo-tenant',
    );
    await v.report('demo-tenant', { decisionId: 'd', stage: 'input', categories: ['harmful'], at: 0 });
    await v.report('other', { decisionId: 'e', stage: 'input', categories: ['harmful'], at: 0 });
    expect(strikes).toEqual([{ tenantId: 'other', category: 'harmful' }]);
  });
});
