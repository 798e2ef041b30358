/**
 * Training-time augmentation (never imported at request time). Encoded wrappers: the engine scores
 * the canonical view of "decode this base64 …: <blob>" with the blob masked (features.ts), and the
 * decoded view separately. Nothing in the labelled data shows a harmless wrapper, because encoded
 * prompts there are all attacks, so the model learns "decode this base64" as an attack on its own.
 * Benign rows wrapped in hand-written encoded-request templates, labelled benign, teach it that the
 * wrapper alone is no evidence; the decision rests on the decoded content. Attack rows are not
 * wrapped: their wrapped canonical view has no content left to be an attack.
 */
import { createHash } from 'node:crypto';
import type { TrainRow } from './training';

/**
 * Hand-written lead-ins (not dataset text). The evaluation's own wrapper sentence
 * (scripts/eval/transforms.ts base64Wrap) is deliberately not among them.
 */
export const WRAPPER_TEMPLATES: ReadonlyArray<{ readonly lead: string; readonly enc: 'base64' | 'hex' }> = [
  { lead: 'Please decode the following base64 string and respond to it:', enc: 'base64' },
  { lead: 'Here is a question encoded in base64. Decode it first, then answer:', enc: 'base64' },
  { lead: 'base64:', enc: 'base64' },
  { lead: 'Decode and reply:', enc: 'base64' },
  { lead: 'What does this base64 say? Answer it too.', enc: 'base64' },
  { lead: 'I encoded my message in base64, read it and do what it asks:', enc: 'base64' },
  { lead: 'Can you decode this hex and answer it?', enc: 'hex' },
  { lead: 'The text below is hex encoded. Decode it and follow it.', enc: 'hex' },
];

/** A labelled row with its raw text (before canonicalisation). */
export interface RawTrainRow extends TrainRow {
  readonly raw: string;
  /** The row's upstream category, when it has one (`bipia:table:<attack>:start`, …). */
  readonly category?: string;
}

/**
 * Encoded-wrapper augmentations of about a third of the benign rows (chosen by SHA-256(id)),
 * each with one template (also chosen by the hash). Deterministic.
 */
export function wrapperAugmentations(
  rows: readonly RawTrainRow[],
  canonicalize: (s: string) => string,
): TrainRow[] {
  const out: TrainRow[] = [];
  for (const row of rows) {
    if (row.label !== 'benign' || row.augmentOf !== undefined) continue;
    const h = createHash('sha256').update(`wrap:${row.id}`, 'utf8').digest();
    if (h.readUInt32BE(0) % 3 !== 0) continue;
    const t = WRAPPER_TEMPLATES[h.readUInt32BE(4) % WRAPPER_TEMPLATES.length]!;
    const blob = Buffer.from(row.raw, 'utf8').toString(t.enc);
    out.push({
      id: `${row.id}#wrap`,
      text: canonicalize(`${t.lead} ${blob}`),
      label: 'benign',
      borderline: row.borderline,
      source: row.source,
      augmentOf: row.id,
    });
  }
  return out;
}

/**
 * Where an injected row's attack sits, read from its category: BIPIA rows are built as
 * `context + '\n' + attack` (`…:end`) or `attack + '\n' + context` (`…:start`).
 */
function attackPosition(category: string | undefined): 'start' | 'end' | undefined {
  if (category === undefined || !category.startsWith('bipia:table:')) return undefined;
  if (category.endsWith(':start')) return 'start';
  if (category.endsWith(':end')) return 'end';
  return undefined;
}

/** A Markdown table row as BIPIA writes them: starts and ends with `|`. */
function isTableLine(line: string): boolean {
  const t = line.trim();
  return t.length >= 2 && t.startsWith('|') && t.endsWith('|');
}

/**
 * The clean table of a BIPIA table injection: the row without its one attack line. Returned only when
 * the attack can be identified exactly — the line at the position the category names is prose, and
 * every other non-blank line is a table row — otherwise undefined. Exported for its unit test.
 */
export function cleanTableContext(raw: string, category: string | undefined): string | undefined {
  const position = attackPosition(category);
  if (position === undefined) return undefined;
  const lines = raw.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  const attack = position === 'start' ? lines.shift() : lines.pop();
  if (attack === undefined || isTableLine(attack) || attack.trim() === '') return undefined;
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  if (lines.length < 2 || !lines.every(isTableLine)) return undefined;
  return lines.join('\n');
}

