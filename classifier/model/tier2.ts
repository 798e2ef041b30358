/**
 * Tier-2 classifier: pretrained GloVe word vectors (SIF-weighted, mean- and max-pooled over the
 * canonical text) plus the calibrated scores of a hashed n-gram logistic regression (the tier-1
 * recipe exactly — same rows, augmentation and options — retrained out-of-fold inside this artifact),
 * fed to a small multi-layer perceptron with a direct linear path and one sigmoid head per attack
 * category (harmful, jailbreak, injection). Platt-calibrated per head. An artifact may also carry
 * nearest-TRAIN-row similarity features (`neighbours`, ADR 0043); the committed one does not.
 *
 * AWS-free and I/O-free apart from {@link loadTier2} reading the artifact once. The artifact
 * (`tier2.json`) carries only the vector rows its vocabulary needs, int8-quantised; training is
 * `npm run train:tier2` (scripts/train-tier2.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LinearClassifier, loadModel, type ModelArtifact } from '../../lambdas/core/classifier';
import { decisionScore } from '../../lambdas/core/engine/scoring';
import { normalizeSegment } from '../../lambdas/core/normalize/normalize';

export const TIER2_CATEGORIES = ['harmful', 'jailbreak', 'injection'] as const;
export type Tier2Category = (typeof TIER2_CATEGORIES)[number];
export type Tier2Scores = Record<Tier2Category, number>;

/** File name of the artifact inside a model directory (SageMaker: `/opt/ml/model`). */
export const TIER2_ARTIFACT = 'tier2.json';

/** Longest text (characters) that is scored: the head of a longer input; the rest is ignored. */
export const TIER2_MAX_CHARS = 65_536;

/** The committed artifact. Contains no dataset text: a vocabulary, vectors and network weights. */
export interface Tier2Artifact {
  readonly format: 'csp-tier2-v1';
  /** SHA-256 prefix of everything below. */
  readonly version: string;
  readonly categories: readonly Tier2Category[];
  /** The stacked n-gram model (csp-linear-v1, the tier-1 format and recipe). */
  readonly linear: ModelArtifact;
  readonly embeddings: {
    readonly dim: number;
    /** Tokens: runs of `[a-z0-9]` of the canonical text. */
    readonly words: readonly string[];
    /** Per-word dequantisation scale: v = int8 · scale (the SIF weight is folded in). */
    readonly scales: readonly number[];
    /** `words × dim` int8, word-major, base64. */
    readonly data: string;
  };
  /**
   * Nearest TRAIN rows in sentence-vector space (absent in older artifacts): for each reference row its
   * label and its sentence vector (see {@link sentenceVector}), so that the network also sees how close
   * a text is to known attacks and to known benign requests of each kind.
   */
  readonly neighbours?: {
    readonly dim: number;
    /** Common direction removed from every pooled mean before it is normalised (SIF, Arora et al.). */
    readonly component: readonly number[];
    /** Neighbour counts: feature = mean of the k highest cosine similarities, per label and k. */
    readonly k: readonly number[];
    /** One byte per reference row, base64: index into {@link NEIGHBOUR_LABELS}. */
    readonly labels: string;
    /** Per-row dequantisation scale. */
    readonly scales: readonly number[];
    /** `rows × dim` int8, row-major, base64. */
    readonly data: string;
  };
  readonly network: {
    /** Width of the network's input: the features after the first `skip`. */
    readonly inputs: number;
    /** Leading features (the pooled word vectors) the network does not read; absent: 0. */
    readonly skip?: number;
    readonly hidden: number;
    /** Input standardisation: x' = (x − mean) / scale. */
    readonly mean: readonly number[];
    readonly scale: readonly number[];
    /** `hidden × inputs`, row-major. */
    readonly w1: readonly number[];
    readonly b1: readonly number[];
    /** `categories × hidden`, row-major. */
    readonly w2: readonly number[];
    readonly b2: readonly number[];
    /** Direct (linear) path `categories × inputs`, row-major: logits = W2·hidden + V·x' + b2. */
    readonly v: readonly number[];
    /**
     * Residual on the stacked n-gram model: head c's logit also gets `scale · x[inputs[c]]` (the raw,
     * unstandardised input), so the network learns a correction to the n-gram logit and, regularised
     * towards zero, falls back to it. Absent: no offset.
     */
    readonly offset?: { readonly inputs: readonly number[]; readonly scale: number };
  };
  /** Platt scaling of each head's logit: p = 1 / (1 + exp(a·z + b)). */
  readonly calibration: Readonly<Record<Tier2Category, { readonly a: number; readonly b: number }>>;
  /** Recommended probability thresholds per head (chosen out-of-fold on TRAIN). */
  readonly thresholds: Readonly<Record<Tier2Category, number>>;
  /** Recommended cascade band (policy `tier2.band`, decision-score space) and how it was chosen. */
  readonly cascade: { readonly band: readonly [number, number]; readonly rule: string };
  readonly training: Readonly<Record<string, unknown>>;
}

