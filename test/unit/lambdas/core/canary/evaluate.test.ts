import {
  CANARY_ROUTES,
  type CanaryRoute,
  type Expectation,
  evaluateRun,
  observe,
  type ProbeFailure,
  type ProbeResponse,
  probeResult,
} from '../../../../../lambdas/core/canary';

const blocked: ProbeResponse = {
  status: 400,
  errorMessage: 'request blocked by policy (decision dec_1)',
  complete: false,
};
const allowed: ProbeResponse = { status: 200, stopReason: 'end_turn', complete: true };
const refused: ProbeResponse = { status: 200, stopReason: 'refusal', complete: true };

describe('observe: what a probe came out as', () => {
  test.each<[string, ProbeResponse | ProbeFailure, string, string]>([
    ['400 blocked by policy', blocked, 'blocked', 'blocked-400'],
    [
      'Bedrock ValidationException blocked by policy',
      { ...blocked, errorMessage: 'Request blocked by policy (decision x)' },
      'blocked',
      'blocked-400',
    ],
    [
      '400 for another reason',
      { status: 400, errorMessage: 'messages: required', complete: false },
      'error',
      'http-400',
    ],
    ['401 (key revoked)', { status: 401, complete: false }, 'error', 'http-401'],
    [
      '403 (canary tenant suspended)',
      { status: 403, errorMessage: 'blocked by policy', complete: false },
      'error',
      'http-403',
    ],
    ['429', { status: 429, complete: false }, 'error', 'http-429'],
    ['503 (kill switch, upstream down)', { status: 503, complete: false }, 'error', 'http-503'],
    ['500', { status: 500, complete: false }, 'error', 'http-500'],
    ['200 end_turn', allowed, 'allowed', 'allowed-end_turn'],
    [
      '200 max_tokens',
      { status: 200, stopReason: 'max_tokens', complete: true },
      'allowed',
      'allowed-max_tokens',
    ],
    ['200 refusal', refused, 'refused', 'refused'],
    ['200 refusal on a stream', { status: 200, stopReason: 'refusal', complete: true }, 'refused', 'refused'],
    ['200 stream cut short', { status: 200, complete: false }, 'error', 'incomplete'],
    [
      '200 then a stream error',
      { status: 200, streamError: 'overloaded_error', complete: false },
      'error',
      'stream-error-overloaded_error',
    ],
    ['timeout', { failure: 'timeout' }, 'error', 'timeout'],
    ['network error', { failure: 'network' }, 'error', 'network'],
  ])('%s → %s', (_name, response, observed, detail) => {
    expect(observe(response)).toEqual({ observed, detail });
  });
});

describe('evaluateRun: EnforcementLive per route', () => {
  type Row = readonly [Expectation, ProbeResponse | ProbeFailure];
  /** The same probe outcomes on every route but `route`, which gets `override`. */
  const run = (rows: readonly Row[], route?: CanaryRoute, override?: readonly Row[]) =>
    evaluateRun(
      CANARY_ROUTES.flatMap((r) =>
        (r === route && override ? override : rows).map(([expect, response], i) =>
          probeResult({ probe: { id: `p${i}`, expect }, route: r, response, latencyMs: 1 }),
        ),
      ),
    );
  const good: Row = ['allowed', allowed];
  const bad: Row = ['blocked', blocked];
  const output: Row = ['refused', refused];

  test.each<[string, 0 | 1, readonly Row[]]>([
    ['bad blocked, good allowed, output refused', 1, [good, bad, output]],
    ['bad allowed (enforcement off)', 0, [good, ['blocked', allowed], output]],
    ['good blocked (false positive)', 0, [['allowed', blocked], bad, output]],
    ['output not refused', 0, [good, bad, ['refused', allowed]]],
    ['output probe blocked at input (output checks not exercised)', 0, [good, bad, ['refused', blocked]]],
    ['bad probe errored (5xx)', 0, [good, ['blocked', { status: 503, complete: false }]]],
    ['good probe errored (timeout)', 0, [['allowed', { failure: 'timeout' }], bad]],
    ['bad probe errored (network)', 0, [good, ['blocked', { failure: 'network' }]]],
  ])('%s → %i on every route', (_name, live, rows) => {
    const verdict = run(rows);
    expect(verdict.routes).toEqual(Object.fromEntries(CANARY_ROUTES.map((r) => [r, live])));
    expect(verdict.live).toBe(live);
  });

  test.each(CANARY_ROUTES.map((r) => [r]))(
    'a failure on %s only: that route 0, the others 1, overall 0',
    (route) => {
      const verdict = run([good, bad], route, [good, ['blocked', allowed]]);
      for (const r of CANARY_ROUTES) expect([r, verdict.routes[r]]).toEqual([r, r === route ? 0 : 1]);
      expect(verdict.live).toBe(0);
    },
  );

  test('a route without results is not live (nothing was checked)', () => {
    const verdict = evaluateRun([]);
    expect(Object.values(verdict.routes)).toEqual([0, 0, 0, 0]);
    expect(verdict.live).toBe(0);
  });

  test('a result carries the status and the decision id, never content', () => {
    const r = probeResult({
      probe: { id: 'bad-x', expect: 'blocked' },
      route: 'messages',
      response: blocked,
      decisionId: 'dec_1',
      latencyMs: 12,
    });
    expect(r).toEqual({
      probe: 'bad-x',
      route: 'messages',
      expected: 'blocked',
      observed: 'blocked',
      pass: true,
      detail: 'blocked-400',
      status: 400,
      decisionId: 'dec_1',
      latencyMs: 12,
    });
  });
});
