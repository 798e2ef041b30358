/**
 * Recall against dilution: a harmful request placed at the start, in the middle or at the end of
 * benign text of growing size, up to the request size limit. Benign requests padded the same way are
 * the control (false positives). The rows are a fixed sample (by a hash of the id) so the sweep stays
 * bounded: `rows × positions × sizes` engine calls, the largest near 2 MiB each.
 */

import { LIMITS } from '../../lambdas/core/request/limits';
import { round4 } from './metrics';
import type { DilutionCell, DilutionReport } from './report';
import type { Rng } from './rng';
import { seededRng } from './rng';
import type { EvalRequest } from './techniques';

export const POSITIONS = ['start', 'middle', 'end'] as const;
export type Position = (typeof POSITIONS)[number];

/**
 * Filler sizes in characters: 0 is the sample alone (the reference each position is compared with); the
 * last leaves room for the payload and JSON framing under the limit.
 */
export const DEFAULT_SIZES: readonly number[] = [
  0,
  1024,
  4 * 1024,
  16 * 1024,
  64 * 1024,
  256 * 1024,
  1024 * 1024,
  LIMITS.maxBytes - 128 * 1024,
];

export interface DilutionRow {
  readonly id: string;
  readonly text: string;
  readonly label: string;
  readonly category?: string | null;
}

export interface DilutionOptions {
  readonly sizes?: readonly number[];
  /** Harmful rows and benign control rows in the sample (each). @default 30 */
  readonly perLabel?: number;
  /** Rows per label at paddings over 256 KiB (each costs up to ~1 s). @default 10 */
  readonly perLabelLarge?: number;
}

/** Places `payload` in `filler` at a sentence boundary near the position (alone when `filler` is empty). */
export function placeIn(filler: string, payload: string, where: Position): string {
  if (filler === '') return payload;
  if (where === 'start') return `${payload}\n\n${filler}`;
  if (where === 'end') return `${filler}\n\n${payload}`;
  const centre = Math.floor(filler.length / 2);
  const cut = filler.indexOf('. ', centre);
  const at = cut < 0 || cut - centre > 2000 ? centre : cut + 2;
  return `${filler.slice(0, at)}\n\n${payload}\n\n${filler.slice(at)}`;
}

/** The sample: short harmful rows (a sentence or two) and general benign rows, lowest id hash first. */
export function dilutionSample(rows: readonly DilutionRow[], perLabel: number): DilutionRow[] {
  const pick = (keep: (r: DilutionRow) => boolean) =>
    rows
      .filter(keep)
      .map((r) => ({ r, k: seededRng(`dilution\u0000${r.id}`).next() }))
      .sort((a, b) => a.k - b.k)
      .slice(0, perLabel)
      .map((x) => x.r);
  return [
    ...pick((r) => r.label === 'harmful' && r.text.length <= 400),
    ...pick(
      (r) => r.label === 'benign' && !(r.category ?? '').startsWith('borderline:') && r.text.length <= 400,
    ),
  ];
}

/**
 * Runs the sweep. `score` evaluates one request and says whether it was detected; `filler` draws benign
 * text (see `makeFiller`). The filler for a row and size is the same at every position, so positions
 * differ only in where the payload sits.
 */
export async function runDilution(
  rows: readonly DilutionRow[],
  filler: (chars: number, rng: Rng) => string,
  score: (
    row: DilutionRow,
    req: EvalRequest,
  ) => Promise<{ detected: boolean; latencyMs: number; rejected: boolean }>,
  options: DilutionOptions = {},
): Promise<DilutionReport> {
  const sizes = options.sizes ?? DEFAULT_SIZES;
  const full = dilutionSample(rows, options.perLabel ?? 30);
  const large = dilutionSample(rows, Math.min(options.perLabel ?? 30, options.perLabelLarge ?? 10));
  const cells: DilutionCell[] = [];
  for (const size of sizes) {
    const sample = size > 256 * 1024 ? large : full;
    const hits: Record<string, { harmful: number; benign: number }> = {};
    const lat: number[] = [];
    let rejected = 0;
    for (const p of POSITIONS) hits[p] = { harmful: 0, benign: 0 };
    for (const row of sample) {
      const pad = filler(size, seededRng(`dilution-fill\u0000${row.id}\u0000${size}`));
      for (const where of POSITIONS) {
        const r = await score(row, { messages: [{ role: 'user', content: placeIn(pad, row.text, where) }] });
        lat.push(r.latencyMs);
        if (r.rejected) rejected += 1;
        if (r.detected) hits[where]![row.label === 'harmful' ? 'harmful' : 'benign'] += 1;
      }
    }
    const nH = sample.filter((r) => r.label === 'harmful').length;
    const nB = sample.length - nH;
    lat.sort((a, b) => a - b);
    cells.push({
      paddingChars: size,
      harmfulRows: nH,
      benignRows: nB,
      recall: Object.fromEntries(POSITIONS.map((p) => [p, round4(hits[p]!.harmful / Math.max(1, nH))])),
      benignFpr: Object.fromEntries(POSITIONS.map((p) => [p, round4(hits[p]!.benign / Math.max(1, nB))])),
      latencyMsP50: round4(lat[Math.floor(lat.length / 2)] ?? 0),
      rejected,
    });
  }
  return {
    harmfulRows: full.filter((r) => r.label === 'harmful').length,
    benignRows: full.filter((r) => r.label !== 'harmful').length,
    positions: [...POSITIONS],
    cells,
  };
}