/** A prompt, optionally with the completion being judged (an exchange). */
export interface Tier2Input {
  readonly prompt: string;
  readonly completion?: string;
}

export interface Tier2Model {
  readonly version: string;
  readonly thresholds: Readonly<Record<Tier2Category, number>>;
  readonly band: readonly [number, number];
  /**
   * Calibrated probabilities, the maximum over the normalised views of the text (canonical,
   * decoded, leet, despaced, …). With a completion, the exchange is scored as one text: the prompt,
   * a blank line, then the completion, so the completion is judged in the context of the request.
   */
  score(input: Tier2Input): Tier2Scores;
  /** The same, mapped so that each head's threshold sits at 0.5 (the tier-2 wire contract). */
  contractScores(input: Tier2Input): Tier2Scores;
  /** Probabilities of one canonical text (no views): what training fits. */
  scoreCanonical(canonical: string): Tier2Scores;
}

/** Tokens of a canonical text: runs of ASCII letters and digits. */
export function tokens(canonical: string): string[] {
  return canonical.slice(0, TIER2_MAX_CHARS).match(/[a-z0-9]+/g) ?? [];
}

/** Number of pooled features before tier 1's three logits. */
export function pooledWidth(dim: number): number {
  return 2 * dim + 2;
}

/** Input width of the network: pooled features plus tier 1's three logits. */
export function inputWidth(dim: number): number {
  return pooledWidth(dim) + TIER2_CATEGORIES.length;
}

/** Lookup table of the shipped vectors. */
export interface Embeddings {
  readonly dim: number;
  readonly index: ReadonlyMap<string, number>;
  /** `words × dim`, dequantised. */
  readonly vectors: Float32Array;
}

export function decodeEmbeddings(e: Tier2Artifact['embeddings']): Embeddings {
  const raw = Buffer.from(e.data, 'base64');
  if (raw.length !== e.words.length * e.dim || e.scales.length !== e.words.length) {
    throw new Error(`tier2 artifact: embeddings hold ${raw.length} bytes for ${e.words.length}×${e.dim}`);
  }
  const vectors = new Float32Array(raw.length);
  for (let w = 0; w < e.words.length; w++) {
    const s = e.scales[w]!;
    for (let d = 0; d < e.dim; d++) vectors[w * e.dim + d] = raw.readInt8(w * e.dim + d) * s;
  }
  const index = new Map<string, number>();
  e.words.forEach((w, i) => {
    index.set(w, i);
  });
  return { dim: e.dim, index, vectors };
}

/**
 * Pooled features of a canonical text into `out[0 .. pooledWidth)`: mean of the known words'
 * vectors, their element-wise maximum, the share of unknown tokens, log(1 + tokens) / 8.
 */
