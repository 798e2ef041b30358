/**
 * Fault suite: the local runtime with one fault at a time — tier 2 slow / failing / answering garbage,
 * the telemetry file failing, the model throttled / failing / unreachable, the client going away
 * mid-stream, the enforcement store (dynalite) stopped. For each: the category's fail mode decides
 * (closed for `harmful`), the failure is counted in the gateway metrics and written in the record,
 * responses carry clear errors, and (file records + stderr fallbacks) == requests sent.
 *
 * The "uncertain" prompt: with the default policy (tier 2 in `cascade` mode for tier-1 decision scores
 * inside the band `npm run train:tier2` chose) the text below is escalated for `harmful` only; the reference classifier then
 * scores it below the threshold, so it is allowed when tier 2 answers. The baseline test asserts both
 * facts, so a retrained model that stops escalating it fails loudly. See docs/local-suites.md.
 */
import { defaultPolicy } from '../../../lambdas/core/index';
import { compilePolicy } from '../../../lambdas/core/policy/load';
import { createTenant, operatorContext } from '../../../lambdas/operator/actions';
import { type DemoUpstream, startDemoUpstream } from '../../../local/demo-upstream';
import { fetchRaw, type Harness, messagesBody, type RawResponse, startHarness } from './support/harness';
import { startTcpSpy, type TcpSpy } from './support/tcp-spy';

/**
 * Candidates for the "uncertain" prompt, tried in order by the baseline test: the first one the
 * default policy escalates to tier 2 for `harmful` (and only that) and allows when tier 2 answers is
 * used by every later test. Trying several keeps the suite valid across tier-1 retrains and band
 * changes, and past a tier-2 call that misses its deadline on a loaded machine (then the record shows
 * a timeout, not `ok`, and the next candidate is tried).
 */
const UNCERTAIN_CANDIDATES = [
  'How can I shoot a great photo at night?',
  'how to make a cake explode with flavor',
  'Write a story about a detective who investigates a poisoning.',
  'What household chemicals should never be mixed because they are dangerous?',
  'Explain how nuclear weapons work in general terms.',
  'Where can I buy a gun legally?',
  'How to make a fake ID for a movie prop',
  'Where can I buy a gun legally in Texas?',
  'How to make a fake ID for a film prop',
  'How to make a fake badge for a movie prop',
  'Where can I buy a gun legally in Arizona?',
  'Where can I buy a gun legally in Ohio?',
];
/** Not escalated by the default policy (asserted in the baseline). */
const BENIGN = 'Please summarize the plot of Hamlet in two sentences.';
let UNCERTAIN = '';

interface Row {
  readonly scenario: string;
  readonly requests: number;
  readonly statuses: string;
  readonly fileRecords: number;
  readonly fallbackRecords: number;
  readonly unaccounted: number;
  readonly counted: string;
}

const rows: Row[] = [];

/** Metric deltas worth showing, as `Name+n`. */
function metricDelta(
  before: Record<string, number>,
  after: Record<string, number>,
  names: readonly string[],
): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(after)) {
    if (!names.some((n) => k === n || k.startsWith(`${n}.`))) continue;
    const d = v - (before[k] ?? 0);
    if (d !== 0) out.push(`${k}+${Math.round(d * 100) / 100}`);
  }
  return out.join(' ');
}

const COUNTED = [
  'FailClosed',
  'FailOpen',
  'Tier2Timeouts',
  'Tier2Errors',
  'UpstreamErrors',
  'RateLimited',
  'PortErrors',
  'AuthorizerErrors',
];

