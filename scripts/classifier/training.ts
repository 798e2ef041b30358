/**
 * Deterministic training of the tier-1 model (used by scripts/train.ts and the unit tests; never
 * imported at request time). Plain loops, a seeded shuffle, AdaGrad SGD with L2, class weights,
 * k-fold out-of-fold margins for Platt calibration and threshold choice, int8 quantisation.
 */

import { createHash } from 'node:crypto';
import { mulberry32, shuffleInPlace } from '../../classifier/model/training';
import {
  Accumulator,
  extractFeatures,
  type FeatureConfig,
  featureText,
  type SparseVector,
  windowsOf,
} from '../../lambdas/core/classifier/features';
import { LEXICON_VERSION } from '../../lambdas/core/classifier/lexicon';
import {
  createMarginScorer,
  MODEL_CATEGORIES,
  type ModelArtifact,
  type ModelCategory,
  type PlattParams,
  platt,
  SENTENCE_WINDOW_DEFAULTS,
} from '../../lambdas/core/classifier/model';
import { isValidationId } from '../eval/split';

/** Labels of the training data. */
export type Label = ModelCategory | 'benign';

/** One training row; `text` is already canonical. */
export interface TrainRow {
  readonly id: string;
  readonly text: string;
  readonly label: Label;
  /** Benign rows whose category starts with `borderline:` are hard negatives. */
  readonly borderline: boolean;
  readonly source: string;
  /**
   * Synthetic row derived from the row with this id (an augmentation): it is fitted in that row's fold
   * and never used for calibration, thresholds or metrics.
   */
  readonly augmentOf?: string;
  /**
   * A contrast negative: an augmentation that is a positive row of this category with the attack taken
   * out (set only with `augmentOf`, label benign). It takes part only in that category's problem, and is
   * fitted like a positive there — on its large-scale windows, with the positive class weight — so the
   * pair weighs the same and the model must put the difference on the attack.
   */
  readonly contrast?: ModelCategory;
  /**
   * How the engine reads this row, set by the recipe on real rows: the texts tier 1 scores (the
   * normaliser's views, line breaks kept) and whether a tier-0 finding already flags it. With it, the
   * row's out-of-fold margin is the serving scorer's (quantised weights, sentence windows) maximum over
   * those views, and a tier-0 hit counts as flagged when thresholds are chosen.
   */
  readonly served?: { readonly views: readonly string[]; readonly tier0: boolean };
}

/** Optimiser and selection settings. */
export interface TrainOptions {
  readonly features: FeatureConfig;
  readonly epochs: number;
  readonly learningRate: number;
  /** L2 strength per category head. */
  readonly l2: Readonly<Record<ModelCategory, number>>;
  readonly seed: number;
  /** Number of folds of TRAIN used for out-of-fold calibration and thresholds. */
  readonly folds: number;
  /**
   * Training weight of each window of a benign row: `share` — the row's weight split evenly over its
   * windows; `sqrt` — the row's weight over √(windows), so each window of a long benign text weighs more
   * than an even share (ADR 0052, measured again in ADR 0063). Positives always share.
   */
  readonly negativeWindows?: 'share' | 'sqrt';
  /**
   * How the three thresholds are chosen on out-of-fold scores: `greedy` — the mean-recall descent
   * ({@link chooseThresholds}, the committed artifact's rule); `balanced` — the exhaustive Kalai–Smorodinsky choice
   * ({@link chooseBalancedThresholds}), stable under small changes of the training rows (docs/classifier.md).
   */
  readonly thresholdRule?: 'greedy' | 'balanced';
  /** FPR budgets used when picking thresholds on out-of-fold scores. */
  readonly maxFprGeneral: number;
  readonly maxFprBorderline: number;
}