export function pool(emb: Embeddings, canonical: string, out: Float64Array): void {
  const { dim, index, vectors } = emb;
  out.fill(0, 0, pooledWidth(dim));
  const toks = tokens(canonical);
  let known = 0;
  for (const t of toks) {
    const w = index.get(t);
    if (w === undefined) continue;
    const base = w * dim;
    if (known === 0) {
      for (let d = 0; d < dim; d++) {
        out[d] = vectors[base + d]!;
        out[dim + d] = vectors[base + d]!;
      }
    } else {
      for (let d = 0; d < dim; d++) {
        const v = vectors[base + d]!;
        out[d] = out[d]! + v;
        if (v > out[dim + d]!) out[dim + d] = v;
      }
    }
    known++;
  }
  if (known > 0) for (let d = 0; d < dim; d++) out[d] = out[d]! / known;
  out[2 * dim] = toks.length === 0 ? 1 : 1 - known / toks.length;
  out[2 * dim + 1] = Math.log1p(toks.length) / 8;
}

/** The network sees n-gram logits divided by this (a residual offset multiplies it back). */
export const TIER1_LOGIT_DIVISOR = 4;

/** Logit of an n-gram model probability as the network sees it (probabilities carry 4 decimals). */
export function tier1Logit(p: number): number {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q)) / TIER1_LOGIT_DIVISOR;
}

/** Labels of the neighbour reference rows, in the order their features are laid out. */
export const NEIGHBOUR_LABELS = ['harmful', 'jailbreak', 'injection', 'benign'] as const;

/** Number of neighbour features: one per label and neighbour count. */
export function neighbourWidth(k: readonly number[]): number {
  return NEIGHBOUR_LABELS.length * k.length;
}

/**
 * Sentence vector of a text from its pooled features: the SIF-weighted mean of its word vectors with
 * the common component removed, scaled to unit length (all zeros when no word is known).
 */
export function sentenceVector(pooled: Float64Array, component: ArrayLike<number>, out: Float64Array): void {
  const dim = out.length;
  let dot = 0;
  for (let d = 0; d < dim; d++) dot += pooled[d]! * component[d]!;
  let norm = 0;
  for (let d = 0; d < dim; d++) {
    const v = pooled[d]! - dot * component[d]!;
    out[d] = v;
    norm += v * v;
  }
  if (norm <= 1e-24) {
    out.fill(0);
    return;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let d = 0; d < dim; d++) out[d] = out[d]! * inv;
}

/** Reference rows of the neighbour features, decoded. */
export interface Neighbours {
  readonly dim: number;
  readonly rows: number;
  readonly component: Float64Array;
  readonly k: readonly number[];
  /** Label index per row. */
  readonly labels: Uint8Array;
  /** `rows × dim`, dequantised. */
  readonly vectors: Float32Array;
}

export function decodeNeighbours(n: NonNullable<Tier2Artifact['neighbours']>): Neighbours {
  const labels = new Uint8Array(Buffer.from(n.labels, 'base64'));
  const raw = Buffer.from(n.data, 'base64');
  const rows = labels.length;
  const maxK = Math.max(0, ...n.k);
  if (
    raw.length !== rows * n.dim ||
    n.scales.length !== rows ||
    n.component.length !== n.dim ||
    n.k.length === 0 ||
    !n.k.every((k) => Number.isInteger(k) && k >= 1) ||
    labels.some((l) => l >= NEIGHBOUR_LABELS.length) ||
    maxK > 1000
  ) {
    throw new Error(`tier2 artifact: neighbours hold ${raw.length} bytes for ${rows} rows × ${n.dim}`);
  }
  const vectors = new Float32Array(raw.length);
  for (let r = 0; r < rows; r++) {
    const s = n.scales[r]!;
    for (let d = 0; d < n.dim; d++) vectors[r * n.dim + d] = raw.readInt8(r * n.dim + d) * s;
  }
  return { dim: n.dim, rows, component: Float64Array.from(n.component), k: [...n.k], labels, vectors };
}

/**
 * Neighbour features of sentence vector `q` into `out[at .. at + neighbourWidth)`: for each label and
 * each k, the mean of the k highest cosine similarities to reference rows of that label (fewer when the
 * label has fewer rows; 0 when it has none). `use`, when given, says which reference rows count
 * (training scores a row against the other folds only).
 */
