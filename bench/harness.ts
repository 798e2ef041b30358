/** Minimal benchmark harness: bounded by iterations and time, reports percentiles. */
import { nearestRank } from '../scripts/eval/metrics';

export interface BenchResult {
  readonly name: string;
  readonly iterations: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** Nearest-rank percentile of an ascending-sorted sample: the same definition as the eval report. */
export const percentile = nearestRank;

/**
 * Runs `fn` after `warmup` calls until `maxIterations` or `maxMs` is reached (whichever first),
 * timing each call. Async functions are awaited one at a time (one core, no overlap).
 */
export async function bench(
  name: string,
  fn: () => unknown,
  opts: { warmup?: number; maxIterations?: number; maxMs?: number } = {},
): Promise<BenchResult> {
  const warmup = opts.warmup ?? 50;
  const maxIterations = opts.maxIterations ?? 100_000;
  const maxMs = opts.maxMs ?? 2_000;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < maxIterations && performance.now() - start < maxMs) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  const elapsed = performance.now() - start;
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    name,
    iterations: samples.length,
    opsPerSec: (samples.length / elapsed) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sum / Math.max(1, samples.length),
  };
}

/** Deterministic English-like filler text of exactly `bytes` ASCII characters. */
export function fillerText(bytes: number, seed = 42): string {
  const words = (
    'the of and to in is you that it he was for on are as with his they at be this have from or one had by ' +
    'word but not what all were we when your can said there use an each which she do how their if will up other ' +
    'about out many then them these so some her would make like him into time has look two more write go see ' +
    'number no way could people my than first water been call who oil its now find long down day did get come ' +
    'made may part recipe garden weather travel history museum library report budget meeting schedule'
  ).split(' ');
  let x = seed >>> 0;
  const next = () => {
    x = (x * 1_664_525 + 1_013_904_223) >>> 0;
    return x;
  };
  const parts: string[] = [];
  let len = 0;
  let sentence = 0;
  while (len < bytes) {
    let w = words[next() % words.length] ?? 'word';
    if (sentence === 0) w = w[0]!.toUpperCase() + w.slice(1);
    sentence++;
    if (sentence > 8 + (next() % 10)) {
      w += '.';
      sentence = 0;
    }
    parts.push(w);
    len += w.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

export function printTable(rows: ReadonlyArray<Record<string, string | number>>): void {
  const first = rows[0];
  if (!first) return;
  const cols = Object.keys(first);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(width[i] ?? 0)).join('  ');
  process.stdout.write(`${line(cols)}\n`);
  for (const r of rows) process.stdout.write(`${line(cols.map((c) => String(r[c])))}\n`);
}

const ACUTE: Readonly<Record<string, string>> = { a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú' };

/** {@link fillerText} with the first vowel of every word given an acute accent: English with stray accents. */
export function accentedFillerText(bytes: number, seed = 42): string {
  return fillerText(bytes, seed).replace(/[a-z]+/gi, (w) => w.replace(/[aeiou]/, (v) => ACUTE[v] ?? v));
}

/**
 * French-like filler of about `bytes` characters: accented words of a real language, which the accent-folded
 * reading leaves as written (lambdas/core/normalize/accents.ts), so only its gate is paid.
 */
export function foreignFillerText(bytes: number, seed = 42): string {
  const words = (
    'le la les de des une un et à où été très déjà après même être père mère frère café élève école ' +
    'général préféré réunion théâtre fenêtre forêt hôpital château garçon leçon français déjeuner ' +
    'bientôt peut-être voilà là deuxième première année journée soirée rivière lumière'
  ).split(' ');
  let x = seed >>> 0;
  const parts: string[] = [];
  let len = 0;
  let sentence = 0;
  while (len < bytes) {
    x = (x * 1_664_525 + 1_013_904_223) >>> 0;
    let w = words[x % words.length] ?? 'le';
    if (++sentence > 8 + (x % 7)) {
      w += '.';
      sentence = 0;
    }
    parts.push(w);
    len += w.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}
