/**
 * Probe (ADR 0046, not adopted): an order-aware tier 2 — a 1-D convolution over windows of `--width`
 * GloVe vectors, ReLU, max-pooled over the text — beside tier 2's pooled features, residual on the
 * tier-1 recipe logit, trained end to end (convolution included) with Adam. Prints the out-of-fold
 * TRAIN figures, the band the ADR 0024 rule picks, and the validation figures with the committed
 * tier 1 (canonical view, no tier 0, as `npm run train:tier2` prints them). TRAIN split only; the
 * validation rows are scored, never fitted or used for a choice.
 *
 *   npm run train:tier2 -- --out /tmp/t2.json --policy none   # leaves the recipe fit in .cache/
 *   npx tsx scripts/tier2-cnn-probe.ts --artifact /tmp/t2.json --recipe .cache/tier2-tier1-recipe-<hash>.json
 *        [--data ../shared/data/dev] [--filters 32] [--width 3] [--epochs 6] [--max-tokens 64]
 *        [--hidden 0] [--l2 1e-3] [--lr 1e-3]
 *
 * `--artifact` gives the vocabulary and vectors and the stacked n-gram model (for validation rows);
 * `--recipe` the tier-1 recipe's out-of-fold TRAIN probabilities that `train:tier2` cached. Same
 * arguments, same output (seeded PRNG, fixed visiting order).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  decodeEmbeddings,
  inputWidth,
  plattProb,
  pool,
  pooledWidth,
  TIER1_LOGIT_DIVISOR,
  type Tier2Artifact,
  tier1Logit,
  tokens,
} from '../classifier/model/tier2';
import { headTargets, mulberry32, shuffleInPlace, sig, standardisation } from '../classifier/model/training';
import { loadModel } from '../lambdas/core/classifier';
import { chooseBand, committedTier1, meanRecall, simulate } from './classifier/cascade-band';
import { readLabelledRows } from './classifier/recipe';
import {
  chooseThresholds,
  fitPlatt,
  foldOf,
  type Metrics,
  metrics,
  type ProbRow,
} from './classifier/training';
import { isValidationId } from './eval/split';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const F = Number(arg('--filters', '32'));
const K = Number(arg('--width', '3'));
const EPOCHS = Number(arg('--epochs', '6'));
const HID = Number(arg('--hidden', '0'));
const L2 = Number(arg('--l2', '1e-3'));
const LR = Number(arg('--lr', '1e-3'));
const MAXT = Number(arg('--max-tokens', '64'));
const SEED = 20261207;
const cats = ['harmful', 'jailbreak', 'injection'] as const;

const art = JSON.parse(readFileSync(arg('--artifact', '/tmp/t2-base.json'), 'utf8')) as Tier2Artifact;
const recipeFile = arg('--recipe', '');
if (!recipeFile) throw new Error('tier2-cnn-probe: --recipe <.cache/tier2-tier1-recipe-*.json> is required');
const recipe = JSON.parse(readFileSync(recipeFile, 'utf8')) as {
  probs: ProbRow[];
  thresholds: ProbRow;
  oof: Metrics;
};
const emb = decodeEmbeddings(art.embeddings);
const D = emb.dim;
const E = emb.vectors;
const linear = loadModel(art.linear);
const rows = readLabelledRows(resolve(arg('--data', '../shared/data/dev')));
const train = rows.filter((r) => !isValidationId(r.id));
const valid = rows.filter((r) => isValidationId(r.id));
const pw = pooledWidth(D);
const W = inputWidth(D);

interface Ex {
  x: Float64Array;
  ids: Int32Array;
  y: Float64Array;
  w: Float64Array;
}
function ids(text: string): Int32Array {
  const out: number[] = [];
  for (const t of tokens(text)) {
    const i = emb.index.get(t);
    if (i !== undefined) out.push(i);
    if (out.length >= MAXT) break;
  }
  return Int32Array.from(out);
}
const pos = cats.map((c) => train.filter((r) => r.label === c).length);
const neg = train.filter((r) => r.label === 'benign').length;
const mk = (r: (typeof rows)[number], t1: readonly number[]): Ex => {
  const x = new Float64Array(W);
  pool(emb, r.text, x);
  cats.forEach((_, c) => {
    x[pw + c] = tier1Logit(t1[c]!);
  });
  const { y, w } = headTargets(r.label, pos, neg);
  return { x, ids: ids(r.text), y, w };
};
const t0 = Date.now();
const exTrain = train.map((r, i) => mk(r, recipe.probs[i]!));
const exValid = valid.map((r) => {
  const s = linear.score(r.text);
  return mk(r, [s.harmful ?? 0, s.jailbreak ?? 0, s.injection ?? 0]);
});
const { mean, scale } = standardisation(
  exTrain.map((e) => e.x),
  W,
);
console.log(
  `features ${((Date.now() - t0) / 1000).toFixed(1)} s; filters ${F} width ${K} epochs ${EPOCHS} hidden ${HID}`,
);

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

interface Net {
  wc: Float64Array; // F × K × D
  bc: Float64Array; // F
  v: Float64Array; // 3 × (W + F + HID)
  b: Float64Array; // 3
  w1: Float64Array; // HID × (W + F)
  b1: Float64Array;
}
const IN = W + F;
const OUTW = IN + HID;

/** Forward: fills feat[0..IN+HID) (standardised x, conv max, hidden) and arg (argmax positions); returns logits. */
function fwd(n: Net, e: Ex, feat: Float64Array, arg: Int32Array, z: Float64Array): void {
  for (let i = 0; i < W; i++) feat[i] = (e.x[i]! - mean[i]!) / scale[i]!;
  const len = e.ids.length;
  const P = Math.max(1, len - K + 1);
  for (let f = 0; f < F; f++) {
    let best = Number.NEGATIVE_INFINITY;
    let at = -1;
    if (len > 0) {
      for (let t = 0; t < P; t++) {
        let s = n.bc[f]!;
        for (let j = 0; j < K; j++) {
          const idx = t + j;
          if (idx >= len) break;
          const base = e.ids[idx]! * D;
          const wb = (f * K + j) * D;
          for (let d = 0; d < D; d++) s += n.wc[wb + d]! * E[base + d]!;
        }
        if (s > best) {
          best = s;
          at = t;
        }
      }
    }
    if (best > 0) {
      feat[W + f] = best;
      arg[f] = at;
    } else {
      feat[W + f] = 0;
      arg[f] = -1;
    }
  }
  for (let h = 0; h < HID; h++) {
    let s = n.b1[h]!;
    const row = h * IN;
    for (let i = 0; i < IN; i++) s += n.w1[row + i]! * feat[i]!;
    feat[IN + h] = Math.max(0, s);
  }
  for (let c = 0; c < 3; c++) {
    let s = n.b[c]! + TIER1_LOGIT_DIVISOR * e.x[pw + c]!;
    const row = c * OUTW;
    for (let i = 0; i < OUTW; i++) s += n.v[row + i]! * feat[i]!;
    z[c] = s;
  }
}