/** Defaults used by scripts/train.ts. */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  features: {
    buckets: 1 << 16,
    charMin: 4,
    charMax: 4,
    wordMax: 2,
    wordWeight: 1.5,
    conceptWeight: 4,
    lexicon: LEXICON_VERSION,
    windows: [
      [2048, 1024],
      [512, 256],
    ],
    maskEncoded: 24,
    normFloor: 120,
    maskSpaced: 6,
  },
  epochs: 12,
  learningRate: 0.3,
  l2: { harmful: 3e-3, jailbreak: 1e-4, injection: 1e-2 },
  seed: 20261127,
  folds: 4,
  negativeWindows: 'sqrt',
  maxFprGeneral: 0.008,
  maxFprBorderline: 0.095,
};

/** Bytes 4..8 of SHA-256(id) as a uint32: the fold bucket (bytes 0..4 decide the split). */
function foldHash(id: string): number {
  return createHash('sha256').update(id, 'utf8').digest().readUInt32BE(4);
}

/**
 * The split rule, shared with the evaluation so both always agree on which rows the model never saw
 * (scripts/eval/split.ts: SHA-256(id)[0..4] as uint32, mod 5 == 0 → validation).
 */
export const isValidation = isValidationId;

/** Out-of-fold assignment inside TRAIN: SHA-256(id)[4..8] as uint32, mod `folds`. */
export function foldOf(id: string, folds: number): number {
  return foldHash(id) % folds;
}

/** A window's vector; `primary` marks windows of the first (largest) scale or the whole text. */
export interface WindowVector extends SparseVector {
  readonly primary: boolean;
}

/** Window vectors of every row (computed once, reused by every fit). */
export function vectorize(rows: readonly TrainRow[], cfg: FeatureConfig): WindowVector[][] {
  const acc = new Accumulator(cfg.buckets, cfg.normFloor ?? 0);
  const first = cfg.windows[0]?.[0] ?? Number.POSITIVE_INFINITY;
  return rows.map((row) => {
    const text = featureText(row.text, cfg);
    const f = extractFeatures(text, cfg);
    const primaryLength = Math.min(text.length, first);
    return windowsOf(text.length, cfg).map(([s, e]) => {
      acc.fill(f, s, e);
      return { ...acc.toSparse(), primary: e - s === primaryLength };
    });
  });
}

/** A float binary model. */
interface BinaryModel {
  readonly w: Float64Array;
  bias: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Rows that take part in the binary problem of `cat`: its positives and all benign rows. */
function inProblem(row: TrainRow, cat: ModelCategory): boolean {
  if (row.contrast !== undefined) return row.contrast === cat;
  return row.label === cat || row.label === 'benign';
}

/** Trains one-vs-benign logistic regression for `cat` on rows `use` (indices). */
function trainBinary(
  rows: readonly TrainRow[],
  vecs: readonly WindowVector[][],
  use: readonly number[],
  cat: ModelCategory,
  opts: TrainOptions,
): BinaryModel {
  const members = use.filter((i) => inProblem(rows[i]!, cat));
  const nPos = members.filter((i) => rows[i]!.label === cat).length;
  const nNeg = members.length - nPos;
  const wPos = nPos > 0 ? members.length / (2 * nPos) : 0;
  const wNeg = nNeg > 0 ? members.length / (2 * nNeg) : 0;
  // Flatten to (row, window) examples; a row's weight is shared by its windows. Positives train on
  // their large-scale windows only (a small window of a long attack may be innocuous on its own);
  // negatives on every window, so that no window of a benign text learns to look like an attack.
  const ex: Array<{ v: SparseVector; y: number; weight: number }> = [];
  // A contrast negative is fitted like its positive twin (large-scale windows, positive weight): split
  // over all its windows at the negative weight it would weigh a few percent of its twin.
  for (const i of members) {
    const y = rows[i]!.label === cat ? 1 : 0;
    const likePositive = y === 1 || rows[i]!.contrast === cat;
    const ws = likePositive ? vecs[i]!.filter((v) => v.primary) : vecs[i]!;
    const split = likePositive || opts.negativeWindows !== 'sqrt' ? ws.length : Math.sqrt(ws.length);
    for (const v of ws) ex.push({ v, y, weight: (likePositive ? wPos : wNeg) / split });
  }
  const B = opts.features.buckets;
  const model: BinaryModel = { w: new Float64Array(B), bias: 0 };
  const g2 = new Float64Array(B).fill(1e-8);
  let g2b = 1e-8;
  const l2 = opts.l2[cat];
  const rand = mulberry32(opts.seed ^ (MODEL_CATEGORIES.indexOf(cat) + 1));
  const order = ex.map((_, i) => i);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    shuffleInPlace(order, rand);
    for (const k of order) {
      const { v, y, weight } = ex[k]!;
      let z = model.bias;
      for (let j = 0; j < v.idx.length; j++) z += model.w[v.idx[j]!]! * v.val[j]!;
      const g = (sigmoid(z) - y) * weight;
      for (let j = 0; j < v.idx.length; j++) {
        const b = v.idx[j]!;
        const grad = g * v.val[j]! + l2 * model.w[b]!;
        g2[b] = g2[b]! + grad * grad;
        model.w[b] = model.w[b]! - (opts.learningRate * grad) / Math.sqrt(g2[b]!);
      }
      g2b += g * g;
      model.bias -= (opts.learningRate * g) / Math.sqrt(g2b);
    }
  }
  return model;
}

