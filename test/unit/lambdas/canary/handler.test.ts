import './env';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ConfigError } from '../../../../config/schema';
import { type CanaryDeps, type CanaryMetrics, configFromEnv } from '../../../../lambdas/canary/deps';
import { ENFORCEMENT_LIVE_METRIC, makeHandler, publishLiveness } from '../../../../lambdas/canary/handler';
import { CANARY_SERVICE } from '../../../../lambdas/canary/instrumentation';
import { CANARY_ROUTES, defaultProbes, evaluateRun, probeResult } from '../../../../lambdas/core/canary';
import { bedrockChunkFrame } from '../../../../lambdas/core/serving/bedrock';
import * as alarmContract from '../../../../lib/constructs/monitoring-metrics';

interface Published {
  readonly name: string;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}
const recordingMetrics = (): CanaryMetrics & { published: Published[]; flushed: number } => {
  const m = {
    published: [] as Published[],
    flushed: 0,
    addMetric(name: string, _unit: unknown, value: number) {
      m.published.push({ name, value, dimensions: {} });
    },
    singleMetric() {
      const dimensions: Record<string, string> = {};
      return {
        addDimension: (name: string, value: string) => {
          dimensions[name] = value;
        },
        addMetric: (name: string, _unit: unknown, value: number) => {
          m.published.push({ name, value, dimensions: { ...dimensions } });
        },
      };
    },
    publishStoredMetrics() {
      m.flushed++;
    },
  };
  return m;
};

const probes = defaultProbes();
const promptOf = (body: string) => JSON.parse(body).messages[0].content as string;
const probeOf = (body: string) => probes.probes.find((p) => p.prompt === promptOf(body))!;

const json = (status: number, value: unknown) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json', 'request-id': 'dec_test' },
  });

/** A gateway that enforces correctly: bad input → 400 blocked, output probe → refusal, good → end_turn. */
const enforcing = (stopFor: (stage: string) => string = (s) => (s === 'output' ? 'refusal' : 'end_turn')) =>
  (async (url: string | URL | Request, init?: RequestInit) => {
    const probe = probeOf(String(init?.body));
    const path = String(url);
    if (probe.expect === 'blocked') {
      return json(400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'request blocked by policy (decision dec_test)' },
      });
    }
    const stopReason = stopFor(probe.stage);
    if (path.endsWith('invoke-with-response-stream')) {
      const frames = [
        { type: 'message_start', message: { type: 'message' } },
        { type: 'message_delta', delta: { stop_reason: stopReason } },
        { type: 'message_stop' },
      ].map(bedrockChunkFrame);
      return new Response(Buffer.concat(frames), {
        status: 200,
        headers: { 'x-amzn-requestid': 'dec_test' },
      });
    }
    if (JSON.parse(String(init?.body)).stream) {
      const sse = [
        { type: 'message_start', message: { type: 'message' } },
        { type: 'message_delta', delta: { stop_reason: stopReason } },
        { type: 'message_stop' },
      ]
        .map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
        .join('');
      return new Response(sse, {
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'request-id': 'dec_test' },
      });
    }
    return json(200, { type: 'message', content: [], stop_reason: stopReason });
  }) as typeof fetch;

const setup = (over: Partial<CanaryDeps> = {}) => {
  const metrics = recordingMetrics();
  const logs: { level: string; message: string; extra: Record<string, unknown> }[] = [];
  const deps: CanaryDeps = {
    config: {
      apiUrl: 'https://api.example.com/prod/',
      model: 'm',
      outputProbes: true,
      probeTimeoutMs: 10_000,
    },
    probes,
    apiKey: async () => 'csk_key',
    logger: {
      info: (message, extra) => logs.push({ level: 'info', message, extra: { ...extra } }),
      error: (message, extra) => logs.push({ level: 'error', message, extra: { ...extra } }),
    },
    metrics,
    fetch: enforcing(),
    ...over,
  };
  return { deps, metrics, logs, run: () => makeHandler(deps)({}) };
};

const expectLive = (published: readonly Published[], perRoute: Record<string, number>, overall: number) => {
  expect(published).toEqual([
    ...CANARY_ROUTES.map((route) => ({
      name: 'EnforcementLive',
      value: perRoute[route],
      dimensions: { Route: route },
    })),
    { name: 'EnforcementLive', value: overall, dimensions: {} },
  ]);
};
const all = (v: number) => Object.fromEntries(CANARY_ROUTES.map((r) => [r, v]));

