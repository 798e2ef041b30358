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
  /** Recall and FPR per obfuscation technique, on the headline rows. */
  readonly byTransform: Readonly<Record<string, TransformRates>>;
  /** All techniques together (every transformed row in scope); absent when none ran. */
  readonly transformsOverall?: Rates & {
    readonly rows: number;
    readonly techniques: number;
    readonly benignFpr: number;
  };
  /** Recall vs padding size and position (`--dilution`). */
  readonly dilution?: DilutionReport;
  /** Recall per language (`--multilingual`). */
  readonly multilingual?: MultilingualReport;
}

/** Recall and benign FPR of one language's rows. */
export interface LanguageRates {
  readonly harmfulRows: number;
  readonly benignRows: number;
  readonly recallHarmful: number;
  readonly benignFpr: number;
  /** Translations whose source row was not in the data (not scored). */
  readonly missing: number;
}

/** Harmful recall and benign FPR per language, with the English source rows as the reference. */
export interface MultilingualReport {
  readonly source: string;
  readonly english: LanguageRates;
  readonly byLanguage: Readonly<Record<string, LanguageRates>>;
}

/** Recall of harmful requests diluted in benign text, by padding size and position (and the benign control). */
export interface DilutionReport {
  readonly harmfulRows: number;
  readonly benignRows: number;
  readonly positions: readonly string[];
  readonly cells: readonly DilutionCell[];
}

export interface DilutionCell {
  readonly paddingChars: number;
  /** Rows behind this cell (large paddings use a smaller sample). */
  readonly harmfulRows: number;
  readonly benignRows: number;
  /** Harmful recall per position. */
  readonly recall: Readonly<Record<string, number>>;
  /** Benign control rows flagged, per position. */
  readonly benignFpr: Readonly<Record<string, number>>;
  readonly latencyMsP50: number;
  /** Requests the parser refused (over the size limit): counted as not detected. */
  readonly rejected: number;
}

/** One technique's figures: recall per attack label, FPR on its benign variants, examples to inspect. */
export interface TransformRates extends Rates {
  readonly rows: number;
  /** The technique's family (e.g. `encoding`), when the caller knows it. */
  readonly family?: string;
  /** False-positive rate over all benign variants (general and borderline together). */
  readonly benignFpr: number;
  /** Up to five ids of attack rows the technique got past, and of benign rows it got flagged. */
  readonly examples: { readonly missed: readonly string[]; readonly falsePositives: readonly string[] };
}

export interface ReportInput {
  readonly decisions: readonly EvalDecision[];
  readonly transformed: readonly EvalDecision[];
  readonly skipped: SkippedRows;
  readonly scope: 'validation' | 'all';
  readonly splitRule: string;
  readonly policy: { readonly name: string; readonly version: string };
  readonly modelVersion: string;
  /** Family of each technique name, shown beside its figures. @default none */
  readonly families?: Readonly<Record<string, string>>;
  /** The dilution sweep, when it ran. @default none */
  readonly dilution?: DilutionReport;
  /** The multilingual figures, when they ran. @default none */
  readonly multilingual?: MultilingualReport;
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
      [...byT.entries()].map(([t, rows]) => [t, transformRates(rows, input.families?.[t])]),
    ),
    ...(byT.size > 0
      ? {
          transformsOverall: (() => {
            const all = [...byT.values()].flat();
            return {
              rows: all.length,
              techniques: byT.size,
              ...rates(all),
              benignFpr: benignFpr(all),
            };
          })(),
        }
      : {}),
    ...(input.dilution ? { dilution: input.dilution } : {}),
    ...(input.multilingual ? { multilingual: input.multilingual } : {}),
  };
}

function benignFpr(rows: readonly EvalDecision[]): number {
  const benign = rows.filter((r) => r.label === 'benign');
  return round4(benign.filter((r) => r.detected).length / Math.max(1, benign.length));
}

function transformRates(rows: readonly EvalDecision[], family: string | undefined): TransformRates {
  return {
    rows: rows.length,
    ...(family ? { family } : {}),
    ...rates(rows),
    benignFpr: benignFpr(rows),
    examples: {
      missed: rows
        .filter((r) => r.label !== 'benign' && !r.detected)
        .slice(0, 5)
        .map((r) => r.id),
      falsePositives: rows
        .filter((r) => r.label === 'benign' && r.detected)
        .slice(0, 5)
        .map((r) => r.id),
    },
  };
}

/**
 * Per-technique regressions: for every technique in both reports, a recall drop (any attack label with
 * rows in both) or a benign false-positive rise larger than `margin` (absolute). One line each.
 */
export function transformRegressions(
  current: Pick<EvalReport, 'byTransform'>,
  baseline: Pick<EvalReport, 'byTransform'>,
  margin: number,
): string[] {
  const out: string[] = [];
  for (const [name, cur] of Object.entries(current.byTransform)) {
    const base = baseline.byTransform?.[name];
    if (!base) continue;
    for (const k of ['harmful', 'jailbreak', 'injection'] as const) {
      if (!(cur.counts[k] ?? 0) || !(base.counts[k] ?? 0)) continue;
      const drop = base.recall[k] - cur.recall[k];
      if (drop > margin)
        out.push(`${name}: recall.${k} fell ${pct(drop)} (${pct(base.recall[k])} → ${pct(cur.recall[k])})`);
    }
    const baseFpr = base.benignFpr ?? 0;
    const rise = cur.benignFpr - baseFpr;
    if (rise > margin)
      out.push(`${name}: benign FPR rose ${pct(rise)} (${pct(baseFpr)} → ${pct(cur.benignFpr)})`);
  }
  return out;
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