function maxMargin(m: BinaryModel, ws: readonly SparseVector[]): number {
  let best = -Infinity;
  for (const v of ws) {
    let z = m.bias;
    for (let j = 0; j < v.idx.length; j++) z += m.w[v.idx[j]!]! * v.val[j]!;
    if (z > best) best = z;
  }
  return best;
}

/**
 * Platt scaling (Lin, Lin & Weng 2007 form): fits p = 1 / (1 + exp(a·m + b)) by Newton's method with
 * backtracking on the regularised targets. Deterministic.
 */
export function fitPlatt(margins: readonly number[], labels: readonly boolean[]): PlattParams {
  const nPos = labels.filter(Boolean).length;
  const nNeg = labels.length - nPos;
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (nNeg + 2);
  const t = labels.map((y) => (y ? hi : lo));
  let a = 0;
  let b = Math.log((nNeg + 1) / (nPos + 1));
  const loss = (A: number, B: number): number => {
    let f = 0;
    for (let i = 0; i < margins.length; i++) {
      const fApB = margins[i]! * A + B;
      f +=
        fApB >= 0
          ? t[i]! * fApB + Math.log1p(Math.exp(-fApB))
          : (t[i]! - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return f;
  };
  let fval = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let h11 = 1e-12;
    let h22 = 1e-12;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < margins.length; i++) {
      const m = margins[i]!;
      const p = platt(m, { a, b });
      const d2 = p * (1 - p);
      h11 += m * m * d2;
      h22 += d2;
      h21 += m * d2;
      const d1 = t[i]! - p;
      g1 += m * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-6 && Math.abs(g2) < 1e-6) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    for (; step >= 1e-10; step /= 2) {
      const na = a + step * dA;
      const nb = b + step * dB;
      const nf = loss(na, nb);
      if (nf < fval + 1e-4 * step * gd) {
        a = na;
        b = nb;
        fval = nf;
        break;
      }
    }
    if (step < 1e-10) break;
  }
  return { a, b };
}

/** Per-row calibrated probabilities, MODEL_CATEGORIES order. */
export type ProbRow = readonly [number, number, number];

/** Detection metrics of a set of rows at given thresholds. */
export interface Metrics {
  /** Share of rows of each attack label flagged by ANY category (what the policy acts on). */
  readonly recall: Record<ModelCategory, number>;
  /** Share of rows of each attack label flagged by their OWN category. */
  readonly recallOwn: Record<ModelCategory, number>;
  readonly fprGeneral: number;
  readonly fprBorderline: number;
  readonly counts: Record<Label | 'borderline', number>;
}

function flagged(p: ProbRow, t: ProbRow): boolean {
  return p[0] >= t[0] || p[1] >= t[1] || p[2] >= t[2];
}

