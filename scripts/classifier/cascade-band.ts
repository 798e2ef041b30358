/**
 * The tier-2 cascade as the engine runs it, simulated on scored rows, and the choice of its band
 * (training-time only; `npm run train:tier2` uses it on out-of-fold TRAIN scores).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { sig } from '../../classifier/model/training';
import { loadModel } from '../../lambdas/core/classifier';
import { decisionScore, inBand } from '../../lambdas/core/engine/scoring';
import { compilePolicy } from '../../lambdas/core/index';
import { type Metrics, metrics, type ProbRow, type TrainRow } from './training';

/** Largest share of benign requests the cascade may escalate (the target: 10 %). */
export const MAX_ESCALATION = 0.1;
/** Mean recall the band may give up, below the best feasible band, to escalate fewer requests. */
export const BAND_SLACK = 0.005;

export const meanRecall = (m: Metrics): number =>
  (m.recall.harmful + m.recall.jailbreak + m.recall.injection) / 3;

export interface Cascade {
  readonly m: Metrics;
  readonly benignEscalated: number;
}

/** The committed tier-1 model's thresholds and its canonical-text probabilities of `rows` (what the band sees). */
export function committedTier1(rows: readonly { readonly text: string }[]): { p1: ProbRow[]; th1: ProbRow } {
  const tier1 = loadModel();
  const th1: ProbRow = [
    tier1.thresholds.harmful ?? 1,
    tier1.thresholds.jailbreak ?? 1,
    tier1.thresholds.injection ?? 1,
  ];
  const p1 = rows.map((r): ProbRow => {
    const s = tier1.score(r.text);
    return [s.harmful ?? 0, s.jailbreak ?? 0, s.injection ?? 0];
  });
  return { p1, th1 };
}

/** The engine's cascade rule per category in decision-score space (tier-1 threshold at 0.5). */
export function simulate(
  rows: readonly TrainRow[],
  p1: readonly ProbRow[],
  th1: ProbRow,
  p2: readonly ProbRow[],
  th2: ProbRow,
  band: readonly [number, number],
): Cascade {
  let benign = 0;
  let escalated = 0;
  const probs = rows.map((r, i): ProbRow => {
    const out: [number, number, number] = [0, 0, 0];
    let esc = false;
    for (let c = 0; c < 3; c++) {
      const d1 = decisionScore(p1[i]![c]!, th1[c]!);
      if (inBand(d1, band)) {
        esc = true;
        out[c] = decisionScore(p2[i]![c]!, th2[c]!);
      } else out[c] = d1;
    }
    if (r.label === 'benign') {
      benign++;
      if (esc) escalated++;
    }
    return out;
  });
  return { m: metrics(rows, probs, [0.5, 0.5, 0.5]), benignEscalated: escalated / Math.max(1, benign) };
}

export type Banded = Cascade & {
  readonly band: [number, number];
  /** Tier-2 thresholds the cascade ran with. */
  readonly th2: ProbRow;
};

/** Candidate bands in decision-score space: [lo, hi) with lo ≤ 0.5 ≤ hi (tier 1's threshold inside). */
export function candidateBands(): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let lo = 0.01; lo <= 0.5 + 1e-9; lo += 0.01) {
    for (let hi = 0.5; hi <= 1.0 + 1e-9; hi += 0.02) {
      const band: [number, number] = [sig(lo, 4), sig(Math.min(hi, 1), 4)];
      if (band[0] < band[1]) out.push(band);
    }
  }
  return out;
}

/**
 * The cascade band and tier-2 thresholds, chosen out-of-fold on TRAIN against the tier-1 recipe's own
 * scores: among (band, tier-2 thresholds) pairs — every candidate band with every entry of `th2s` —
 * whose cascade keeps both FPRs at or below tier 1 alone and escalates at most
 * {@link MAX_ESCALATION} of benign rows, the best mean recall sets the target (minus
 * {@link BAND_SLACK}); the pair with the fewest escalated benign rows that reaches it wins. Also
 * returns, per escalation cap, the best mean recall any pair reaches (the trade-off the report shows).
 */
export function chooseBand(
  rows: readonly TrainRow[],
  p1: readonly ProbRow[],
  th1: ProbRow,
  p2: readonly ProbRow[],
  th2s: readonly ProbRow[],
  tier1: Metrics,
): { chosen: Banded; frontier: Array<{ cap: number; best: Banded }> } {
  const all = th2s.flatMap((th2) =>
    candidateBands().map((band): Banded => ({ ...simulate(rows, p1, th1, p2, th2, band), band, th2 })),
  );
  const atMostTier1Fpr = (c: Banded) =>
    c.m.fprGeneral <= tier1.fprGeneral + 1e-12 && c.m.fprBorderline <= tier1.fprBorderline + 1e-12;
  const fewer = (a: Banded, b: Banded) =>
    a.benignEscalated < b.benignEscalated ||
    (a.benignEscalated === b.benignEscalated && meanRecall(a.m) > meanRecall(b.m));
  const bestUnder = (cap: number): Banded | undefined => {
    let best: Banded | undefined;
    for (const c of all) {
      if (!atMostTier1Fpr(c) || c.benignEscalated > cap) continue;
      if (
        !best ||
        meanRecall(c.m) > meanRecall(best.m) ||
        (meanRecall(c.m) === meanRecall(best.m) && fewer(c, best))
      )
        best = c;
    }
    return best;
  };
  const top = bestUnder(MAX_ESCALATION);
  const target = Math.max(meanRecall(tier1), top ? meanRecall(top.m) - BAND_SLACK : 0);
  let chosen: Banded | undefined;
  for (const c of all) {
    if (!atMostTier1Fpr(c) || c.benignEscalated > MAX_ESCALATION || meanRecall(c.m) < target) continue;
    if (!chosen || fewer(c, chosen)) chosen = c;
  }
  // No band adds recall at tier 1's FPR: escalate as little as the grid allows.
  if (!chosen) for (const c of all) if (!chosen || fewer(c, chosen)) chosen = c;
  const frontier = [0.01, 0.025, 0.05, 0.1, 0.2].flatMap((cap) => {
    const best = bestUnder(cap);
    return best ? [{ cap, best }] : [];
  });
  return { chosen: chosen!, frontier };
}

/**
 * Sets `tier2.band` in a policy file, leaving the rest of the text as it is, and checks that the
 * result is a valid policy carrying exactly that band.
 */
export function writePolicyBand(file: string, band: readonly [number, number]): void {
  const text = readFileSync(file, 'utf8');
  const at = /("tier2"\s*:\s*\{[^{}]*?"band"\s*:\s*)\[[^\]]*\]/;
  if (!at.test(text)) throw new Error(`train:tier2: ${file} has no tier2.band to set`);
  const next = text.replace(at, (_m, head: string) => `${head}[${band.join(', ')}]`);
  const written = compilePolicy(JSON.parse(next), file).document.tier2.band;
  if (written[0] !== band[0] || written[1] !== band[1]) {
    throw new Error(`train:tier2: ${file}: tier2.band reads [${written.join(', ')}] after the edit`);
  }
  writeFileSync(file, next);
}