describe('canary handler', () => {
  test('enforcement live: 1 per route and overall; one log line per probe without prompt text', async () => {
    const { run, metrics, logs } = setup();
    const summary = await run();
    expect(summary).toEqual(expect.objectContaining({ live: 1, failed: [], probesVersion: probes.version }));
    expectLive(metrics.published, all(1), 1);
    expect(metrics.flushed).toBe(1);
    const lines = logs.filter((l) => l.message === 'canary probe');
    expect(lines).toHaveLength(CANARY_ROUTES.length * probes.probes.length);
    expect(lines[0]!.extra).toEqual(
      expect.objectContaining({
        probe: expect.any(String),
        route: 'messages',
        pass: true,
        decisionId: 'dec_test',
      }),
    );
    const text = JSON.stringify(logs);
    for (const p of probes.probes) expect(text).not.toContain(p.prompt);
    expect(text).not.toContain('csk_key');
  });

  test('output not refused: 0 on every route', async () => {
    const { run, metrics } = setup({ fetch: enforcing(() => 'end_turn') });
    expect((await run()).live).toBe(0);
    expectLive(metrics.published, all(0), 0);
  });

  test('output probes off: only input probes are sent', async () => {
    const sent: string[] = [];
    const base = enforcing(() => 'end_turn');
    const { deps, run } = setup({
      fetch: (async (url: string | URL | Request, init?: RequestInit) => {
        sent.push(probeOf(String(init?.body)).id);
        return base(url, init);
      }) as typeof fetch,
    });
    (deps.config as { outputProbes: boolean }).outputProbes = false;
    expect((await run()).live).toBe(1);
    expect(new Set(sent)).toEqual(new Set(probes.probes.filter((p) => p.stage === 'input').map((p) => p.id)));
  });

  test('a network error on one route: that route 0, the others 1', async () => {
    const base = enforcing();
    const { run, metrics } = setup({
      fetch: (async (url: string | URL | Request, init?: RequestInit) => {
        if (String(url).endsWith('/invoke')) throw new TypeError('fetch failed');
        return base(url, init);
      }) as typeof fetch,
    });
    const summary = await run();
    expect(summary.live).toBe(0);
    expectLive(metrics.published, { ...all(1), 'bedrock.invoke': 0 }, 0);
    expect(summary.failed.every((f) => f.startsWith('bedrock.invoke:'))).toBe(true);
  });

  test('a probe past its deadline counts as not live (timeout)', async () => {
    const base = enforcing();
    const { deps, run, logs } = setup({
      fetch: ((url: string | URL | Request, init?: RequestInit) => {
        if (!String(url).includes('messages')) return base(url, init);
        return new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        );
      }) as typeof fetch,
    });
    (deps.config as { probeTimeoutMs: number }).probeTimeoutMs = 100;
    const summary = await run();
    expect(summary.routes).toEqual({ ...all(1), messages: 0, 'messages-stream': 0 });
    const details = logs.filter((l) => l.message === 'canary probe' && l.extra['route'] === 'messages');
    expect(details.map((l) => l.extra['detail'])).toEqual(details.map(() => 'timeout'));
  });

  test('a 5xx from the API counts as not live', async () => {
    const { run, metrics } = setup({ fetch: (async () => json(503, { message: 'down' })) as typeof fetch });
    expect((await run()).live).toBe(0);
    expectLive(metrics.published, all(0), 0);
  });

  test('the key read hangs: the run ends after the probe deadline with 0 on every route', async () => {
    const { deps, run, metrics, logs } = setup({ apiKey: () => new Promise<string>(() => {}) });
    (deps.config as { probeTimeoutMs: number }).probeTimeoutMs = 100;
    expect((await run()).live).toBe(0);
    expectLive(metrics.published, all(0), 0);
    expect(logs).toContainEqual({
      level: 'error',
      message: 'canary run failed',
      extra: { reason: 'TimeoutError' },
    });
  });

  test('the key cannot be read: 0 on every route, an error line, no probe sent', async () => {
    const fetch = jest.fn();
    const { run, metrics, logs } = setup({
      apiKey: async () => {
        throw new Error('secret safeguards/canary-key: extension answered 400');
      },
      fetch: fetch as unknown as typeof globalThis.fetch,
    });
    expect((await run()).live).toBe(0);
    expect(fetch).not.toHaveBeenCalled();
    expectLive(metrics.published, all(0), 0);
    expect(logs).toContainEqual({ level: 'error', message: 'canary run failed', extra: { reason: 'Error' } });
  });
});