/** Computes {@link Metrics}. */
export function metrics(rows: readonly TrainRow[], probs: readonly ProbRow[], t: ProbRow): Metrics {
  const hit = { harmful: 0, jailbreak: 0, injection: 0 };
  const own = { harmful: 0, jailbreak: 0, injection: 0 };
  const counts = { harmful: 0, jailbreak: 0, injection: 0, benign: 0, borderline: 0 };
  let fpG = 0;
  let fpB = 0;
  rows.forEach((row, i) => {
    const p = probs[i]!;
    const f = flagged(p, t);
    if (row.label === 'benign') {
      if (row.borderline) {
        counts.borderline++;
        if (f) fpB++;
      } else {
        counts.benign++;
        if (f) fpG++;
      }
      return;
    }
    counts[row.label]++;
    if (f) hit[row.label]++;
    const c = MODEL_CATEGORIES.indexOf(row.label);
    if (p[c]! >= t[c]!) own[row.label]++;
  });
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    recall: {
      harmful: ratio(hit.harmful, counts.harmful),
      jailbreak: ratio(hit.jailbreak, counts.jailbreak),
      injection: ratio(hit.injection, counts.injection),
    },
    recallOwn: {
      harmful: ratio(own.harmful, counts.harmful),
      jailbreak: ratio(own.jailbreak, counts.jailbreak),
      injection: ratio(own.injection, counts.injection),
    },
    fprGeneral: ratio(fpG, counts.benign),
    fprBorderline: ratio(fpB, counts.borderline),
    counts,
  };
}

/**
 * Each row's group for the threshold choices — 0..2 the attack labels (MODEL_CATEGORIES order), 3 general benign,
 * 4 borderline — and the size of each group.
 */
function groupsOf(rows: readonly TrainRow[]): { readonly group: Int8Array; readonly size: number[] } {
  const group = new Int8Array(rows.length);
  const size = [0, 0, 0, 0, 0];
  rows.forEach((r, i) => {
    const g = r.label === 'benign' ? (r.borderline ? 4 : 3) : MODEL_CATEGORIES.indexOf(r.label);
    group[i] = g;
    size[g]!++;
  });
  return { group, size };
}

/**
 * Joint choice of the three thresholds on out-of-fold TRAIN scores, maximising mean recall (a row
 * counts as detected when any head flags it) under both FPR budgets. Candidates: the budgets split
 * among the heads on a 10 % grid (each head gets the lowest threshold its share allows), each refined
 * by a greedy descent, plus a greedy descent from "nothing flagged". The best feasible one wins.
 *
 * The greedy descent repeatedly lowers the one threshold whose next step (to the next unflagged attack
 * row's score) buys the most mean recall per unit of FPR budget, while both budgets hold. Each head
 * walks its rows in descending score order from where its threshold stands, and the flagged counts are
 * kept as the descent goes, so a step costs the rows it passes rather than a pass over every row; the
 * choice is the same as recomputing {@link metrics} for every trial (unit test against that form).
 */