function trainNet(ex: readonly Ex[], use: readonly number[]): Net {
  const rand = mulberry32(SEED);
  const n: Net = {
    wc: new Float64Array(F * K * D),
    bc: new Float64Array(F),
    v: new Float64Array(3 * OUTW),
    b: new Float64Array(3),
    w1: new Float64Array(HID * IN),
    b1: new Float64Array(HID),
  };
  const he = Math.sqrt(2 / (K * D)) * 5; // embeddings are SIF-scaled (small); widen the start
  for (let i = 0; i < n.wc.length; i++) n.wc[i] = gaussian(rand) * he;
  const he1 = Math.sqrt(2 / IN);
  for (let i = 0; i < n.w1.length; i++) n.w1[i] = gaussian(rand) * he1;
  const params = [n.wc, n.bc, n.v, n.b, n.w1, n.b1];
  const decay = [L2, 0, L2, 0, L2, 0];
  const grads = params.map((p) => new Float64Array(p.length));
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const feat = new Float64Array(OUTW);
  const argm = new Int32Array(F);
  const z = new Float64Array(3);
  const dz = new Float64Array(3);
  const dfeat = new Float64Array(OUTW);
  const order = [...use];
  let step = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    shuffleInPlace(order, rand);
    for (let start = 0; start < order.length; start += 32) {
      const end = Math.min(order.length, start + 32);
      for (const g of grads) g.fill(0);
      for (let k = start; k < end; k++) {
        const e = ex[order[k]!]!;
        fwd(n, e, feat, argm, z);
        let any = false;
        for (let c = 0; c < 3; c++) {
          const w = e.w[c]!;
          dz[c] = w === 0 ? 0 : (1 / (1 + Math.exp(-z[c]!)) - e.y[c]!) * w;
          if (w !== 0) any = true;
        }
        if (!any) continue;
        dfeat.fill(0);
        for (let c = 0; c < 3; c++) {
          const d = dz[c]!;
          if (d === 0) continue;
          grads[3]![c] = grads[3]![c]! + d;
          const row = c * OUTW;
          for (let i = 0; i < OUTW; i++) {
            grads[2]![row + i] = grads[2]![row + i]! + d * feat[i]!;
            dfeat[i] = dfeat[i]! + d * n.v[row + i]!;
          }
        }
        for (let h = 0; h < HID; h++) {
          if (feat[IN + h]! <= 0) continue;
          const d = dfeat[IN + h]!;
          grads[5]![h] = grads[5]![h]! + d;
          const row = h * IN;
          for (let i = 0; i < IN; i++) {
            grads[4]![row + i] = grads[4]![row + i]! + d * feat[i]!;
            dfeat[i] = dfeat[i]! + d * n.w1[row + i]!;
          }
        }
        for (let f = 0; f < F; f++) {
          const at = argm[f]!;
          if (at < 0) continue;
          const g = dfeat[W + f]!;
          grads[1]![f] = grads[1]![f]! + g;
          for (let j = 0; j < K; j++) {
            const idx = at + j;
            if (idx >= e.ids.length) break;
            const base = e.ids[idx]! * D;
            const wb = (f * K + j) * D;
            for (let d = 0; d < D; d++) grads[0]![wb + d] = grads[0]![wb + d]! + g * E[base + d]!;
          }
        }
      }
      step++;
      const cnt = end - start;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      params.forEach((p, q) => {
        const g = grads[q]!;
        const a = m1[q]!;
        const b = m2[q]!;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! / cnt + decay[q]! * p[i]!;
          a[i] = 0.9 * a[i]! + 0.1 * gi;
          b[i] = 0.999 * b[i]! + 0.001 * gi * gi;
          p[i] = p[i]! - (LR * (a[i]! / c1)) / (Math.sqrt(b[i]! / c2) + 1e-8);
        }
      });
    }
  }
  return n;
}
const logitsOf = (n: Net, ex: readonly Ex[], idx: readonly number[]) => {
  const feat = new Float64Array(OUTW);
  const argm = new Int32Array(F);
  return idx.map((i) => {
    const z = new Float64Array(3);
    fwd(n, ex[i]!, feat, argm, z);
    return z;
  });
};

