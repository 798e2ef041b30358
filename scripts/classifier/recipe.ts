/**
 * The tier-1 recipe's inputs, shared by `npm run train` (tier 1) and `npm run train:tier2` (which
 * retrains the same recipe out-of-fold to stack on it and to choose the cascade band against it):
 * how the labelled rows are read, in which order, and which synthetic rows are fitted with them.
 * Training-time only; never imported at request time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '../../lambdas/core/normalize/normalize';
import {
  type AttackLines,
  type RawTrainRow,
  tableAttackPositives,
  tableContextNegatives,
  wrapperAugmentations,
} from './augment';
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
 * BIPIA table contrast (ADR 0044), an experiment switch of `npm run train`, off in the recipe:
 * `context` adds the clean table of each train table injection as a contrast negative of the injection
 * head; `reply` also adds the attack lines that address the model's reply ("… your answer …") as
 * injection positives; `all` adds every attack line.
 */
export type TableContrast = 'off' | AttackLines | 'context';

/** The rows the tier-1 recipe fits: TRAIN rows first, then the synthetic rows (fitted only). */
export function tier1FitRows(
  train: readonly RawTrainRow[],
  tableContrast: TableContrast = 'off',
): {
  readonly rows: TrainRow[];
  readonly augmentation: string;
} {
  const augmented = wrapperAugmentations(train, canonicalize);
  const wrappers = `${augmented.length} encoded-wrapper copies of train benign rows`;
  if (tableContrast === 'off') {
    return { rows: [...train, ...augmented], augmentation: `${wrappers} (augment.ts), fitted only` };
  }
  const tables = tableContextNegatives(train, canonicalize);
  const lines = tableContrast === 'context' ? [] : tableAttackPositives(train, canonicalize, tableContrast);
  return {
    rows: [...train, ...augmented, ...tables, ...lines],
    augmentation: `${wrappers}, ${tables.length} clean tables of train BIPIA table injections (contrast negatives) and ${lines.length} of their attack lines (${tableContrast}) (augment.ts), fitted only`,
  };
}