export function chooseThresholds(
  rows: readonly TrainRow[],
  probs: readonly ProbRow[],
  maxFprGeneral: number,
  maxFprBorderline: number,
): ProbRow {
  const n = rows.length;
  const { group, size } = groupsOf(rows);
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  const meanRecall = (h: readonly number[]): number =>
    (ratio(h[0]!, size[0]!) + ratio(h[1]!, size[1]!) + ratio(h[2]!, size[2]!)) / 3;
  const byScore = [0, 1, 2].map((c) =>
    Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b]![c]! - probs[a]![c]! || a - b),
  );

  const descend = (start: ProbRow): { t: number[]; objective: number } | undefined => {
    const t = [start[0], start[1], start[2]];
    const flagged = new Uint8Array(n);
    const hits = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const p = probs[i]!;
      if (p[0] >= t[0]! || p[1] >= t[1]! || p[2] >= t[2]!) {
        flagged[i] = 1;
        hits[group[i]!]!++;
      }
    }
    if (ratio(hits[3]!, size[3]!) > maxFprGeneral || ratio(hits[4]!, size[4]!) > maxFprBorderline) {
      return undefined;
    }
    const from = [0, 0, 0];
    const step = [0, 0, 0, 0, 0];
    for (;;) {
      let best: { c: number; next: number; ratio: number } | undefined;
      for (let c = 0; c < 3; c++) {
        const order = byScore[c]!;
        let k = from[c]!;
        while (k < n && probs[order[k]!]![c]! >= t[c]!) k++;
        from[c] = k;
        // The next unflagged attack row's score, and every unflagged row at or above it.
        let next = -1;
        step.fill(0);
        for (let j = k; j < n; j++) {
          const i = order[j]!;
          if (flagged[i]) continue;
          const p = probs[i]![c]!;
          if (next >= 0 && p < next) break;
          if (next < 0 && group[i]! < 3) next = p;
          step[group[i]!]!++;
        }
        if (next <= 0.02) continue;
        const general = ratio(hits[3]! + step[3]!, size[3]!);
        const border = ratio(hits[4]! + step[4]!, size[4]!);
        if (general > maxFprGeneral || border > maxFprBorderline) continue;
        const gain = meanRecall(hits.map((h, g) => h + step[g]!)) - meanRecall(hits);
        const cost =
          (general - ratio(hits[3]!, size[3]!)) / maxFprGeneral +
          (border - ratio(hits[4]!, size[4]!)) / maxFprBorderline;
        const r = gain / (cost + 1e-3);
        if (!best || r > best.ratio) best = { c, next, ratio: r };
      }
      if (!best) break;
      const { c, next } = best;
      t[c] = next;
      const order = byScore[c]!;
      for (let j = from[c]!; j < n; j++) {
        const i = order[j]!;
        if (probs[i]![c]! < next) break;
        if (!flagged[i]) {
          flagged[i] = 1;
          hits[group[i]!]!++;
        }
      }
    }
    return { t, objective: meanRecall(hits) };
  };

  /** Lowest threshold for head `c` that flags at most `kGeneral` general and `kBorder` borderline rows. */
  const benignScores = (c: number, borderline: boolean): number[] =>
    rows
      .flatMap((r, i) => (r.label === 'benign' && r.borderline === borderline ? [probs[i]![c]!] : []))
      .sort((a, b) => b - a);
  const general = [0, 1, 2].map((c) => benignScores(c, false));
  const border = [0, 1, 2].map((c) => benignScores(c, true));
  const forBudget = (c: number, kGeneral: number, kBorder: number): number =>
    Math.min(1.0001, Math.max(general[c]![kGeneral] ?? -1, border[c]![kBorder] ?? -1) + 1e-9);

  let best = descend([1.0001, 1.0001, 1.0001])!;
  for (let a = 0; a <= 10; a++) {
    for (let b = 0; a + b <= 10; b++) {
      const shares = [a / 10, b / 10, (10 - a - b) / 10];
      const at = (c: number): number => {
        const share = shares[c] ?? 0;
        if (share === 0) return 1.0001;
        return forBudget(
          c,
          Math.floor(share * maxFprGeneral * size[3]!),
          Math.floor(share * maxFprBorderline * size[4]!),
        );
      };
      const candidate = descend([at(0), at(1), at(2)]);
      if (candidate && candidate.objective > best.objective) best = candidate;
    }
  }
  const t = best.t;
  return [Math.min(t[0]!, 1), Math.min(t[1]!, 1), Math.min(t[2]!, 1)];
}

/** Candidate thresholds per head in {@link chooseBalancedThresholds}: at most this many distinct attack scores. */
export const BALANCED_GRID = 250;

