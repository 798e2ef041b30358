/**
 * Training of the tier-2 network (offline only; never imported at request time): hand-written
 * backpropagation through the one-hidden-layer perceptron of tier2.ts and Adam, in one thread, with
 * a seeded PRNG and a fixed visiting order, so the same data gives the same weights bit for bit.
 */
import { forward, type Network, TIER2_CATEGORIES } from './tier2';

export interface NetTrainOptions {
  readonly hidden: number;
  readonly epochs: number;
  readonly batch: number;
  readonly learningRate: number;
  /** L2 penalty on the weights (not the biases), added to the gradient. */
  readonly l2: number;
  readonly seed: number;
  /** Residual offset (see `Network`): head c's logit += scale · x[inputs[c]]. Absent: none. */
  readonly offset?: { readonly inputs: readonly number[]; readonly scale: number };
}

export const DEFAULT_NET_OPTIONS: NetTrainOptions = {
  hidden: 64,
  epochs: 15,
  batch: 32,
  learningRate: 1e-3,
  l2: 1e-3,
  seed: 20261207,
};

/** Mulberry32: small seeded PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of `items` in place, drawing from `rand` (reproducible with a seeded PRNG). */
export function shuffleInPlace<T>(items: T[], rand: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}

/**
 * One training example: its input vector, and per head a target (1 positive, 0 negative) and a
 * weight (0 = the head ignores this row: an attack of another category is not a negative).
 */
export interface Example {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
}

/**
 * Targets and weights of one row for the three one-vs-benign heads, classes balanced: head k's
 * positives weigh n / (2·pos[k]) and benign rows n / (2·neg), n = pos[k] + neg; a row of another
 * attack category weighs 0 for that head (it is not a negative).
 */
export function headTargets(
  label: string,
  pos: readonly number[],
  neg: number,
): { y: Float64Array; w: Float64Array } {
  const y = new Float64Array(TIER2_CATEGORIES.length);
  const w = new Float64Array(TIER2_CATEGORIES.length);
  TIER2_CATEGORIES.forEach((c, k) => {
    const n = pos[k]! + neg;
    if (label === c) {
      y[k] = 1;
      w[k] = n / (2 * pos[k]!);
    } else if (label === 'benign') w[k] = n / (2 * neg);
  });
  return { y, w };
}

/** Standardisation statistics (mean, standard deviation floored at 1e-3), rounded to 8 digits. */
export function standardisation(
  xs: readonly Float64Array[],
  width: number,
): { mean: number[]; scale: number[] } {
  const mean = new Array<number>(width).fill(0);
  const sq = new Array<number>(width).fill(0);
  for (const x of xs) for (let i = 0; i < width; i++) mean[i] = mean[i]! + x[i]!;
  for (let i = 0; i < width; i++) mean[i] = mean[i]! / Math.max(1, xs.length);
  for (const x of xs)
    for (let i = 0; i < width; i++) {
      const d = x[i]! - mean[i]!;
      sq[i] = sq[i]! + d * d;
    }
  const scale = sq.map((s) => Math.max(1e-3, Math.sqrt(s / Math.max(1, xs.length))));
  return { mean: mean.map((m) => sig(m)), scale: scale.map((s) => sig(s)) };
}

