import { getXRayTraceIdFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { decisionLine, decisionSink, emfMetrics } from '../../../../lambdas/proxy/instrumentation';
import { ladderViolations, rateLimiterAdmission } from '../../../../lambdas/proxy/ports';

/** The trace id the proxy's sink reads (Powertools' reading) while `_X_AMZN_TRACE_ID` is as in `env`. */
function xrayTraceId(env: { _X_AMZN_TRACE_ID?: string }): string | undefined {
  const saved = process.env['_X_AMZN_TRACE_ID'];
  try {
    if (env._X_AMZN_TRACE_ID === undefined) delete process.env['_X_AMZN_TRACE_ID'];
    else process.env['_X_AMZN_TRACE_ID'] = env._X_AMZN_TRACE_ID;
    return getXRayTraceIdFromEnv();
  } finally {
    if (saved === undefined) delete process.env['_X_AMZN_TRACE_ID'];
    else process.env['_X_AMZN_TRACE_ID'] = saved;
  }
}

describe('instrumentation', () => {
  test('the decision sink writes one log line with the record under `decision`', () => {
    const lines: string[] = [];
    const sink = decisionSink({ service: 'svc', write: (l) => void lines.push(l) });
    sink({ decisionId: 'd1' } as never);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.indexOf('\n')).toBe((lines[0]?.length ?? 0) - 1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      message: 'csp.decision/v1',
      decision: { decisionId: 'd1' },
    });
  });

  test.each([
    ['outside a traced invocation', undefined],
    [
      'with an X-Ray trace header',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    ],
    ['with a bare trace id', '1-5759e988-bd862e3fe1be46a994272793'],
  ])('the decision line is the Powertools log line it replaced (%s)', (_name, header) => {
    // GIVEN a record with nested values, nulls and an undefined field (dropped, as JSON drops it)
    const record = {
      schema: 'csp.decision/v1',
      decisionId: 'd1',
      tenant: 'tn_x',
      triggered: ['jailbreak'],
      tier2: { called: false, escalated: [], outcome: 'skipped' },
      output: null,
      note: 'quote " backslash \\ newline \n',
      gone: undefined,
    } as never;
    const env = header === undefined ? {} : { _X_AMZN_TRACE_ID: header };
    const saved = process.env['_X_AMZN_TRACE_ID'];
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      if (header === undefined) delete process.env['_X_AMZN_TRACE_ID'];
      else process.env['_X_AMZN_TRACE_ID'] = header;
      // WHEN Powertools logs it as the proxy did, and the proxy writes its own line
      new Logger({ serviceName: 'safeguards-proxy' }).info('csp.decision/v1', { decision: record });
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env['_X_AMZN_TRACE_ID'];
      else process.env['_X_AMZN_TRACE_ID'] = saved;
    }
    const theirs = JSON.parse(written.join('')) as Record<string, unknown>;
    const ours = decisionLine(record, {
      service: 'safeguards-proxy',
      at: Date.parse(String(theirs['timestamp'])),
      traceId: xrayTraceId(env),
    });
    // THEN the same keys in the same order with the same values
    expect(ours.endsWith('\n')).toBe(true);
    expect(Object.entries(JSON.parse(ours))).toEqual(Object.entries(theirs));
  });

  test('the trace id is the Root of the X-Ray header', () => {
    expect(xrayTraceId({})).toBeUndefined();
    expect(xrayTraceId({ _X_AMZN_TRACE_ID: 'Root=1-abc;Parent=def;Sampled=0' })).toBe('1-abc');
    expect(xrayTraceId({ _X_AMZN_TRACE_ID: 'Parent=def;Sampled=0' })).toBeUndefined();
  });

  /** EMF documents written by a port, parsed; each checked against the format's rules. */
  function emf() {
    const lines: string[] = [];
    const m = emfMetrics({
      namespace: 'Ns',
      service: 'svc',
      write: (l) => void lines.push(l),
      now: () => 42,
    });
    const docs = () =>
      lines.map((l) => {
        expect(l.endsWith('\n')).toBe(true);
        const doc = JSON.parse(l) as Record<string, unknown> & {
          _aws: {
            Timestamp: number;
            CloudWatchMetrics: Array<{
              Namespace: string;
              Dimensions: string[][];
              Metrics: Array<{ Name: string; Unit: string }>;
            }>;
          };
        };
        // Every dimension a directive names is a string at the root; every metric a number (or numbers).
        for (const d of doc._aws.CloudWatchMetrics) {
          for (const k of d.Dimensions.flat()) expect(typeof doc[k]).toBe('string');
          for (const x of d.Metrics) expect(typeof [doc[x.Name]].flat()[0]).toBe('number');
        }
        return doc;
      });
    return { m, docs };
  }

  test("metrics: a request's metrics are one EMF line with one directive per dimension set, written on flush", () => {
    const { m, docs } = emf();
    m.add('Decisions', 1, { Action: 'allow', Route: 'messages' });
    m.add('AddedLatency', 3.5);
    expect(docs()).toEqual([]);
    m.flush();
    expect(docs()).toEqual([
      {
        _aws: {
          Timestamp: 42,
          CloudWatchMetrics: [
            {
              Namespace: 'Ns',
              Dimensions: [['service', 'Action', 'Route']],
              Metrics: [{ Name: 'Decisions', Unit: MetricUnit.Count }],
            },
            {
              Namespace: 'Ns',
              Dimensions: [['service']],
              Metrics: [{ Name: 'AddedLatency', Unit: MetricUnit.Milliseconds }],
            },
          ],
        },
        service: 'svc',
        Action: 'allow',
        Route: 'messages',
        Decisions: 1,
        AddedLatency: 3.5,
      },
    ]);
    m.flush();
    expect(docs()).toHaveLength(1); // nothing added since: nothing written
  });

  test('metrics: a dimension needing two values at once starts a second line; the same series adds values', () => {
    const { m, docs } = emf();
    m.add('Decisions', 1, { Action: 'block', Route: 'messages' });
    m.add('CategoryTriggered', 1, { Category: 'harmful', Stage: 'input' });
    m.add('CategoryTriggered', 1, { Category: 'injection', Stage: 'input' });
    m.add('PortErrors', 1, { Port: 'telemetry' });
    m.add('PortErrors', 1, { Port: 'telemetry' });
    m.add('AddedLatency', 2);
    m.flush();
    const out = docs();
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      Action: 'block',
      Category: 'harmful',
      Port: 'telemetry',
      CategoryTriggered: 1,
      PortErrors: [1, 1],
      AddedLatency: 2,
    });
    expect(out[1]).toMatchObject({
      service: 'svc',
      Category: 'injection',
      Stage: 'input',
      CategoryTriggered: 1,
    });
    expect(out[1]).not.toHaveProperty('Action');
    // Every metric of the request is in exactly one line, with its own dimensions.
    const series = out.flatMap((d) =>
      d._aws.CloudWatchMetrics.flatMap((x) =>
        x.Metrics.map((y) => `${y.Name}{${x.Dimensions[0]!.map((k) => `${k}=${String(d[k])}`).join(',')}}`),
      ),
    );
    expect(series.sort()).toEqual([
      'AddedLatency{service=svc}',
      'CategoryTriggered{service=svc,Category=harmful,Stage=input}',
      'CategoryTriggered{service=svc,Category=injection,Stage=input}',
      'Decisions{service=svc,Action=block,Route=messages}',
      'PortErrors{service=svc,Port=telemetry}',
    ]);
  });

  test('metrics: at most 100 metrics per line', () => {
    const { m, docs } = emf();
    // 150 metrics under one dimension set: only the 100-metric limit can split them (one Action value each
    // would split them by dimension conflict alone).
    for (let i = 0; i < 150; i++) m.add(`M${i}` as never, 1);
    m.flush();
    expect(docs().length).toBeGreaterThanOrEqual(2);
    expect(docs().every((d) => d._aws.CloudWatchMetrics.flatMap((x) => x.Metrics).length <= 100)).toBe(true);
    expect(docs().map((d) => d._aws.CloudWatchMetrics.flatMap((x) => x.Metrics).length)).toEqual([100, 50]);
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