/**
 * Joint choice of the three thresholds on out-of-fold TRAIN scores by balance: the triple within both FPR budgets
 * whose weakest category keeps the largest share of its solo recall (the recall its head reaches alone with the whole
 * budget), then the higher mean recall, then the first found (the Kalai–Smorodinsky choice). Searched exhaustively:
 * harmful and jailbreak thresholds over at most {@link BALANCED_GRID} of their attack rows' distinct scores each (every
 * k-th, highest first), the injection threshold the lowest the budget left allows. A row counts as detected when any
 * head flags it. Unlike the greedy mean-recall descent ({@link chooseThresholds}), whose allocation jumped between
 * categories when 11 of 12,006 training rows changed, this one moves with the scores (docs/classifier.md). Opt-in:
 * `npm run train -- --threshold-rule balanced`.
 */
export function chooseBalancedThresholds(
  rows: readonly TrainRow[],
  probs: readonly ProbRow[],
  maxFprGeneral: number,
  maxFprBorderline: number,
): ProbRow {
  const n = rows.length;
  const { group, size } = groupsOf(rows);
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  const okG = (k: number): boolean => ratio(k, size[3]!) <= maxFprGeneral;
  const okB = (k: number): boolean => ratio(k, size[4]!) <= maxFprBorderline;
  /** The lowest threshold for head `c` over `rows` (indices, by descending score) that keeps the budget. */
  const lowest = (
    order: readonly number[],
    c: number,
    flagged: Uint8Array | undefined,
    g0: number,
    b0: number,
  ) => {
    let general = g0;
    let border = b0;
    for (const i of order) {
      if (flagged?.[i]) continue;
      const g = group[i]!;
      if (g < 3) continue;
      if (g === 3 ? !okG(general + 1) : !okB(border + 1)) return probs[i]![c]! + 1e-9;
      g === 3 ? general++ : border++;
    }
    return 0;
  };
  const byScore = [0, 1, 2].map((c) =>
    Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b]![c]! - probs[a]![c]! || a - b),
  );
  const benignBy2 = byScore[2]!.filter((i) => group[i]! >= 3);
  // Each head alone with the whole budget.
  const solo = [0, 1, 2].map((c) => {
    const t = Math.min(1.0001, lowest(byScore[c]!, c, undefined, 0, 0));
    let hit = 0;
    for (let i = 0; i < n; i++) if (group[i] === c && probs[i]![c]! >= t) hit++;
    return ratio(hit, size[c]!);
  });
  const grid = (c: number): number[] => {
    const scores = [...new Set(byScore[c]!.filter((i) => group[i]! < 3).map((i) => probs[i]![c]!))];
    const step = Math.max(1, Math.ceil(scores.length / BALANCED_GRID));
    const out = scores.filter((_, k) => k % step === 0);
    out.push(1.0001);
    return out;
  };
  const g0 = grid(0);
  const g1 = grid(1);
  const flagged = new Uint8Array(n);
  let best: { t: ProbRow; share: number; mean: number } | undefined;
  for (const t0 of g0) {
    for (const t1 of g1) {
      let general = 0;
      let border = 0;
      for (let i = 0; i < n; i++) {
        const p = probs[i]!;
        const f = p[0] >= t0 || p[1] >= t1 ? 1 : 0;
        flagged[i] = f;
        if (f && group[i]! === 3) general++;
        else if (f && group[i]! === 4) border++;
      }
      if (!okG(general) || !okB(border)) continue;
      const t2 = Math.min(1.0001, lowest(benignBy2, 2, flagged, general, border));
      const hits = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        const g = group[i]!;
        if (g < 3 && (flagged[i] || probs[i]![2]! >= t2)) hits[g]!++;
      }
      const recalls = hits.map((h, g) => ratio(h, size[g]!));
      const share = Math.min(...recalls.map((r, k) => (solo[k]! > 0 ? r / solo[k]! : 1)));
      const mean = (recalls[0]! + recalls[1]! + recalls[2]!) / 3;
      if (!best || share > best.share || (share === best.share && mean > best.mean))
        best = { t: [t0, t1, t2], share, mean };
    }
  }
  const t = best?.t ?? [1.0001, 1.0001, 1.0001];
  return [Math.min(t[0], 1), Math.min(t[1], 1), Math.min(t[2], 1)];
}

