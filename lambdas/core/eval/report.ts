import {
  auc,
  confusion,
  curve,
  type EvalDecision,
  percentile,
  perSource,
  type Rates,
  rates,
  round4,
} from './metrics';

export const REPORT_SCHEMA = 'csp.eval-report/v1';

export interface SkippedRows {
  readonly count: number;
  readonly byLabel: Readonly<Record<string, number>>;
  readonly examples: readonly string[];
}

export interface EvalReport extends Rates {
  readonly schema: typeof REPORT_SCHEMA;
  readonly policy: { readonly name: string; readonly version: string };
  readonly model: { readonly version: string };
  /** Which rows the headline figures are computed on. */
  readonly split: { readonly scope: 'validation' | 'all'; readonly rule: string };
  readonly rows: number;
  readonly skipped: SkippedRows;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly tier2EscalationRate: number;
  readonly bySource: ReturnType<typeof perSource>;
  readonly confusion: ReturnType<typeof confusion>;
  readonly roc: { readonly auc: number; readonly points: ReturnType<typeof curve> };
  /** Same figures on every scored row, including rows the model trained on (optimistic). */
  readonly allRows: Rates & { readonly rows: number };
  /** Recall and FPR per obfuscation, on the headline rows. */
  readonly byTransform: Readonly<Record<string, Rates & { readonly rows: number }>>;
}

export interface ReportInput {
  readonly decisions: readonly EvalDecision[];
  readonly transformed: readonly EvalDecision[];
  readonly skipped: SkippedRows;
  readonly scope: 'validation' | 'all';
  readonly splitRule: string;
  readonly policy: { readonly name: string; readonly version: string };
  readonly modelVersion: string;
}

/** Builds the report from per-row decisions. Pure. */
export function buildReport(input: ReportInput): EvalReport {
  const inScope = (d: EvalDecision) => input.scope === 'all' || d.validation;
  const head = input.decisions.filter(inScope);
  const lat = head.map((d) => d.latencyMs);
  const byT = new Map<string, EvalDecision[]>();
  for (const d of input.transformed) {
    if (!inScope(d) || !d.transform) continue;
    const list = byT.get(d.transform) ?? [];
    list.push(d);
    byT.set(d.transform, list);
  }
  const points = curve(head);
  return {
    schema: REPORT_SCHEMA,
    policy: input.policy,
    model: { version: input.modelVersion },
    split: { scope: input.scope, rule: input.splitRule },
    rows: head.length,
    skipped: input.skipped,
    ...rates(head),
    latencyMs: {
      p50: round4(percentile(lat, 50)),
      p90: round4(percentile(lat, 90)),
      p99: round4(percentile(lat, 99)),
      max: round4(percentile(lat, 100)),
    },
    tier2EscalationRate: round4(head.filter((d) => d.escalated).length / Math.max(1, head.length)),
    bySource: perSource(head),
    confusion: confusion(head),
    roc: { auc: auc(points), points },
    allRows: { rows: input.decisions.length, ...rates(input.decisions) },
    byTransform: Object.fromEntries(
      [...byT.entries()].map(([t, rows]) => [t, { rows: rows.length, ...rates(rows) }]),
    ),
  };
}

/**
 * Compares a report with a baseline: a recall drop or a false-positive rise larger than `margin`
 * (absolute) is a regression. Returns one line per regression; empty when the change is acceptable.
 */
export function regressions(current: Rates, baseline: Rates, margin: number): string[] {
  const out: string[] = [];
  for (const k of ['harmful', 'jailbreak', 'injection'] as const) {
    const drop = baseline.recall[k] - current.recall[k];
    if (drop > margin)
      out.push(`recall.${k} fell ${pct(drop)} (${pct(baseline.recall[k])} → ${pct(current.recall[k])})`);
  }
  for (const k of ['general', 'borderline'] as const) {
    const rise = current.fpr[k] - baseline.fpr[k];
    if (rise > margin)
      out.push(`fpr.${k} rose ${pct(rise)} (${pct(baseline.fpr[k])} → ${pct(current.fpr[k])})`);
  }
  return out;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
