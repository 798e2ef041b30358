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