export function sig(x: number, digits = 8): number {
  return Number(x.toPrecision(digits));
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Trains a network on `examples` (indices `use`). Inputs are standardised with `mean`/`scale`. */
export function trainNetwork(
  examples: readonly Example[],
  use: readonly number[],
  mean: readonly number[],
  scale: readonly number[],
  opts: NetTrainOptions = DEFAULT_NET_OPTIONS,
): Network {
  const inputs = mean.length;
  const hidden = opts.hidden;
  const outputs = TIER2_CATEGORIES.length;
  const rand = mulberry32(opts.seed);
  const net: Network = {
    inputs,
    hidden,
    outputs,
    mean: Float64Array.from(mean),
    scale: Float64Array.from(scale),
    w1: new Float64Array(hidden * inputs),
    b1: new Float64Array(hidden),
    w2: new Float64Array(outputs * hidden),
    b2: new Float64Array(outputs),
    v: new Float64Array(outputs * inputs),
    ...(opts.offset
      ? { offsetInputs: Int32Array.from(opts.offset.inputs), offsetScale: opts.offset.scale }
      : {}),
  };
  const he1 = Math.sqrt(2 / inputs);
  for (let i = 0; i < net.w1.length; i++) net.w1[i] = gaussian(rand) * he1;
  const he2 = Math.sqrt(1 / hidden);
  for (let i = 0; i < net.w2.length; i++) net.w2[i] = gaussian(rand) * he2;

  const params = [net.w1, net.b1, net.w2, net.b2, net.v];
  const decay = [opts.l2, 0, opts.l2, 0, opts.l2];
  const grads = params.map((p) => new Float64Array(p.length));
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  let step = 0;

  const xs = new Float64Array(inputs);
  const h = new Float64Array(hidden);
  const z = new Float64Array(outputs);
  const dz = new Float64Array(outputs);
  const dh = new Float64Array(hidden);
  const order = [...use];

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    shuffleInPlace(order, rand);
    for (let start = 0; start < order.length; start += opts.batch) {
      const end = Math.min(order.length, start + opts.batch);
      for (const g of grads) g.fill(0);
      for (let k = start; k < end; k++) {
        const ex = examples[order[k]!]!;
        forward(net, ex.x, xs, h, z);
        let any = false;
        for (let c = 0; c < outputs; c++) {
          const w = ex.w[c]!;
          if (w === 0) {
            dz[c] = 0;
            continue;
          }
          any = true;
          const p = 1 / (1 + Math.exp(-z[c]!));
          dz[c] = (p - ex.y[c]!) * w;
        }
        if (!any) continue;
        dh.fill(0);
        for (let c = 0; c < outputs; c++) {
          const d = dz[c]!;
          if (d === 0) continue;
          grads[3]![c] = grads[3]![c]! + d;
          const vrow = c * inputs;
          for (let i = 0; i < inputs; i++) grads[4]![vrow + i] = grads[4]![vrow + i]! + d * xs[i]!;
          const row = c * hidden;
          for (let j = 0; j < hidden; j++) {
            grads[2]![row + j] = grads[2]![row + j]! + d * h[j]!;
            dh[j] = dh[j]! + d * net.w2[row + j]!;
          }
        }
        for (let j = 0; j < hidden; j++) {
          if (h[j]! <= 0) continue;
          const d = dh[j]!;
          grads[1]![j] = grads[1]![j]! + d;
          const row = j * inputs;
          for (let i = 0; i < inputs; i++) grads[0]![row + i] = grads[0]![row + i]! + d * xs[i]!;
        }
      }
      step++;
      const n = end - start;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      params.forEach((p, q) => {
        const g = grads[q]!;
        const a = m1[q]!;
        const b = m2[q]!;
        const l2 = decay[q]!;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! / n + l2 * p[i]!;
          a[i] = beta1 * a[i]! + (1 - beta1) * gi;
          b[i] = beta2 * b[i]! + (1 - beta2) * gi * gi;
          p[i] = p[i]! - (opts.learningRate * (a[i]! / c1)) / (Math.sqrt(b[i]! / c2) + eps);
        }
      });
    }
  }
  return net;
}

/** Logits of every example in `idx`. */
export function logits(net: Network, examples: readonly Example[], idx: readonly number[]): Float64Array[] {
  const xs = new Float64Array(net.inputs);
  const h = new Float64Array(net.hidden);
  return idx.map((i) => {
    const z = new Float64Array(net.outputs);
    forward(net, examples[i]!.x, xs, h, z);
    return z;
  });
}
