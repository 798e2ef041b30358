import { SAFETY_CATEGORIES } from '../../lambdas/core/types';

export const LABELS = ['harmful', 'jailbreak', 'injection', 'benign'] as const;
export type Label = (typeof LABELS)[number];

/** One evaluated row, as written to decisions.jsonl. */
export interface EvalDecision {
  readonly id: string;
  readonly label: Label;
  readonly category: string | null;
  readonly source: string;
  /** Whether the row is in the classifier's validation split (never trained on). */
  readonly validation: boolean;
  readonly action: string;
  readonly detected: boolean;
  readonly flagged: readonly string[];
  readonly scores: Readonly<Record<string, number>>;
  readonly escalated: boolean;
  readonly latencyMs: number;
  /** Obfuscation applied before evaluation; absent for the original row. */
  readonly transform?: string;
}

export interface Rates {
  readonly recall: Readonly<Record<'harmful' | 'jailbreak' | 'injection', number>>;
  readonly fpr: Readonly<Record<'general' | 'borderline', number>>;
  readonly counts: Readonly<Record<string, number>>;
}

export function isBorderline(d: Pick<EvalDecision, 'label' | 'category'>): boolean {
  return d.label === 'benign' && (d.category ?? '').startsWith('borderline:');
}

/** Recall per attack label and false-positive rate on general and borderline benign rows. */
export function rates(rows: readonly EvalDecision[]): Rates {
  const tot: Record<string, number> = {};
  const hit: Record<string, number> = {};
  for (const r of rows) {
    const key = r.label === 'benign' ? (isBorderline(r) ? 'borderline' : 'general') : r.label;
    tot[key] = (tot[key] ?? 0) + 1;
    if (r.detected) hit[key] = (hit[key] ?? 0) + 1;
  }
  const ratio = (k: string) => round4((hit[k] ?? 0) / Math.max(1, tot[k] ?? 0));
  return {
    recall: { harmful: ratio('harmful'), jailbreak: ratio('jailbreak'), injection: ratio('injection') },
    fpr: { general: ratio('general'), borderline: ratio('borderline') },
    counts: tot,
  };
}

/** Recall (attack sources) or false-positive rate (benign sources) per source. */
export function perSource(rows: readonly EvalDecision[]) {
  const by = new Map<string, { label: Label; n: number; detected: number }>();
  for (const r of rows) {
    const e = by.get(r.source) ?? { label: r.label, n: 0, detected: 0 };
    e.n += 1;
    if (r.detected) e.detected += 1;
    by.set(r.source, e);
  }
  return [...by.entries()]
    .map(([source, e]) => ({
      source,
      label: e.label,
      rows: e.n,
      metric: e.label === 'benign' ? 'fpr' : 'recall',
      value: round4(e.detected / e.n),
    }))
    .sort((a, b) => a.label.localeCompare(b.label) || a.source.localeCompare(b.source));
}

/** The predicted class of a row: its top-scoring flagged safety category, or benign. */
export function predicted(d: EvalDecision): Label {
  let best: Label = 'benign';
  let bestScore = -1;
  for (const c of SAFETY_CATEGORIES) {
    if (!d.flagged.includes(c)) continue;
    const s = d.scores[c] ?? 0;
    if (s > bestScore) {
      best = c;
      bestScore = s;
    }
  }
  if (best === 'benign' && d.detected) return 'harmful';
  return best;
}

/** Confusion matrix: counts[label][predicted]. */
export function confusion(rows: readonly EvalDecision[]): Record<Label, Record<Label, number>> {
  const m = Object.fromEntries(
    LABELS.map((l) => [l, Object.fromEntries(LABELS.map((p) => [p, 0]))]),
  ) as Record<Label, Record<Label, number>>;
  for (const r of rows) m[r.label][predicted(r)] += 1;
  return m;
}

/** Nearest-rank percentile of an ascending-sorted sample (0 for an empty one). */
export function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? 0;
}

/** Nearest-rank percentile of an unsorted sample. */
export function percentile(values: readonly number[], p: number): number {
  return nearestRank(
    [...values].sort((a, b) => a - b),
    p,
  );
}

export interface CurvePoint {
  readonly threshold: number;
  readonly tpr: number;
  readonly fpr: number;
  readonly precision: number;
}

/**
 * ROC / PR points for "attack vs benign" using each row's highest safety-category score.
 * Scores are sorted once; one point per distinct score (capped to `maxPoints` evenly spaced).
 */
export function curve(rows: readonly EvalDecision[], maxPoints = 200): CurvePoint[] {
  const pts = rows
    .map((r) => ({
      s: Math.max(0, ...SAFETY_CATEGORIES.map((c) => r.scores[c] ?? 0)),
      pos: r.label !== 'benign',
    }))
    .sort((a, b) => b.s - a.s);
  const P = pts.filter((p) => p.pos).length;
  const N = pts.length - P;
  const out: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i]!;
    if (p.pos) tp++;
    else fp++;
    const next = pts[i + 1];
    if (next && next.s === p.s) continue;
    out.push({
      threshold: round4(p.s),
      tpr: round4(tp / Math.max(1, P)),
      fpr: round4(fp / Math.max(1, N)),
      precision: round4(tp / Math.max(1, tp + fp)),
    });
  }
  if (out.length <= maxPoints) return out;
  const step = out.length / maxPoints;
  const sampled: CurvePoint[] = [];
  for (let i = 0; i < maxPoints; i++) sampled.push(out[Math.floor(i * step)]!);
  sampled.push(out[out.length - 1]!);
  return sampled;
}

/** Area under the ROC curve by the trapezoid rule. */
export function auc(points: readonly CurvePoint[]): number {
  let area = 0;
  let prev = { fpr: 0, tpr: 0 };
  for (const p of points) {
    area += (p.fpr - prev.fpr) * (p.tpr + prev.tpr) * 0.5;
    prev = p;
  }
  area += (1 - prev.fpr) * (1 + prev.tpr) * 0.5;
  return round4(area);
}

export function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
