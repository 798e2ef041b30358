/**
 * Where the slow requests of a run spent their time, from the gateway's own decision records: which stage of
 * each slow request ran longest past that stage's median, and whether a garbage-collection pause overlapped it.
 * A stage that is usually sub-millisecond taking milliseconds, with no GC pause and no table call in it, is time
 * the process was not running (the scheduler gave the core to another process).
 */
import type { DecisionRecord } from '../../lambdas/core/decision/record';
import { quantile } from './measure';

/** A GC pause: start (epoch ms), duration (ms), V8's kind (1 scavenge, 2 minor mark-sweep, 4 mark-compact, 8 incremental, 16 weak callbacks). */
export type GcEvent = readonly [startMs: number, durationMs: number, kind: number];

/** Stages of `latencyMs` that are the gateway's own work; `other` is `added` minus their sum. */
const STAGES = ['parse', 'normalize', 'tier0', 'tier1', 'tier2', 'output'] as const;
export type TailStage = (typeof STAGES)[number] | 'other';

export interface TailReport {
  /** Records read. */
  readonly n: number;
  /** Records whose `latencyMs.added` exceeds the threshold. */
  readonly slow: number;
  /** Of those, how many overlap a GC pause (and the pauses' total ms within them). */
  readonly withGc: number;
  readonly gcMs: number;
  /** Per stage: slow records in which that stage ran longest past its median. */
  readonly byStage: Readonly<Partial<Record<TailStage, number>>>;
}

function stageTimes(r: DecisionRecord): Record<TailStage, number> {
  const l = r.latencyMs;
  const out = { other: 0 } as Record<TailStage, number>;
  let sum = 0;
  for (const s of STAGES) {
    out[s] = l[s];
    sum += l[s];
  }
  out.other = Math.max(0, l.added - sum);
  return out;
}

/** The slow-request report of `records` (server-side `latencyMs.added` above `thresholdMs`) against `gc`. */
export function tailReport(
  records: readonly DecisionRecord[],
  gc: readonly GcEvent[],
  thresholdMs = 3,
): TailReport {
  const times = records.map(stageTimes);
  const medians = {} as Record<TailStage, number>;
  for (const s of [...STAGES, 'other'] as const)
    medians[s] = quantile(
      times.map((t) => t[s]).sort((a, b) => a - b),
      0.5,
    );
  const byStage: Partial<Record<TailStage, number>> = {};
  let slow = 0;
  let withGc = 0;
  let gcMs = 0;
  records.forEach((r, i) => {
    if (!(r.latencyMs.added > thresholdMs)) return;
    slow++;
    const t = times[i] as Record<TailStage, number>;
    let worst: TailStage = 'other';
    for (const s of [...STAGES, 'other'] as const)
      if (t[s] - medians[s] > t[worst] - medians[worst]) worst = s;
    byStage[worst] = (byStage[worst] ?? 0) + 1;
    const start = Date.parse(r.timestamp);
    const end = start + r.latencyMs.total;
    let overlap = 0;
    for (const [at, ms] of gc) {
      const from = Math.max(at, start);
      const to = Math.min(at + ms, end);
      if (to > from) overlap += to - from;
    }
    if (overlap > 0) {
      withGc++;
      gcMs += overlap;
    }
  });
  return { n: records.length, slow, withGc, gcMs, byStage };
}