export function neighbourFeatures(
  nb: Neighbours,
  q: Float64Array,
  out: Float64Array,
  at: number,
  use?: Uint8Array,
): void {
  const L = NEIGHBOUR_LABELS.length;
  const maxK = Math.max(...nb.k);
  const top = new Float64Array(L * maxK).fill(Number.NEGATIVE_INFINITY);
  const { dim, vectors, labels } = nb;
  for (let r = 0; r < nb.rows; r++) {
    if (use && use[r] === 0) continue;
    let s = 0;
    const base = r * dim;
    for (let d = 0; d < dim; d++) s += q[d]! * vectors[base + d]!;
    const t = labels[r]! * maxK;
    if (s <= top[t + maxK - 1]!) continue;
    let i = maxK - 1;
    while (i > 0 && top[t + i - 1]! < s) {
      top[t + i] = top[t + i - 1]!;
      i--;
    }
    top[t + i] = s;
  }
  let o = at;
  for (let l = 0; l < L; l++) {
    for (const k of nb.k) {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < k; i++) {
        const v = top[l * maxK + i]!;
        if (v === Number.NEGATIVE_INFINITY) break;
        sum += v;
        n++;
      }
      out[o++] = n === 0 ? 0 : sum / n;
    }
  }
}

/** Network weights as typed arrays. */
export interface Network {
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  readonly b2: Float64Array;
  readonly v: Float64Array;
  /** Residual offset: head c's logit += offsetScale · x[offsetInputs[c]] (raw input). */
  readonly offsetInputs?: Int32Array;
  readonly offsetScale?: number;
}

/**
 * Forward pass: standardise `x`, hidden = ReLU(W1·x + b1), logits = W2·hidden + V·x + b2 (+ the
 * residual offset, when the network has one). Writes the
 * standardised input into `xs`, the hidden activations into `h` and returns the logits in `z`.
 */
export function forward(
  net: Network,
  x: Float64Array,
  xs: Float64Array,
  h: Float64Array,
  z: Float64Array,
): void {
  const { inputs, hidden, outputs } = net;
  for (let i = 0; i < inputs; i++) xs[i] = (x[i]! - net.mean[i]!) / net.scale[i]!;
  for (let j = 0; j < hidden; j++) {
    let s = net.b1[j]!;
    const row = j * inputs;
    for (let i = 0; i < inputs; i++) s += net.w1[row + i]! * xs[i]!;
    h[j] = Math.max(s, 0);
  }
  for (let c = 0; c < outputs; c++) {
    let s = net.b2[c]!;
    const row = c * hidden;
    for (let j = 0; j < hidden; j++) s += net.w2[row + j]! * h[j]!;
    const vrow = c * inputs;
    for (let i = 0; i < inputs; i++) s += net.v[vrow + i]! * xs[i]!;
    if (net.offsetInputs) s += net.offsetScale! * x[net.offsetInputs[c]!]!;
    z[c] = s;
  }
}

export function plattProb(z: number, p: { readonly a: number; readonly b: number }): number {
  const t = p.a * z + p.b;
  return t >= 0 ? Math.exp(-t) / (1 + Math.exp(-t)) : 1 / (1 + Math.exp(t));
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function isArtifact(v: unknown): v is Tier2Artifact {
  const a = v as Partial<Tier2Artifact> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    a.format === 'csp-tier2-v1' &&
    typeof a.version === 'string' &&
    typeof a.embeddings === 'object' &&
    typeof a.network === 'object' &&
    typeof a.linear === 'object' &&
    typeof a.calibration === 'object' &&
    typeof a.thresholds === 'object'
  );
}