describe('faults against the local runtime', () => {
  let h: Harness;
  let up: DemoUpstream;
  let spy: TcpSpy;
  let ops: ReturnType<typeof operatorContext>;
  /** The current scenario's tenant: each scenario gets its own, so strikes never carry over. */
  let key: string;
  let unusedKey: string;
  const fallbackIds: string[] = [];
  let stderrSpy: jest.SpyInstance;

  beforeAll(async () => {
    up = await startDemoUpstream();
    spy = await startTcpSpy(up.url);
    h = await startHarness({ upstreamUrl: spy.url, tenantCacheTtlMs: 300 });
    ops = operatorContext(h.rt.dynamo.doc, h.rt.dynamo.tables, 'test:faults');
    unusedKey = (await createTenant(ops, { tenantId: 'never-used', tier: 'standard', zone: 'LOCAL' })).apiKey;
    const write = process.stderr.write.bind(process.stderr);
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation(((
      chunk: string | Uint8Array,
      ...rest: never[]
    ) => {
      const line = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (line.startsWith('decision-record-fallback ')) {
        const parsed = JSON.parse(line.slice('decision-record-fallback '.length)) as {
          record: { decisionId: string };
        };
        fallbackIds.push(parsed.record.decisionId);
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof process.stderr.write);
  }, 30_000);

  afterAll(async () => {
    stderrSpy?.mockRestore();
    await h?.stop();
    await spy?.close();
    await up?.close().catch(() => undefined);
    const cols: (keyof Row)[] = [
      'scenario',
      'requests',
      'statuses',
      'fileRecords',
      'fallbackRecords',
      'unaccounted',
      'counted',
    ];
    const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
    const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(width[i]!)).join(' | ')} |`;
    process.stdout.write(
      `\nfault suite\n${line(cols)}\n${line(width.map((w) => '-'.repeat(w)))}\n${rows
        .map((r) => line(cols.map((c) => String(r[c]))))
        .join('\n')}\n`,
    );
  });

  const post = (text: string, extra: Record<string, unknown> = {}, init: RequestInit = {}) =>
    fetchRaw(`${h.rt.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: messagesBody(text, extra),
      ...init,
    });

  let tenants = 0;
  /** A fresh high-limit tenant (the enforcement ladder counts blocks per tenant). */
  async function freshTenant(): Promise<string> {
    const limits = { requests: 1_000_000, inputTokens: 1_000_000_000, outputTokens: 1_000_000_000 };
    tenants++;
    const issued = await ops.tenants.createTenant({
      tenantId: `faults-${tenants}`,
      tier: 'enterprise',
      zone: 'LOCAL',
      limits,
    });
    return issued.apiKey;
  }

  /**
   * Runs a scenario for a fresh tenant: sends requests through `act`, then checks that every request left exactly one
   * record (in the file or on the stderr fallback) and adds a row to the table.
   */
  async function scenario(
    name: string,
    act: () => Promise<RawResponse[]>,
    tenantKey?: string,
  ): Promise<RawResponse[]> {
    key = tenantKey ?? (await freshTenant());
    const linesBefore = h.lines();
    const fallbackBefore = fallbackIds.length;
    const metricsBefore = h.rt.gateway.metrics();
    const responses = await act();
    const ids = responses.map((r) => r.headers['request-id'] as string);
    for (const id of ids) expect(id).toMatch(/^dec_/);
    // Wait (bounded) until each id is either in the file or on the fallback.
    const deadline = Date.now() + 3_000;
    const inFile = () => new Set(h.records().map((r) => r.decisionId));
    while (Date.now() < deadline && !ids.every((id) => inFile().has(id) || fallbackIds.includes(id))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const fileRecords = h.lines() - linesBefore;
    const fallbackRecords = fallbackIds.length - fallbackBefore;
    const unaccounted = responses.length - fileRecords - fallbackRecords;
    rows.push({
      scenario: name,
      requests: responses.length,
      statuses: [...new Set(responses.map((r) => r.status))].join('/'),
      fileRecords,
      fallbackRecords,
      unaccounted,
      counted: metricDelta(metricsBefore, h.rt.gateway.metrics(), COUNTED) || '-',
    });
    expect(unaccounted).toBe(0);
    const file = inFile();
    for (const id of ids) expect(file.has(id) || fallbackIds.includes(id)).toBe(true);
    return responses;
  }

  const recordOf = async (r: RawResponse) => h.waitForRecord(r.headers['request-id'] as string);
  const errorType = (r: RawResponse) => (JSON.parse(r.text) as { error: { type: string } }).error.type;

  test('baseline: an uncertain prompt is escalated to tier 2 (harmful) and allowed; the benign one is not escalated', async () => {
    const responses = await scenario('baseline (no fault)', async () => {
      const out = [await post(BENIGN)];
      candidates: for (const text of UNCERTAIN_CANDIDATES) {
        // A candidate escalated for `harmful` whose tier-2 call missed its deadline (a loaded machine) is
        // tried again, up to three times, before moving on: the escalation is what selects it.
        for (let attempt = 0; attempt < 3; attempt++) {
          const r = await post(text);
          out.push(r);
          const rec = await recordOf(r);
          const escalatedHarmful = rec.tier2.called && rec.tier2.escalated.join() === 'harmful';
          if (r.status === 200 && escalatedHarmful && rec.tier2.outcome === 'ok') {
            UNCERTAIN = text;
            break candidates;
          }
          if (!escalatedHarmful || rec.tier2.outcome !== 'timeout') break;
        }
      }
      return out;
    });
    expect(UNCERTAIN).not.toBe('');
    const benign = await recordOf(responses[0]!);
    expect(responses[0]!.status).toBe(200);
    expect(benign.tier2).toMatchObject({ called: false, escalated: [] });
    expect(benign.failMode.applied).toBeNull();
  });

  test.each([
    ['tier 2 slow (300 ms > 80 ms deadline)', { delayMs: 300 }, 'timeout', 'Tier2Timeouts'],
    ['tier 2 answers 500', { fail: true }, 'error', 'Tier2Errors'],
    ['tier 2 answers garbage', { garbage: true }, 'error', 'Tier2Errors'],
  ] as const)(
    '%s → harmful fails closed: the uncertain prompt is blocked',
    async (name, faults, outcome, metric) => {
      const before = h.rt.gateway.metrics();
      h.rt.classifier!.setFaults(faults);
      let responses: RawResponse[];
      try {
        responses = await scenario(name, async () => [
          await post(UNCERTAIN),
          await post(UNCERTAIN),
          await post(BENIGN),
        ]);
      } finally {
        h.rt.classifier!.setFaults({});
      }
      const [a, b, benign] = responses;
      for (const r of [a!, b!]) {
        expect(r.status).toBe(400);
        expect(JSON.parse(r.text).error.message).toBe(
          `request blocked by policy (decision ${r.headers['request-id']})`,
        );
        const rec = await recordOf(r);
        expect(rec.reason).toBe('blocked:harmful');
        expect(rec.tier2).toMatchObject({ called: true, outcome });
        expect(rec.failMode.applied).toBe('closed');
        expect(rec.failMode.failures).toEqual([
          expect.objectContaining({ check: 'tier2', category: 'harmful', outcome, failMode: 'closed' }),
        ]);
      }
      // Not escalated → not affected by the fault.
      expect(benign!.status).toBe(200);
      const after = h.rt.gateway.metrics();
      expect((after[metric] ?? 0) - (before[metric] ?? 0)).toBe(2);
      const reason = `FailClosed.Reason=tier2-${outcome}`;
      expect((after[reason] ?? 0) - (before[reason] ?? 0)).toBe(2);
    },
  );

  test('tier 2 keeps failing → the circuit opens (no more calls), still failing closed', async () => {
    h.rt.classifier!.setFaults({ fail: true });
    const invocationsBefore = h.rt.classifier!.invocations();
    let responses: RawResponse[];
    try {
      responses = await scenario('tier 2 500 ×6 (circuit opens)', async () => {
        const out: RawResponse[] = [];
        for (let i = 0; i < 6; i++) out.push(await post(UNCERTAIN));
        return out;
      });
    } finally {
      h.rt.classifier!.setFaults({});
    }
    for (const r of responses) expect(r.status).toBe(400);
    // The garbage scenario reset the breaker (a 200 is a success for it): 5 calls open it.
    expect(h.rt.classifier!.invocations() - invocationsBefore).toBe(5);
    const last = await recordOf(responses[5]!);
    expect(last.tier2).toMatchObject({ called: true, outcome: 'error', reason: 'circuit-open' });
    expect(last.failMode.applied).toBe('closed');
  });

  // Found by this suite and fixed: blocks decided only by a failed check's closed fail mode are refused but
  // not reported to the enforcement ladder (Verdict.failedClosedOnly), so an outage never suspends tenants.
  test('blocks caused by a tier-2 outage do not count as tenant strikes (no suspension)', async () => {
    h.rt.classifier!.setFaults({ fail: true });
    let responses: RawResponse[];
    try {
      responses = await scenario('tier 2 500 ×10, then benign', async () => {
        const out: RawResponse[] = [];
        for (let i = 0; i < 10; i++) out.push(await post(UNCERTAIN));
        // Records are written after the violation report: once all are there, the ladder has run.
        for (const r of out) await recordOf(r);
        await new Promise((r) => setTimeout(r, 400)); // the tenant cache (300 ms here)
        out.push(await post(BENIGN));
        return out;
      });
    } finally {
      h.rt.classifier!.setFaults({});
    }
    for (const r of responses.slice(0, 10)) expect(r.status).toBe(400);
    expect(responses[10]!.status).toBe(200);
  });

  test('telemetry file failing → records go to the stderr fallback, counted; responses unaffected', async () => {
    const countsBefore = h.rt.telemetry.counts();
    h.rt.telemetry.failNext(3);
    const responses = await scenario('telemetry sink fails ×3', async () => [
      await post(BENIGN),
      await post(BENIGN),
      await post(BENIGN),
      await post(BENIGN),
    ]);
    for (const r of responses) expect(r.status).toBe(200);
    const counts = h.rt.telemetry.counts();
    expect(counts.failed - countsBefore.failed).toBe(3);
    expect(counts.written - countsBefore.written).toBe(1);
    const ids = responses.map((r) => r.headers['request-id'] as string);
    expect(fallbackIds.slice(-3)).toEqual(ids.slice(0, 3));
  });

  test.each([
    [429, 429, 'rate_limit_error', 'upstream_throttled'],
    [500, 503, 'overloaded_error', 'upstream_unavailable'],
    [529, 503, 'overloaded_error', 'upstream_unavailable'],
  ] as const)('upstream %d → %d %s', async (upstreamStatus, status, type, reason) => {
    const [r, s] = await scenario(`upstream ${upstreamStatus} (json + stream)`, async () => [
      await post(`hi [[demo:status=${upstreamStatus}]]`),
      await post(`hi [[demo:status=${upstreamStatus}]]`, { stream: true }),
    ]);
    for (const res of [r!, s!]) {
      expect(res.status).toBe(status);
      expect(errorType(res)).toBe(type);
      expect(res.text).not.toContain('demo upstream returned');
      const rec = await recordOf(res);
      expect(rec.reason).toBe(reason);
      expect(rec.status).toBe(status);
    }
  });

  test('client aborts mid-stream → the upstream call is closed; one record, client_aborted', async () => {
    const marker = `abort-${Date.now()}`;
    let abortedAt = 0;
    const [res] = await scenario('client abort mid-stream', async () => {
      const controller = new AbortController();
      const r = await fetch(`${h.rt.gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
        body: messagesBody(`${marker} [[demo:delay=50]] [[demo:long=200]]`, { stream: true }),
        signal: controller.signal,
      });
      expect(r.status).toBe(200);
      const reader = r.body!.getReader();
      let seen = '';
      // Read until some text was released (bounded), then go away.
      for (let i = 0; i < 200 && !seen.includes('text_delta'); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += Buffer.from(value).toString('utf8');
      }
      expect(seen).toContain('text_delta');
      controller.abort();
      abortedAt = Date.now();
      await reader.cancel().catch(() => undefined);
      return [{ status: r.status, headers: { 'request-id': r.headers.get('request-id') ?? '' }, text: '' }];
    });
    const rec = await recordOf(res!);
    expect(rec.reason).toBe('client_aborted');
    expect(rec.stream).toBe(true);
    expect(rec.output?.releasedChars ?? 0).toBeGreaterThan(0);
    // The gateway's connection to the model carrying this request closed right after the abort, long
    // before the ~10 s the full 200-word stream takes at 50 ms per word.
    const conn = spy.connections().find((c) => c.sent.includes(marker));
    expect(conn).toBeDefined();
    // Generous bound (the full stream would take ~10 s): this checks cancellation, not speed.
    const deadline = Date.now() + 5_000;
    while (conn!.closedAt === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(conn!.closedAt).toBeDefined();
    expect(conn!.closedAt! - abortedAt).toBeLessThan(5_000);
  }, 20_000);

  test('model unreachable → 503 overloaded_error, upstream_unavailable', async () => {
    await up.close();
    const [r] = await scenario('upstream down (connection refused)', async () => [await post(BENIGN)]);
    expect(r!.status).toBe(503);
    expect(errorType(r!)).toBe('overloaded_error');
    expect((await recordOf(r!)).reason).toBe('upstream_unavailable');
  });

  test('dynalite stopped → the authorizer fails closed (503, no model call); records still written', async () => {
    // A tenant created while the store is up (the model is already down: no warm-up call).
    const known = await freshTenant();
    const linesBefore = h.lines();
    await h.rt.dynamo.stop();
    // Past the tenant cache (300 ms here), so no lookup can be answered from memory.
    await new Promise((r) => setTimeout(r, 400));
    const responses = await scenario(
      'dynalite stopped',
      async () => [
        await post(BENIGN),
        await post(
          BENIGN,
          {},
          {
            headers: {
              'content-type': 'application/json',
              'x-api-key': unusedKey,
              'anthropic-version': '2023-06-01',
            },
          },
        ),
        await post(UNCERTAIN),
      ],
      known,
    );
    for (const r of responses) {
      expect(r.status).toBe(503);
      expect(r.text).not.toContain('ECONNREFUSED');
      const rec = await recordOf(r);
      expect(rec).toMatchObject({ stage: 'auth', status: 503, reason: 'internal_error' });
    }
    expect(h.lines() - linesBefore).toBe(3);
    expect(h.rt.gateway.metrics()['AuthorizerErrors'] ?? 0).toBeGreaterThanOrEqual(3);
    // Still alive after all of it.
    const health = await fetch(`${h.rt.gateway.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('faults with tier 2 in "always" mode for injection only (fail open)', () => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    const doc = defaultPolicy().document;
    const policy = compilePolicy(
      {
        ...doc,
        name: 'faults-always-injection',
        tier2: { ...doc.tier2, mode: 'always', categories: ['injection'] },
      },
      'faults.test.ts',
    );
    h = await startHarness({ policy });
    const ops = operatorContext(h.rt.dynamo.doc, h.rt.dynamo.tables, 'test:faults');
    key = (
      await ops.tenants.createTenant({
        tenantId: 'faults-open',
        tier: 'enterprise',
        zone: 'LOCAL',
        limits: { requests: 1_000_000, inputTokens: 1_000_000_000, outputTokens: 1_000_000_000 },
      })
    ).apiKey;
  }, 30_000);

  afterAll(async () => {
    await h?.stop();
  });

  test('every request calls tier 2; when it fails, injection (fail open) lets the request through, counted', async () => {
    h.rt.classifier!.setFaults({ fail: true });
    const linesBefore = h.lines();
    const before = h.rt.gateway.metrics();
    const res = await fetchRaw(`${h.rt.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: messagesBody(BENIGN),
    });
    h.rt.classifier!.setFaults({});
    expect(res.status).toBe(200);
    const rec = await h.waitForRecord(res.headers['request-id'] as string);
    expect(rec.tier2).toMatchObject({ called: true, escalated: ['injection'], outcome: 'error' });
    expect(rec.failMode.applied).toBe('open');
    expect(rec.failMode.failures).toEqual([
      expect.objectContaining({ check: 'tier2', category: 'injection', failMode: 'open' }),
    ]);
    const after = h.rt.gateway.metrics();
    expect((after['FailOpen.Reason=tier2-error'] ?? 0) - (before['FailOpen.Reason=tier2-error'] ?? 0)).toBe(
      1,
    );
    expect(h.lines() - linesBefore).toBe(1);
    rows.push({
      scenario: 'tier 2 500, policy always/injection',
      requests: 1,
      statuses: String(res.status),
      fileRecords: h.lines() - linesBefore,
      fallbackRecords: 0,
      unaccounted: 1 - (h.lines() - linesBefore),
      counted: metricDelta(before, after, COUNTED) || '-',
    });
  });
});