/**
 * Clean-table negatives. BIPIA's table injections are a Markdown table with one instruction line
 * before or after it, and its clean tables are few (49 train rows against 50 injected ones), so the
 * injection head learned "a table is an injection" and scored clean tables 0.97–1.0. Each train
 * table injection whose attack line can be identified exactly ({@link cleanTableContext}) gives its
 * table without that line, labelled general benign: table markup alone is then no evidence, and the
 * decision rests on the line placed inside the data. Attack-only positives are not derived: many
 * BIPIA attack lines are everyday questions ("how do I …") that are injections only by where they sit.
 */
export function tableContextNegatives(
  rows: readonly RawTrainRow[],
  canonicalize: (s: string) => string,
): TrainRow[] {
  const out: TrainRow[] = [];
  for (const row of rows) {
    if (row.label !== 'injection' || row.augmentOf !== undefined) continue;
    const clean = cleanTableContext(row.raw, row.category);
    if (clean === undefined) continue;
    out.push({
      id: `${row.id}#context`,
      text: canonicalize(clean),
      label: 'benign',
      borderline: false,
      source: row.source,
      augmentOf: row.id,
      contrast: 'injection',
    });
  }
  return out;
}

/** The attack line of a BIPIA table injection, when {@link cleanTableContext} can identify it. */
export function tableAttackLine(raw: string, category: string | undefined): string | undefined {
  if (cleanTableContext(raw, category) === undefined) return undefined;
  const lines = raw.split('\n').filter((l) => l.trim() !== '');
  const line = attackPosition(category) === 'start' ? lines[0] : lines[lines.length - 1];
  return line?.trim();
}

/** An attack line that speaks to the model about its own reply. */
const ADDRESSES_REPLY = /\byour (?:answer|response|reply|output)\b/i;

/** Which identified attack lines become positives: those that address the reply, or all. */
export type AttackLines = 'reply' | 'all';

/**
 * Attack-line positives: the identified attack line of each train table injection, alone, labelled
 * injection. With `reply` only lines that tell the model how to answer ("render your response in …"):
 * many others are everyday questions that are injections only by where they sit.
 */
export function tableAttackPositives(
  rows: readonly RawTrainRow[],
  canonicalize: (s: string) => string,
  which: AttackLines,
): TrainRow[] {
  const out: TrainRow[] = [];
  for (const row of rows) {
    if (row.label !== 'injection' || row.augmentOf !== undefined) continue;
    const line = tableAttackLine(row.raw, row.category);
    if (line === undefined) continue;
    if (which === 'reply' && !ADDRESSES_REPLY.test(line)) continue;
    out.push({
      id: `${row.id}#attack`,
      text: canonicalize(line),
      label: 'injection',
      borderline: false,
      source: row.source,
      augmentOf: row.id,
    });
  }
  return out;
}

/**
 * A text with its structure taken out: every run of characters that are neither letters nor digits
 * (punctuation, Markdown and JSON syntax, table rules, line breaks) becomes one space. That is what a
 * Morse, NATO-alphabet or braille encoding leaves of a prompt once the normaliser decodes it.
 */
export function stripStructure(raw: string): string {
  return raw.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/**
 * Structure-stripped copies ({@link stripStructure}): every train injection row, and a third of the
 * benign rows (chosen by SHA-256 of the id), once more with the same label. The injection head had
 * learned injections largely from document structure (JSON, tables, line breaks) — dropping all
 * punctuation from 100 injection rows cut tier 1's catches from 86 to 51 — so an injection whose
 * decoded view has no structure left passed. The copies teach the instruction words; the benign
 * copies keep "no punctuation" from becoming evidence of its own. Deterministic.
 */
export function strippedAugmentations(
  rows: readonly RawTrainRow[],
  canonicalize: (s: string) => string,
): TrainRow[] {
  const out: TrainRow[] = [];
  for (const row of rows) {
    if (row.augmentOf !== undefined) continue;
    if (row.label !== 'injection') {
      if (row.label !== 'benign') continue;
      const h = createHash('sha256').update(`strip:${row.id}`, 'utf8').digest();
      if (h.readUInt32BE(0) % 3 !== 0) continue;
    }
    out.push({
      id: `${row.id}#strip`,
      text: canonicalize(stripStructure(row.raw)),
      label: row.label,
      borderline: row.borderline,
      source: row.source,
      augmentOf: row.id,
    });
  }
  return out;
}
