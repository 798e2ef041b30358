import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loggerSink, powertoolsMetrics } from '../../../../lambdas/proxy/instrumentation';
import { ladderViolations, rateLimiterAdmission } from '../../../../lambdas/proxy/ports';

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