/** Result of {@link trainModel}: the artifact plus diagnostics for the report. */
export interface TrainResult {
  readonly artifact: ModelArtifact;
  readonly oof: Metrics;
  /** Calibrated out-of-fold probabilities of the real (non-augmented) rows, in input order. */
  readonly oofProbs: readonly ProbRow[];
}

function sig(x: number, digits = 8): number {
  return Number(x.toPrecision(digits));
}

/** Quantises float weights of the three categories into the interleaved int8 layout. */
function quantize(models: readonly BinaryModel[], buckets: number): { data: Buffer; scales: number[] } {
  const scales = models.map((m) => {
    let max = 0;
    for (let i = 0; i < buckets; i++) max = Math.max(max, Math.abs(m.w[i]!));
    return sig(max > 0 ? max / 127 : 1);
  });
  const data = Buffer.alloc(buckets * models.length);
  for (let b = 0; b < buckets; b++) {
    models.forEach((m, c) => {
      const q = Math.max(-127, Math.min(127, Math.round(m.w[b]! / scales[c]!)));
      data.writeInt8(q, b * models.length + c);
    });
  }
  return { data, scales };
}

/**
 * Max-window margins of every row from models trained on the other folds (k-fold inside TRAIN). A row
 * with {@link TrainRow.served} views is scored as the engine scores it: the fold's quantised weights in
 * the serving scorer (sentence windows too), maximum over its views.
 */
export function outOfFoldMargins(
  rows: readonly TrainRow[],
  vecs: readonly WindowVector[][],
  opts: TrainOptions,
): number[][] {
  const all = rows.map((_, i) => i);
  const fold = rows.map((r) => foldOf(r.augmentOf ?? r.id, opts.folds));
  const oof = rows.map(() => [0, 0, 0]);
  for (let f = 0; f < opts.folds; f++) {
    const trainIdx = all.filter((i) => fold[i] !== f);
    const models = MODEL_CATEGORIES.map((c) => trainBinary(rows, vecs, trainIdx, c, opts));
    let scorer: ReturnType<typeof createMarginScorer> | undefined;
    for (const i of all) {
      const row = rows[i]!;
      if (fold[i] !== f || row.augmentOf !== undefined) continue;
      if (row.served !== undefined) {
        scorer ??= servingScorer(models, opts.features);
        const best = [-Infinity, -Infinity, -Infinity];
        for (const view of row.served.views) {
          const m = scorer.maxMargins(view);
          for (let c = 0; c < 3; c++) best[c] = Math.max(best[c]!, m[c]!);
        }
        oof[i] = best;
        continue;
      }
      models.forEach((m, c) => {
        oof[i]![c] = maxMargin(m, vecs[i]!);
      });
    }
  }
  return oof;
}

/** The scorer the engine would run on these models once quantised into an artifact. */
function servingScorer(
  models: readonly BinaryModel[],
  cfg: FeatureConfig,
): ReturnType<typeof createMarginScorer> {
  const { data, scales } = quantize(models, cfg.buckets);
  const weights = new Int8Array(data.buffer, data.byteOffset, data.length);
  return createMarginScorer(
    cfg,
    weights,
    scales,
    models.map((m) => sig(m.bias)),
    SENTENCE_WINDOW_DEFAULTS,
  );
}

/**
 * Trains the full model on `rows` (TRAIN only): out-of-fold margins over `folds` folds → Platt
 * parameters and thresholds; then a final fit on all rows, quantised into an artifact.
 */
