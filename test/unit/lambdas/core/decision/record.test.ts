import {
  type DecisionRecord,
  DecisionRecorder,
  isoTimestamp,
} from '../../../../../lambdas/core/decision/record';
import { engineWith, FakeTier2, request } from '../engine/fakes';

const start = {
  decisionId: 'dec-1',
  region: 'eu-west-1',
  route: 'messages' as const,
  policy: { name: 'default', version: 'sha256:0123456789abcdef' },
  startedAt: Date.UTC(2026, 10, 27, 12, 0, 0),
};

describe('decision recorder', () => {
  test('emits exactly one record, even when finish is called again', () => {
    const sink = jest.fn<void, [DecisionRecord]>();
    const rec = new DecisionRecorder(start, sink);
    const first = rec.finish(200, 5);
    const second = rec.finish(500, 9);
    expect(sink).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    expect(first.status).toBe(200);
  });

  test('a rejected request keeps its status, reason and field', () => {
    const sink = jest.fn<void, [DecisionRecord]>();
    new DecisionRecorder(start, sink)
      .stage('parse')
      .reject(400, 'invalid_request', { type: 'invalid_request_error', field: 'messages[0].content' })
      .finish(400, 1);
    const r = sink.mock.calls[0]![0];
    expect(r).toEqual(
      expect.objectContaining({
        status: 400,
        stage: 'parse',
        reason: 'invalid_request',
        error: { type: 'invalid_request_error', field: 'messages[0].content' },
      }),
    );
  });

  test('records checks, fail mode applied and latencies of a fail-closed block, and no prompt text', async () => {
    // GIVEN a tier 2 that fails on an uncertain harmful prompt
    const engine = engineWith({ tier2: new FakeTier2('error') });
    const req = request('borderline-harm secret prompt words');
    const sink = jest.fn<void, [DecisionRecord]>();
    // WHEN
    const v = await engine.evaluateRequest(req);
    const r = new DecisionRecorder(start, sink)
      .identity({ tenant: 'tn_abc', apiKey: 'ak_def', tier: 'standard' })
      .request({ model: 'm', stream: false, inputTokens: 12, parseMs: 0.1 })
      .input(v)
      .reject(403, 'blocked:harmful')
      .finish(403, 3.2);
    // THEN
    expect(r.action).toBe('block');
    expect(r.failMode.applied).toBe('closed');
    expect(r.failMode.failures[0]).toEqual(expect.objectContaining({ check: 'tier2', outcome: 'error' }));
    expect(r.reason).toBe('blocked:harmful');
    expect(r.latencyMs.total).toBe(3.2);
    expect(r.latencyMs.added).toBe(3.2);
    expect(JSON.stringify(r)).not.toContain('secret prompt words');
    expect(r.timestamp).toBe('2026-11-27T12:00:00.000Z');
  });

  test('an output block makes the final action block and records tokens released before it', () => {
    const sink = jest.fn<void, [DecisionRecord]>();
    const blockedVerdict = { triggered: ['harmful'], checks: [] } as never;
    const r = new DecisionRecorder(start, sink)
      .upstream(40)
      .output(
        {
          windows: 3,
          releasedChars: 120,
          heldChars: 30,
          blocked: true,
          blockedVerdict,
          maxWindowMs: 0.2,
          totalWindowMs: 0.5,
        },
        { output: 41, releasedBeforeBlock: 30 },
        'refusal',
      )
      .finish(200, 45);
    expect(r.action).toBe('block');
    expect(r.output).toEqual(
      expect.objectContaining({ releasedTokensBeforeBlock: 30, stopReason: 'refusal', windows: 3 }),
    );
    expect(r.latencyMs.added).toBe(5);
    expect(r.latencyMs.output).toBe(0.5);
    expect(r.reason).toBe('output-blocked:harmful');
  });
});

describe('isoTimestamp', () => {
  test('GIVEN times across seconds, edges and odd values THEN it equals Date#toISOString', () => {
    const base = Date.UTC(2026, 11, 7, 9, 28, 43, 0);
    const times = [
      0,
      1,
      999,
      1000,
      base,
      base + 5,
      base + 57,
      base + 999,
      base + 1000,
      base - 1,
      base + 86_400_000 + 1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      253_402_300_799_999, // the last millisecond of year 9999
      253_402_300_800_000, // year 10000: six-digit years with a sign
      -1, // before 1970
      -62_198_755_200_000, // year -1
      1.5, // not a whole millisecond
      8.64e15, // the largest valid time
    ];
    // Also a run of increasing and decreasing times, as records of concurrent requests arrive.
    for (let i = 0; i < 2000; i++) times.push(base + ((i * 7919) % 5000) - 2500);
    for (const t of times) expect(isoTimestamp(t)).toBe(new Date(t).toISOString());
  });

  test('GIVEN an invalid time THEN it throws as Date#toISOString does', () => {
    expect(() => isoTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => isoTimestamp(8.64e15 + 1)).toThrow(RangeError);
  });
});
