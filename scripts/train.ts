/**
 * Trains the tier-1 classifier and writes its artifact.
 *
 *   npm run train -- --data ../shared/data/dev [--out lambdas/core/classifier/model.json] [--cross-source]
 *                    [--table-contrast off|context|reply|all] [--check] [--threshold-rule greedy|balanced]
 *
 * Split: SHA-256(id) mod 5 == 0 → validation (20 %), never used for fitting, calibration or thresholds.
 * Prints out-of-fold (train) metrics, then validation metrics of the written artifact, classifier
 * alone and combined with the tier-0 heuristics. `--cross-source` adds a leave-one-source-out estimate.
 * `--table-contrast` selects the BIPIA table contrast rows (ADR 0044; `reply` in the recipe `npm run
 * train:tier2` shares, ADR 0045); another value is an experiment.
 * `--check` writes nothing: it trains, compares the bytes with the file at `--out` (the committed artifact
 * by default) and exits 1 when they differ — the committed model must be what today's code and data train.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadModel, type ModelArtifact } from '../lambdas/core/classifier';
import type { RawTrainRow } from './classifier/augment';
import {
  LABELS,
  RECIPE_TABLE_CONTRAST,
  readLabelledRows,
  type TableContrast,
  TIER0_HIT_SCORE,
  tier0Hits,
  tier1FitRows,
} from './classifier/recipe';
import {
  DEFAULT_TRAIN_OPTIONS,
  isValidation,
  type Metrics,
  metrics,
  type ProbRow,
  roundMetrics,
  trainModel,
} from './classifier/training';

interface Args {
  readonly data: string;
  readonly out: string;
  readonly crossSource: boolean;
  readonly tableContrast: TableContrast;
  readonly check: boolean;
  readonly thresholdRule: 'greedy' | 'balanced';
}

const TABLE_CONTRAST: readonly TableContrast[] = ['off', 'context', 'reply', 'all'];

function parseArgs(argv: readonly string[]): Args {
  let data = '../shared/data/dev';
  let out = 'lambdas/core/classifier/model.json';
  let crossSource = false;
  let tableContrast: TableContrast = RECIPE_TABLE_CONTRAST;
  let check = false;
  let thresholdRule: 'greedy' | 'balanced' = 'greedy';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') data = argv[++i] ?? data;
    else if (a === '--out') out = argv[++i] ?? out;
    else if (a === '--cross-source') crossSource = true;
    else if (a === '--check') check = true;
    else if (a === '--threshold-rule') {
      const v = argv[++i];
      if (v !== 'greedy' && v !== 'balanced')
        throw new Error('train: --threshold-rule must be greedy or balanced');
      thresholdRule = v;
    } else if (a === '--table-contrast') {
      const v = argv[++i];
      const known = TABLE_CONTRAST.find((t) => t === v);
      if (known === undefined)
        throw new Error(`train: --table-contrast must be one of ${TABLE_CONTRAST.join(', ')}`);
      tableContrast = known;
    } else throw new Error(`train: unknown argument ${a}`);
  }
  return { data, out, crossSource, tableContrast, check, thresholdRule };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function show(title: string, m: Metrics): void {
  console.log(`${title}`);
  console.log(
    `  recall (any category) harmful ${pct(m.recall.harmful)}  jailbreak ${pct(m.recall.jailbreak)}  injection ${pct(m.recall.injection)}`,
  );
  console.log(
    `  recall (own category) harmful ${pct(m.recallOwn.harmful)}  jailbreak ${pct(m.recallOwn.jailbreak)}  injection ${pct(m.recallOwn.injection)}`,
  );
  console.log(
    `  FPR general ${pct(m.fprGeneral)}  borderline ${pct(m.fprBorderline)}  rows ${JSON.stringify(m.counts)}`,
  );
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const rows = readLabelledRows(resolve(args.data));
  const train = rows.filter((r) => !isValidation(r.id));
  const valid = rows.filter((r) => isValidation(r.id));
  const count = (rs: readonly RawTrainRow[]) =>
    Object.fromEntries(LABELS.map((l) => [l, rs.filter((r) => r.label === l).length]));
  const meta = {
    split: 'SHA-256(id) first 4 bytes (uint32 BE) mod 5 == 0 -> validation; rest -> train',
    folds: 'SHA-256(id) bytes 4..8 (uint32 BE) mod folds, within train',
    canonicalizer: 'lambdas/core/normalize canonicalize()',
    rows: { train: count(train), validation: count(valid) },
  };
  const fit = tier1FitRows(train, args.tableContrast);
  const { artifact, oof } = trainModel(
    fit.rows,
    { ...DEFAULT_TRAIN_OPTIONS, thresholdRule: args.thresholdRule },
    {
      ...meta,
      augmentation: fit.augmentation,
    },
  );
  const json = `${JSON.stringify(artifact, null, 1)}\n`;
  const sha = createHash('sha256').update(json).digest('hex');
  if (args.check) {
    const committed = readFileSync(args.out, 'utf8');
    const same = committed === json;
    const theirs = createHash('sha256').update(committed).digest('hex');
    console.log(
      `${same ? 'same bytes as' : 'DIFFERS from'} ${args.out}: trained sha256 ${sha}, file sha256 ${theirs}`,
    );
    if (!same) process.exitCode = 1;
  } else {
    writeFileSync(args.out, json);
    console.log(
      `wrote ${args.out}: ${Buffer.byteLength(json)} bytes, sha256 ${sha}, version ${artifact.version}`,
    );
  }
  console.log(
    `train ${train.length} rows, validation ${valid.length} rows, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  show('out-of-fold on TRAIN (used for calibration and thresholds):', oof);

  const model = loadModel(JSON.parse(json) as ModelArtifact);
  const th = artifact.thresholds;
  const t: ProbRow = [th.harmful, th.jailbreak, th.injection];
  const probs = valid.map((r): ProbRow => {
    const s = model.score(r.text);
    return [s.harmful ?? 0, s.jailbreak ?? 0, s.injection ?? 0];
  });
  console.log(`thresholds ${JSON.stringify(th)}`);
  show('VALIDATION, classifier alone:', metrics(valid, probs, t));

  // Classifier + tier-0 heuristics/blocklist (the recipe's tier-0 hit rule: a row tier 0 flags counts as detected).
  const hit = tier0Hits();
  const combined = valid.map((r, i): ProbRow => (hit(r.raw) ? [1, 1, 1] : probs[i]!));
  show(
    `VALIDATION, classifier + tier-0 (findings >= ${TIER0_HIT_SCORE} count as detected):`,
    metrics(valid, combined, t),
  );

  if (args.crossSource) crossSource(rows);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Leave-one-source-out: train on every other source (train split), score all rows of the held-out source. */