export function trainModel(
  rows: readonly TrainRow[],
  opts: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  meta: Readonly<Record<string, unknown>> = {},
): TrainResult {
  const vecs = vectorize(rows, opts.features);
  const all = rows.map((_, i) => i);
  const oofAll = outOfFoldMargins(rows, vecs, opts);
  // Calibration, thresholds and metrics use real rows only (augmentations are fitted, never scored).
  const realIdx = all.filter((i) => rows[i]!.augmentOf === undefined);
  const real = realIdx.map((i) => rows[i]!);
  const oofMargins = realIdx.map((i) => oofAll[i]!);
  const params = MODEL_CATEGORIES.map((cat, c) => {
    const idx = real.map((_, k) => k).filter((k) => inProblem(real[k]!, cat));
    const p = fitPlatt(
      idx.map((k) => oofMargins[k]![c]!),
      idx.map((k) => real[k]!.label === cat),
    );
    return { a: sig(p.a), b: sig(p.b) };
  });
  const oofProbs: ProbRow[] = oofMargins.map(
    (m) => [platt(m[0]!, params[0]!), platt(m[1]!, params[1]!), platt(m[2]!, params[2]!)] as const,
  );
  // A row tier 0 already flags is detected whatever tier 1 says (the engine acts on either).
  const decided: ProbRow[] = oofProbs.map((p, k) => (real[k]!.served?.tier0 ? [1, 1, 1] : p));
  const choose = opts.thresholdRule === 'balanced' ? chooseBalancedThresholds : chooseThresholds;
  const t = choose(real, decided, opts.maxFprGeneral, opts.maxFprBorderline);
  const oof = metrics(real, decided, t);

  const served = real.some((r) => r.served !== undefined);
  const servedNote = served ? ' (served: quantised, sentence windows, max over the engine views)' : '';
  const finals = MODEL_CATEGORIES.map((c) => trainBinary(rows, vecs, all, c, opts));
  const { data, scales } = quantize(finals, opts.features.buckets);
  const body = {
    format: 'csp-linear-v1' as const,
    categories: [...MODEL_CATEGORIES],
    features: opts.features,
    weights: {
      encoding: 'int8-base64' as const,
      scales,
      bias: finals.map((m) => sig(m.bias)),
      data: data.toString('base64'),
    },
    calibration: {
      method: 'platt' as const,
      params: { harmful: params[0]!, jailbreak: params[1]!, injection: params[2]! },
    },
    thresholds: { harmful: sig(t[0], 6), jailbreak: sig(t[1], 6), injection: sig(t[2], 6) },
    training: {
      ...meta,
      optimizer: `adagrad-sgd epochs=${opts.epochs} lr=${opts.learningRate} l2=${JSON.stringify(opts.l2)} seed=${opts.seed}`,
      classWeights: `balanced per binary problem (positives vs benign)${opts.negativeWindows === 'sqrt' ? "; benign windows at the row's weight over sqrt(windows)" : ''}`,
      calibration: `platt on ${opts.folds}-fold out-of-fold max-window margins of TRAIN${servedNote}`,
      thresholdRule: `${opts.thresholdRule === 'balanced' ? 'balanced (Kalai-Smorodinsky) exhaustive' : 'greedy'} joint choice on out-of-fold TRAIN scores${served ? ', tier-0 hits counted as flagged' : ''}, fprGeneral<=${opts.maxFprGeneral}, fprBorderline<=${opts.maxFprBorderline}`,
      oofMetrics: roundMetrics(oof),
    },
  };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  const { format, ...rest } = body;
  return { artifact: { format, version, ...rest }, oof, oofProbs };
}

/** Metrics rounded for printing and storing. */
export function roundMetrics(m: Metrics): Metrics {
  const r = (x: number): number => Math.round(x * 10000) / 10000;
  return {
    recall: {
      harmful: r(m.recall.harmful),
      jailbreak: r(m.recall.jailbreak),
      injection: r(m.recall.injection),
    },
    recallOwn: {
      harmful: r(m.recallOwn.harmful),
      jailbreak: r(m.recallOwn.jailbreak),
      injection: r(m.recallOwn.injection),
    },
    fprGeneral: r(m.fprGeneral),
    fprBorderline: r(m.fprBorderline),
    counts: m.counts,
  };
}