/** Builds a model from a parsed artifact. */
export function createTier2(artifact: Tier2Artifact): Tier2Model {
  if (!isArtifact(artifact)) throw new Error('tier2 artifact: not a csp-tier2-v1 model');
  const linear: LinearClassifier = loadModel(artifact.linear);
  const emb = decodeEmbeddings(artifact.embeddings);
  const nb = artifact.neighbours ? decodeNeighbours(artifact.neighbours) : undefined;
  if (nb && nb.dim !== emb.dim) throw new Error('tier2 artifact: neighbours and embeddings differ in width');
  const n = artifact.network;
  const outputs = TIER2_CATEGORIES.length;
  const skip = n.skip ?? 0;
  if (
    !(skip >= 0 && skip <= pooledWidth(emb.dim) && Number.isInteger(skip)) ||
    n.inputs !== inputWidth(emb.dim) + (nb ? neighbourWidth(nb.k) : 0) - skip ||
    n.w1.length !== n.hidden * n.inputs ||
    n.w2.length !== outputs * n.hidden ||
    n.v.length !== outputs * n.inputs ||
    n.mean.length !== n.inputs ||
    n.scale.length !== n.inputs ||
    (n.offset !== undefined &&
      (n.offset.inputs.length !== outputs || n.offset.inputs.some((i) => !(i >= 0 && i < n.inputs))))
  ) {
    throw new Error('tier2 artifact: network shape does not match its embeddings');
  }
  const net: Network = {
    inputs: n.inputs,
    hidden: n.hidden,
    outputs,
    mean: Float64Array.from(n.mean),
    scale: Float64Array.from(n.scale),
    w1: Float64Array.from(n.w1),
    b1: Float64Array.from(n.b1),
    w2: Float64Array.from(n.w2),
    b2: Float64Array.from(n.b2),
    v: Float64Array.from(n.v),
    ...(n.offset ? { offsetInputs: Int32Array.from(n.offset.inputs), offsetScale: n.offset.scale } : {}),
  };
  const x = new Float64Array(net.inputs + skip);
  const netX = x.subarray(skip);
  const xs = new Float64Array(net.inputs);
  const h = new Float64Array(net.hidden);
  const z = new Float64Array(outputs);
  const pw = pooledWidth(emb.dim);
  const sv = new Float64Array(emb.dim);
  const cal = artifact.calibration;
  const th = artifact.thresholds;

  const scoreCanonical = (canonical: string): Tier2Scores => {
    pool(emb, canonical, x);
    const t1 = linear.score(canonical);
    TIER2_CATEGORIES.forEach((c, k) => {
      x[pw + k] = tier1Logit(t1[c] ?? 0);
    });
    if (nb) {
      sentenceVector(x, nb.component, sv);
      neighbourFeatures(nb, sv, x, inputWidth(emb.dim));
    }
    forward(net, netX, xs, h, z);
    return {
      harmful: round4(plattProb(z[0]!, cal.harmful)),
      jailbreak: round4(plattProb(z[1]!, cal.jailbreak)),
      injection: round4(plattProb(z[2]!, cal.injection)),
    };
  };

  const score = (input: Tier2Input): Tier2Scores => {
    const full =
      input.completion !== undefined && input.completion !== ''
        ? `${input.prompt}\n\n${input.completion}`
        : input.prompt;
    // Bounded work: only the head is judged (the engine sends at most 16,384 characters anyway).
    const text = full.length > TIER2_MAX_CHARS ? full.slice(0, TIER2_MAX_CHARS) : full;
    const best: Tier2Scores = { harmful: 0, jailbreak: 0, injection: 0 };
    for (const view of normalizeSegment(text, 0).views) {
      const s = scoreCanonical(view.text);
      for (const c of TIER2_CATEGORIES) if (s[c] > best[c]) best[c] = s[c];
    }
    return best;
  };

  return {
    version: artifact.version,
    thresholds: th,
    band: artifact.cascade.band,
    score,
    scoreCanonical,
    contractScores(input) {
      const p = score(input);
      return {
        harmful: round4(decisionScore(p.harmful, th.harmful)),
        jailbreak: round4(decisionScore(p.jailbreak, th.jailbreak)),
        injection: round4(decisionScore(p.injection, th.injection)),
      };
    },
  };
}

/** Directory of the committed artifact. */
export const TIER2_MODEL_DIR = __dirname;

/**
 * Loads `tier2.json` from `dir` (default: this directory, where the committed artifact lives;
 * in the container, `/opt/ml/model`). Throws a clear error when the file is missing or malformed.
 */
export function loadTier2(dir: string = TIER2_MODEL_DIR): Tier2Model {
  const file = join(dir, TIER2_ARTIFACT);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`tier2: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isArtifact(parsed)) throw new Error(`tier2: ${file} is not a csp-tier2-v1 model`);
  return createTier2(parsed);
}
