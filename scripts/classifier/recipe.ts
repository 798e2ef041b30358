/**
 * The tier-1 recipe's inputs, shared by `npm run train` (tier 1) and `npm run train:tier2` (which
 * retrains the same recipe out-of-fold to stack on it and to choose the cascade band against it):
 * how the labelled rows are read, in which order, and which synthetic rows are fitted with them.
 * Training-time only; never imported at request time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTier0 } from '../../lambdas/core/detectors';
import { scoredViews } from '../../lambdas/core/engine/evaluate';
import { canonicalize, linedText, normalizeSegment } from '../../lambdas/core/normalize/normalize';
import { type NormalizedSegment, SAFETY_CATEGORIES } from '../../lambdas/core/types';
import { canonicalJson } from '../../lambdas/core/util/hash';
import {
  type AttackLines,
  type RawTrainRow,
  strippedAugmentations,
  tableAttackPositives,
  tableContextNegatives,
  wrapperAugmentations,
} from './augment';
import { harnessNegatives } from './harness-corpus';
import type { Label, TrainRow } from './training';

export const LABELS = ['harmful', 'jailbreak', 'injection', 'benign'] as const;

/**
 * Rows of `<dir>/<label>.jsonl` for each label in {@link LABELS} order, in file order (the order
 * the recipe is fitted in: the same rows in another order give other weights). Text is canonical.
 */
export function readLabelledRows(dir: string): RawTrainRow[] {
  const rows: RawTrainRow[] = [];
  for (const label of LABELS) {
    const file = join(dir, `${label}.jsonl`);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, n) => {
        if (line.trim() === '') return;
        const r = JSON.parse(line) as {
          id?: unknown;
          text?: unknown;
          label?: unknown;
          category?: unknown;
          source?: unknown;
        };
        if (typeof r.id !== 'string' || typeof r.text !== 'string' || r.label !== label) {
          throw new Error(`${file}:${n + 1}: expected {id, text, label: "${label}"}`);
        }
        rows.push({
          id: r.id,
          raw: r.text,
          text: canonicalize(r.text),
          label: label as Label,
          borderline: typeof r.category === 'string' && r.category.startsWith('borderline:'),
          source: typeof r.source === 'string' ? r.source : 'unknown',
          ...(typeof r.category === 'string' ? { category: r.category } : {}),
        });
      });
  }
  return rows;
}

/**
 * BIPIA table contrast (ADR 0044; `reply` in the recipe since ADR 0045): `context` adds the clean table
 * of each train table injection as a contrast negative of the injection head; `reply` also adds the
 * attack lines that address the model's reply ("… your answer …") as injection positives; `all` adds
 * every attack line. `npm run train -- --table-contrast` selects another for an experiment.
 */
export type TableContrast = 'off' | AttackLines | 'context';

/** The recipe's table contrast: what `npm run train` and `npm run train:tier2` fit by default. */
export const RECIPE_TABLE_CONTRAST: TableContrast = 'reply';

/** Whether the recipe fits the hand-written coding-agent harness texts (harness-corpus.ts, ADR 0063). */
export const RECIPE_HARNESS = true;

/** Score from which a tier-0 safety finding flags a row whatever tier 1 says (the engine acts on either). */
export const TIER0_HIT_SCORE = 0.5;

/**
 * The tier-0 hit rule of training and evaluation: whether tier 0, reading `raw` as the only user message
 * (normalised as the engine does, or as `normalized` when the caller has it), has a safety finding
 * scoring {@link TIER0_HIT_SCORE} or more. One tier 0 per returned function.
 */
export function tier0Hits(): (raw: string, normalized?: NormalizedSegment) => boolean {
  const tier0 = createTier0();
  const safety = SAFETY_CATEGORIES as readonly string[];
  return (raw, normalized = normalizeSegment(raw, 0)) =>
    tier0
      .run([{ trust: 'user', path: 'messages[0].content', text: raw }], [normalized])
      .some((f) => safety.includes(f.category) && f.score >= TIER0_HIT_SCORE);
}

/**
 * Each row as the engine reads it as a user message ({@link TrainRow.served}): the views tier 1 scores,
 * line breaks kept, and whether it is a tier-0 hit ({@link tier0Hits}).
 */
export function withServedViews(rows: readonly RawTrainRow[]): RawTrainRow[] {
  const hit = tier0Hits();
  return rows.map((r) => {
    const n = normalizeSegment(r.raw, 0);
    return { ...r, served: { views: scoredViews(n).map(linedText), tier0: hit(r.raw, n) } };
  });
}

/**
 * The rows the tier-1 recipe fits: TRAIN rows first (with the views the engine scores, so calibration
 * and thresholds are chosen on what is served), then the synthetic rows (fitted only).
 */
export function tier1FitRows(
  rawTrain: readonly RawTrainRow[],
  tableContrast: TableContrast = RECIPE_TABLE_CONTRAST,
  harness: boolean = RECIPE_HARNESS,
): {
  readonly rows: TrainRow[];
  readonly augmentation: string;
} {
  const train = withServedViews(rawTrain);
  const wrapped = wrapperAugmentations(train, canonicalize);
  const stripped = strippedAugmentations(train, canonicalize);
  const agent = harness ? harnessNegatives(canonicalize) : [];
  const augmented = [...wrapped, ...stripped, ...agent];
  const copies = `${wrapped.length} encoded-wrapper copies of train benign rows, ${stripped.length} structure-stripped copies of train injection and benign rows${harness ? `, ${agent.length} hand-written coding-agent harness texts (harness-corpus.ts)` : ''}`;
  if (tableContrast === 'off') {
    return { rows: [...train, ...augmented], augmentation: `${copies} (augment.ts), fitted only` };
  }
  const tables = tableContextNegatives(train, canonicalize);
  const lines = tableContrast === 'context' ? [] : tableAttackPositives(train, canonicalize, tableContrast);
  return {
    rows: [...train, ...augmented, ...tables, ...lines],
    augmentation: `${copies}, ${tables.length} clean tables of train BIPIA table injections (contrast negatives) and ${lines.length} of their attack lines (${tableContrast}) (augment.ts), fitted only`,
  };
}

/**
 * Entry modules of the tier-1 recipe (rows, features, optimiser, augmentation, normaliser, tier 0): a key over
 * their source covers every file they reach by relative imports (`sourceClosure` of ./source-closure.ts), so a change anywhere in
 * the normaliser changes it, not only in the files a list would name.
 */
export const RECIPE_ENTRIES = ['scripts/classifier/recipe.ts', 'scripts/classifier/training.ts'];

/**
 * The key of one fit of the tier-1 recipe (`npm run train:tier2` caches the fit under it): a SHA-256 over every
 * input that changes the fit — every field of every row, in order (`raw` and `category` too: the served views, the
 * tier-0 hits and the augmentations are computed from them; a field added to the rows later is covered as well),
 * the `settings` (training options, split rule) and the content of each file of `sources` (the source closure of
 * {@link RECIPE_ENTRIES}).
 */
export function tier1RecipeKey(
  rows: readonly RawTrainRow[],
  settings: unknown,
  sources: readonly string[],
): string {
  const h = createHash('sha256');
  h.update(`${canonicalJson(settings)}\u0000`);
  for (const f of sources) h.update(`${f}\u0000`).update(readFileSync(f)).update('\u0000');
  for (const r of rows) h.update(`${canonicalJson(r)}\n`);
  return h.digest('hex').slice(0, 16);
}
