/**
 * The canary against the REAL local gateway (the same authorizer and serving code as the Lambda functions, the
 * demo upstream, dynalite): with the default policy it sees every known-bad probe blocked (or refused on output)
 * and the known-good one allowed on every route, and reports EnforcementLive 1; with enforcement switched off
 * (every category in shadow mode) it reports 0 on every route.
 */
import '../../unit/lambdas/canary/env';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanaryDeps, CanaryMetrics } from '../../../lambdas/canary/deps';
import { type CanaryRunSummary, makeHandler } from '../../../lambdas/canary/handler';
import { CANARY_ROUTES, defaultProbes } from '../../../lambdas/core/canary';
import { compilePolicy, defaultPolicy } from '../../../lambdas/core/index';
import {
  createTenant,
  type OperatorContext,
  operatorContext,
  setKillSwitch,
} from '../../../lambdas/operator/actions';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime';

interface Published {
  readonly name: string;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** A Powertools-shaped metrics fake that records what would be published. */
const recordingMetrics = (): CanaryMetrics & { published: Published[] } => {
  const published: Published[] = [];
  return {
    published,
    addMetric(name, _unit, value) {
      published.push({ name, value, dimensions: {} });
    },
    singleMetric() {
      const dimensions: Record<string, string> = {};
      return {
        addDimension(name: string, value: string) {
          dimensions[name] = value;
        },
        addMetric(name: string, _unit: unknown, value: number) {
          published.push({ name, value, dimensions: { ...dimensions } });
        },
      };
    },
    publishStoredMetrics() {},
  };
};

interface Logged {
  readonly message: string;
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * Waits until every probe left its decision record and the post-response work (violations, settlements) is done,
 * so the runtime is not stopped under it.
 */
const records = (rt: LocalRuntime): number =>
  existsSync(rt.telemetry.path) ? readFileSync(rt.telemetry.path, 'utf8').trim().split('\n').length : 0;
const settled = async (rt: LocalRuntime, summary: CanaryRunSummary, before: number): Promise<void> => {
  const expected = before + Object.keys(summary.routes).length * defaultProbes().probes.length;
  const count = () => records(rt);
  const until = Date.now() + 5_000;
  while (count() < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
};

/** Starts a runtime, creates the canary tenant and runs the canary handler once against it. */
const runAgainst = async (
  policy?: ReturnType<typeof defaultPolicy>,
  before?: (ops: OperatorContext, rt: LocalRuntime, apiKey: string) => Promise<void>,
  runs = 1,
): Promise<{ summary: CanaryRunSummary; metrics: Published[]; logs: Logged[] }> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'csp-canary-'));
  let rt: LocalRuntime | undefined;
  try {
    rt = await startLocalRuntime({
      port: 0,
      dataDir,
      publish: false,
      classifier: false,
      log: () => {},
      ...(policy ? { policy } : {}),
    });
    const ops = operatorContext(rt.dynamo.doc, rt.dynamo.tables, 'operator:test');
    const canary = await createTenant(ops, { tenantId: 'canary', tier: 'canary', zone: 'LOCAL' });
    await before?.(ops, rt, canary.apiKey);
    const baseline = records(rt);
    const metrics = recordingMetrics();
    const logs: Logged[] = [];
    const deps: CanaryDeps = {
      config: {
        apiUrl: rt.gateway.url,
        model: 'anthropic.claude-demo-v1:0',
        outputProbes: true,
        probeTimeoutMs: 10_000,
      },
      probes: defaultProbes(),
      apiKey: async () => canary.apiKey,
      logger: {
        info: (message, extra) => logs.push({ message, extra }),
        error: (message, extra) => logs.push({ message, extra }),
      },
      metrics,
    };
    let summary = await makeHandler(deps)({ 'detail-type': 'Scheduled Event' });
    for (let i = 1; i < runs; i++) {
      // Past the tenant cache (2 s), so a status change by the ladder would be seen by the next run.
      await new Promise((r) => setTimeout(r, 2_200));
      metrics.published.length = 0;
      logs.length = 0;
      summary = await makeHandler(deps)({ 'detail-type': 'Scheduled Event' });
    }
    await settled(rt, summary, baseline);
    return { summary, metrics: metrics.published, logs };
  } finally {
    await rt?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

const probeLines = (logs: readonly Logged[]) =>
  logs.filter((l) => l.message === 'canary probe').map((l) => l.extra);

describe('canary against the local gateway', () => {
  test('the canary tenant (tier canary) is never a ladder strike: three runs in a row stay live', async () => {
    const { summary } = await runAgainst(undefined, undefined, 3);
    expect(summary.failed).toEqual([]);
    expect(summary.live).toBe(1);
  }, 60_000);

  const probes = defaultProbes().probes;

  test('default policy: bad probes blocked (input) or refused (output), the good one allowed; EnforcementLive 1 on every route', async () => {
    const { summary, metrics, logs } = await runAgainst();
    const lines = probeLines(logs);
    expect(lines).toHaveLength(CANARY_ROUTES.length * probes.length);
    for (const line of lines) {
      const probe = probes.find((p) => p.id === line['probe'])!;
      expect([line['route'], line['probe'], line['observed']]).toEqual([
        line['route'],
        probe.id,
        probe.expect,
      ]);
      expect(line['decisionId']).toMatch(/^dec_/);
    }
    expect(summary.failed).toEqual([]);
    expect(summary.live).toBe(1);
    expect(metrics).toEqual([
      ...CANARY_ROUTES.map((route) => ({ name: 'EnforcementLive', value: 1, dimensions: { Route: route } })),
      { name: 'EnforcementLive', value: 1, dimensions: {} },
    ]);
    // No prompt text in any log line.
    const text = JSON.stringify(logs);
    for (const p of probes) expect(text).not.toContain(p.prompt);
  }, 60_000);

  test('enforcement switched off (every category in shadow mode): EnforcementLive 0 on every route', async () => {
    const base = defaultPolicy().document;
    const categories = Object.fromEntries(
      Object.entries(base.categories).map(([name, c]) => [name, { ...c, shadow: true }]),
    );
    const shadow = compilePolicy({ ...base, categories }, 'test: every category shadow');
    const { summary, metrics, logs } = await runAgainst(shadow);
    expect(summary.live).toBe(0);
    expect(metrics).toEqual([
      ...CANARY_ROUTES.map((route) => ({ name: 'EnforcementLive', value: 0, dimensions: { Route: route } })),
      { name: 'EnforcementLive', value: 0, dimensions: {} },
    ]);
    // The known-bad probes came back allowed; the known-good one still passes.
    for (const line of probeLines(logs)) {
      const probe = probes.find((p) => p.id === line['probe'])!;
      expect([line['probe'], line['route'], line['observed']]).toEqual([
        line['probe'],
        line['route'],
        'allowed',
      ]);
      expect(line['pass']).toBe(probe.expect === 'allowed');
    }
  }, 60_000);

  test('the path refusing everything (kill switch block-all, 503): errored probes count as not live', async () => {
    const { summary, logs } = await runAgainst(undefined, async (ops, rt, apiKey) => {
      await setKillSwitch(ops, 'block-all', 'canary test');
      // The gateway reads the controls through a 2 s cache: wait until a plain request is refused (bounded).
      const until = Date.now() + 8_000;
      for (;;) {
        const res = await fetch(`${rt.gateway.url}/v1/messages`, {
          method: 'POST',
          headers: {
            'x-api-key': apiKey,
            'content-type': 'application/json',
            'anthropic-version': '2023-06-01',
          },
          body: JSON.stringify({ model: 'demo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.arrayBuffer();
        if (res.status === 503 || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    expect(summary.live).toBe(0);
    expect(Object.values(summary.routes)).toEqual([0, 0, 0, 0]);
    const lines = probeLines(logs);
    expect(new Set(lines.map((l) => `${l['observed']} ${l['detail']}`))).toEqual(new Set(['error http-503']));
  }, 60_000);
});