const FOLDS = 4;
const fold = train.map((r) => foldOf(r.id, FOLDS));
const oofZ: Float64Array[] = new Array(train.length);
for (let f = 0; f < FOLDS; f++) {
  const use = train.map((_, i) => i).filter((i) => fold[i] !== f);
  const held = train.map((_, i) => i).filter((i) => fold[i] === f);
  const n = trainNet(exTrain, use);
  logitsOf(n, exTrain, held).forEach((z, k) => {
    oofZ[held[k]!] = z;
  });
  console.log(`fold ${f + 1}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
const cal = cats.map((cat, c) => {
  const idx = train.map((_, i) => i).filter((i) => train[i]!.label === cat || train[i]!.label === 'benign');
  const p = fitPlatt(
    idx.map((i) => oofZ[i]![c]!),
    idx.map((i) => train[i]!.label === cat),
  );
  return { a: sig(p.a), b: sig(p.b) };
});
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const probs = (zs: readonly Float64Array[]) =>
  zs.map(
    (z) =>
      [r4(plattProb(z[0]!, cal[0]!)), r4(plattProb(z[1]!, cal[1]!)), r4(plattProb(z[2]!, cal[2]!))] as const,
  );
const oofP = probs(oofZ);
const th2 = chooseThresholds(train, oofP, 0.008, 0.095);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const show = (t: string, m: Metrics, extra = '') =>
  console.log(
    `${t.padEnd(30)} harmful ${pct(m.recall.harmful)} jailbreak ${pct(m.recall.jailbreak)} injection ${pct(m.recall.injection)} mean ${pct(meanRecall(m))} FPR ${pct(m.fprGeneral)} / ${pct(m.fprBorderline)}${extra}`,
  );
const t1Only = metrics(train, recipe.probs, recipe.thresholds);
const { chosen, frontier } = chooseBand(train, recipe.probs, recipe.thresholds, oofP, [th2], t1Only);
console.log('OOF TRAIN');
show('  tier 1', t1Only);
show('  tier 2 every row', metrics(train, oofP, th2));
show('  cascade', chosen.m, ` esc ${pct(chosen.benignEscalated)} band [${chosen.band.join(', ')}]`);
for (const f of frontier)
  show(
    `  <= ${pct(f.cap)}`,
    f.best.m,
    ` esc ${pct(f.best.benignEscalated)} band [${f.best.band.join(', ')}]`,
  );

const final = trainNet(
  exTrain,
  train.map((_, i) => i),
);
const p2 = probs(
  logitsOf(
    final,
    exValid,
    valid.map((_, i) => i),
  ),
);
const { p1, th1 } = committedTier1(valid);
console.log('VALIDATION (canonical, committed tier 1)');
show('  tier 1', metrics(valid, p1, th1));
show('  tier 2 every row', metrics(valid, p2, th2));
const c = simulate(valid, p1, th1, p2, th2, chosen.band);
show('  cascade', c.m, ` esc ${pct(c.benignEscalated)}`);
for (const f of frontier) {
  const cc = simulate(valid, p1, th1, p2, th2, f.best.band);
  show(
    `  band of <= ${pct(f.cap)}`,
    cc.m,
    ` esc ${pct(cc.benignEscalated)} band [${f.best.band.join(', ')}]`,
  );
}
console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