describe('publishLiveness with Powertools Metrics (the EMF the alarm reads)', () => {
  test('metric name and service are the alarm’s (lib/constructs/monitoring-metrics.ts)', () => {
    expect([ENFORCEMENT_LIVE_METRIC, CANARY_SERVICE]).toEqual([
      alarmContract.ENFORCEMENT_LIVE_METRIC,
      alarmContract.CANARY_SERVICE,
    ]);
  });

  test('per route {service, Route} and overall {service} only, namespace CspSafeguards', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((l: unknown) => void lines.push(String(l)));
    const prev = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    // POWERTOOLS_DEV: Powertools writes through the global console (capturable) instead of its own.
    process.env.POWERTOOLS_DEV = 'true';
    try {
      const metrics = new Metrics({ namespace: 'CspSafeguards', serviceName: 'safeguards-canary' });
      const ok = (route: (typeof CANARY_ROUTES)[number]) =>
        probeResult({
          probe: { id: 'p', expect: 'allowed' },
          route,
          response: { status: 200, complete: true, stopReason: 'end_turn' },
          latencyMs: 1,
        });
      const results = CANARY_ROUTES.map((r) =>
        r === 'bedrock.invoke' ? { ...ok(r), pass: false, observed: 'error' as const } : ok(r),
      );
      publishLiveness(metrics, evaluateRun(results));
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = prev;
      delete process.env.POWERTOOLS_DEV;
      spy.mockRestore();
    }
    const emf = lines.map(
      (l) =>
        JSON.parse(l) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
        },
    );
    expect(emf).toHaveLength(CANARY_ROUTES.length + 1);
    for (const e of emf) expect(e._aws.CloudWatchMetrics[0]!.Namespace).toBe('CspSafeguards');
    expect(
      emf.map((e) => [e._aws.CloudWatchMetrics[0]!.Dimensions[0], e['Route'], e['EnforcementLive']]),
    ).toEqual([
      [['service', 'Route'], 'messages', 1],
      [['service', 'Route'], 'messages-stream', 1],
      [['service', 'Route'], 'bedrock.invoke', 0],
      [['service', 'Route'], 'bedrock.invoke-stream', 1],
      [['service'], undefined, 0],
    ]);
    expect(emf.every((e) => e['service'] === 'safeguards-canary')).toBe(true);
  });
});

describe('configFromEnv', () => {
  const env = {
    CANARY_API_URL: 'https://api.example.com/prod/',
    CANARY_MODEL: 'm',
    CANARY_API_KEY_SECRET_ID: 'safeguards/canary',
    AWS_SESSION_TOKEN: 'session',
  };
  test('defaults: output probes off, 10 s per probe', () => {
    expect(configFromEnv(env)).toEqual({
      apiUrl: env.CANARY_API_URL,
      model: 'm',
      outputProbes: false,
      probeTimeoutMs: 10_000,
    });
  });
  test.each([
    [{ CANARY_API_URL: undefined }, 'CANARY_API_URL: required'],
    [{ CANARY_API_URL: 'http://api.example.com/' }, 'CANARY_API_URL: expected an https:// URL'],
    [{ CANARY_MODEL: ' ' }, 'CANARY_MODEL: required'],
    [{ CANARY_OUTPUT_PROBES: 'yes' }, 'CANARY_OUTPUT_PROBES: '],
    [{ CANARY_PROBE_TIMEOUT_MS: '99' }, 'CANARY_PROBE_TIMEOUT_MS: '],
    [{ CANARY_API_KEY_SECRET_ID: undefined }, 'CANARY_API_KEY_SECRET_ID: required'],
  ])('fails when %j', (over, message) => {
    expect(() => configFromEnv({ ...env, ...over })).toThrow(ConfigError);
    expect(() => configFromEnv({ ...env, ...over })).toThrow(`canary environment: ${message}`);
  });
  test('http only on loopback (the local gateway)', () => {
    expect(configFromEnv({ ...env, CANARY_API_URL: 'http://127.0.0.1:8787' }).apiUrl).toBe(
      'http://127.0.0.1:8787',
    );
  });
});