function crossSource(rows: readonly RawTrainRow[]): void {
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  console.log(
    'cross-source (leave one source out; model trained without it; thresholds re-chosen out-of-fold):',
  );
  for (const source of sources) {
    const held = rows.filter((r) => r.source === source);
    if (held.length < 20) continue;
    const train = rows.filter((r) => r.source !== source && !isValidation(r.id));
    const { artifact } = trainModel(tier1FitRows(train).rows, { ...DEFAULT_TRAIN_OPTIONS, folds: 2 });
    const model = loadModel(artifact);
    const th = artifact.thresholds;
    const t: ProbRow = [th.harmful, th.jailbreak, th.injection];
    const probs = held.map((r): ProbRow => {
      const s = model.score(r.text);
      return [s.harmful ?? 0, s.jailbreak ?? 0, s.injection ?? 0];
    });
    const m = roundMetrics(metrics(held, probs, t));
    const parts: string[] = [];
    for (const label of ['harmful', 'jailbreak', 'injection'] as const) {
      if (m.counts[label] > 0) parts.push(`${label} recall ${pct(m.recall[label])} (${m.counts[label]})`);
    }
    if (m.counts.benign > 0) parts.push(`FPR general ${pct(m.fprGeneral)} (${m.counts.benign})`);
    if (m.counts.borderline > 0)
      parts.push(`FPR borderline ${pct(m.fprBorderline)} (${m.counts.borderline})`);
    console.log(`  ${source.padEnd(26)} ${String(held.length).padStart(4)} rows  ${parts.join(', ')}`);
  }
}

main();
