/**
 * The reviewed table of Claude models the safeguards know by name: for each model its Claude API id,
 * the Claude API aliases that resolve to it, and its Amazon Bedrock base model id where one is
 * documented. Model ids are compared only in canonical form (lambdas/core/models/identity.ts), and this
 * table is what ties the forms of one model together (`claude-haiku-4-5` ≡ `claude-haiku-4-5-20251001`
 * ≡ `anthropic.claude-haiku-4-5-20251001-v1:0` ≡ its ARN and inference-profile forms).
 *
 * Pure data, no I/O. Review it when a model is released or retired: a model missing here is still
 * canonicalized by the generic rules (case, ARN, inference-profile prefix, Bedrock version suffix), it
 * only loses its aliases.
 *
 * Sources (reviewed 2026-12-07):
 * - `sdk`: the `Model` union of `@anthropic-ai/sdk` 1.14.0 (`resources/messages/messages.d.ts`), the
 *   ids and aliases the Claude API accepts.
 * - `ids-doc`: https://platform.claude.com/docs/en/about-claude/models/model-ids-and-versions — from the
 *   4.6 generation on, ids are dateless (`claude-sonnet-4-6`) and the Bedrock id is
 *   `anthropic.<id>`; Claude Opus 4.6 is the last Bedrock id with a `-v1` suffix; earlier models are
 *   dated (`claude-sonnet-4-5-20250929`, Bedrock `anthropic.claude-sonnet-4-5-20250929-v1:0`) and have
 *   a dateless Claude API alias.
 * - `bedrock-doc`: https://platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock-legacy
 *   — the base Bedrock model ids of the InvokeModel integration (Opus 4.7 has no ARN-versioned id).
 * - `deprecations`: https://platform.claude.com/docs/en/about-claude/model-deprecations — retirement
 *   dates on Anthropic-operated platforms (Bedrock sets its own schedule).
 */

/** Lifecycle on Anthropic-operated platforms. */
export type ModelStatus = 'active' | 'deprecated' | 'retired';

/** One Claude model. */
export interface ModelEntry {
  /** The pinned Claude API id (the canonical name of the model). */
  readonly id: string;
  /** Other Claude API names that resolve to this model (dateless aliases). */
  readonly aliases: readonly string[];
  /** Base Bedrock model id (no inference-profile prefix); null when none is documented. */
  readonly bedrockId: string | null;
  readonly status: ModelStatus;
  /** ISO date of retirement on Anthropic-operated platforms, when announced. */
  readonly retiredOn?: string;
  /** Where the row comes from (see the list above) and when it was checked. */
  readonly source: string;
}

const REVIEWED = '2026-12-07';

/** The reviewed model table, newest first. */
export const MODELS: readonly ModelEntry[] = [
  { id: 'claude-opus-5-5', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-sonnet-5-5', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-haiku-5-5', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-fable-5-2', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-mythos-5-2', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-fable-5-1', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-mythos-5-1', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  {
    id: 'claude-sonnet-5',
    aliases: [],
    bedrockId: 'anthropic.claude-sonnet-5',
    status: 'active',
    source: `sdk, ids-doc (Bedrock id by the dateless rule) ${REVIEWED}`,
  },
  { id: 'claude-opus-5', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-fable-5', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-mythos-5', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  { id: 'claude-opus-4-8', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  {
    id: 'claude-opus-4-7',
    aliases: [],
    bedrockId: null,
    status: 'active',
    source: `sdk, bedrock-doc (no ARN-versioned id) ${REVIEWED}`,
  },
  { id: 'claude-mythos-preview', aliases: [], bedrockId: null, status: 'active', source: `sdk ${REVIEWED}` },
  {
    id: 'claude-opus-4-6',
    aliases: [],
    bedrockId: 'anthropic.claude-opus-4-6-v1',
    status: 'active',
    source: `sdk, ids-doc, bedrock-doc ${REVIEWED}`,
  },
  {
    id: 'claude-sonnet-4-6',
    aliases: [],
    bedrockId: 'anthropic.claude-sonnet-4-6',
    status: 'active',
    source: `sdk, ids-doc, bedrock-doc ${REVIEWED}`,
  },
  {
    id: 'claude-haiku-4-5-20251001',
    aliases: ['claude-haiku-4-5'],
    bedrockId: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    status: 'active',
    source: `sdk, ids-doc ${REVIEWED}`,
  },
  {
    id: 'claude-opus-4-5-20251101',
    aliases: ['claude-opus-4-5'],
    bedrockId: 'anthropic.claude-opus-4-5-20251101-v1:0',
    status: 'active',
    source: `sdk, bedrock-doc ${REVIEWED}`,
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    aliases: ['claude-sonnet-4-5'],
    bedrockId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    status: 'retired',
    retiredOn: '2026-11-30',
    source: `sdk, ids-doc, bedrock-doc, deprecations ${REVIEWED}`,
  },
];
