/**
 * Evaluation of the cascade (offline tooling for scripts/eval.ts): tier-2 clients for the eval CLI
 * and the tier-1-only vs cascade summary of report.json / report.html.
 */
import type { Tier2Model } from '../../classifier/model/tier2';
import type { Tier2Classifier } from '../../lambdas/core/engine/tier2';
import { escapeHtml, htmlTable } from '../eval/html';
import { type EvalDecision, isBorderline, percentile, type Rates, rates, round4 } from '../eval/metrics';

/** A decision of the cascade run, with what tiers 0+1 alone decided for the same row. */
export interface CascadeDecision extends EvalDecision {
  /** Detected by the same policy with no tier 2 (tiers 0 and 1 only). */
  readonly tier1Detected: boolean;
  /** Tier-2 outcome when it was called (`ok`, `timeout`, `error`), else absent. */
  readonly tier2Outcome?: string;
  /** Tier-2 call time, ms, when it was called. */
  readonly tier2Ms?: number;
}

/** The in-process tier-2 model behind the engine's remote-classifier interface (contract scores). */
export function inProcessTier2(model: Tier2Model): Tier2Classifier {
  return {
    classify: async (text) => ({ scores: model.contractScores({ prompt: text }), model: model.version }),
  };
}

/** A tier-2 endpoint speaking the SageMaker container contract: POST `<url>/invocations`. */
export function httpTier2(url: string): Tier2Classifier {
  const target = /\/invocations\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/invocations`;
  return {
    async classify(text, signal) {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ inputs: text }),
        signal,
      });
      if (!res.ok) {
        const e = new Error(`tier-2 endpoint answered HTTP ${res.status}`);
        e.name = `Http${res.status}`;
        throw e;
      }
      const body = await res.text();
      try {
        return JSON.parse(body) as unknown;
      } catch {
        return { invalid: body.slice(0, 100) };
      }
    },
  };
}

export interface CascadeSummary {
  /** `none`, `reference` (the committed tier-2 model in-process) or the endpoint URL. */
  readonly tier2: string;
  readonly tier2Model?: string;
  readonly band: readonly [number, number];
  readonly tier1Only: Rates;
  readonly cascade: Rates;
  readonly escalation: {
    /** Share of headline rows with at least one category escalated. */
    readonly rate: number;
    /** Share of benign rows (general and borderline) escalated, and the same per 1,000. */
    readonly benignRate: number;
    readonly perThousandBenign: number;
    readonly generalBenignRate: number;
    readonly byLabel: Readonly<Record<string, number>>;
  };
  /** Tier-2 call time of escalated rows (what an escalation adds to a request), ms. */
  readonly tier2LatencyMs: {
    readonly calls: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly tier2Outcomes: Readonly<Record<string, number>>;
}

/** Summary over the headline rows (pure). */
export function cascadeSummary(
  rows: readonly CascadeDecision[],
  tier2: string,
  band: readonly [number, number],
  tier2Model?: string,
): CascadeSummary {
  const tier1Only = rates(rows.map((d) => ({ ...d, detected: d.tier1Detected })));
  const benign = rows.filter((d) => d.label === 'benign');
  const general = benign.filter((d) => !isBorderline(d));
  const share = (xs: readonly CascadeDecision[]) =>
    round4(xs.filter((d) => d.escalated).length / Math.max(1, xs.length));
  const byLabel: Record<string, number> = {};
  for (const label of ['harmful', 'jailbreak', 'injection', 'benign'] as const) {
    byLabel[label] = share(rows.filter((d) => d.label === label));
  }
  const times = rows.filter((d) => d.tier2Ms !== undefined).map((d) => d.tier2Ms!);
  const outcomes: Record<string, number> = {};
  for (const d of rows) if (d.tier2Outcome) outcomes[d.tier2Outcome] = (outcomes[d.tier2Outcome] ?? 0) + 1;
  const benignRate = share(benign);
  return {
    tier2,
    ...(tier2Model ? { tier2Model } : {}),
    band,
    tier1Only,
    cascade: rates(rows),
    escalation: {
      rate: share(rows),
      benignRate,
      perThousandBenign: Math.round(benignRate * 10_000) / 10,
      generalBenignRate: share(general),
      byLabel,
    },
    tier2LatencyMs: {
      calls: times.length,
      p50: round4(percentile(times, 50)),
      p99: round4(percentile(times, 99)),
      max: round4(percentile(times, 100)),
    },
    tier2Outcomes: outcomes,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The report.html section: tier-1-only vs cascade side by side, escalation and tier-2 latency. */
export function cascadeHtml(s: CascadeSummary): string {
  const row = (name: string, a: number, b: number) => [name, pct(a), pct(b), `${((b - a) * 100).toFixed(1)}`];
  return `<h2>Tiers 0+1 alone vs cascade (tier 2: ${escapeHtml(s.tier2)}${s.tier2Model ? `, model ${escapeHtml(s.tier2Model)}` : ''}, band [${s.band.join(', ')}])</h2>
${htmlTable(
  ['metric', 'tiers 0+1', 'cascade', 'change (points)'],
  [
    row('recall harmful', s.tier1Only.recall.harmful, s.cascade.recall.harmful),
    row('recall jailbreak', s.tier1Only.recall.jailbreak, s.cascade.recall.jailbreak),
    row('recall injection', s.tier1Only.recall.injection, s.cascade.recall.injection),
    row('FPR general', s.tier1Only.fpr.general, s.cascade.fpr.general),
    row('FPR borderline', s.tier1Only.fpr.borderline, s.cascade.fpr.borderline),
  ],
)}
${htmlTable(
  [
    'escalated: all rows',
    'benign',
    'per 1,000 benign',
    'general benign',
    'harmful',
    'jailbreak',
    'injection',
  ],
  [
    [
      pct(s.escalation.rate),
      pct(s.escalation.benignRate),
      s.escalation.perThousandBenign,
      pct(s.escalation.generalBenignRate),
      pct(s.escalation.byLabel.harmful ?? 0),
      pct(s.escalation.byLabel.jailbreak ?? 0),
      pct(s.escalation.byLabel.injection ?? 0),
    ],
  ],
)}
${htmlTable(
  ['tier-2 calls', 'p50 ms', 'p99 ms', 'max ms', 'outcomes'],
  [
    [
      s.tier2LatencyMs.calls,
      s.tier2LatencyMs.p50,
      s.tier2LatencyMs.p99,
      s.tier2LatencyMs.max,
      JSON.stringify(s.tier2Outcomes),
    ],
  ],
)}
`;
}
