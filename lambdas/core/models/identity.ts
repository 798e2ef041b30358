/**
 * One canonical model identity. Every comparison of model ids — the region's allowlist, the operator's
 * `model disable`, the kill switch, the Bedrock route's `{modelId}` — goes through {@link canonicalModel},
 * so `Demo`, `anthropic.claude-x-v1:0`, `eu.anthropic.claude-x-v1:0` and
 * `arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-x-v1:0` are recognised as one model.
 *
 * Rules, in order (docs/serving.md, "Model identity"):
 * 1. lower-case (model ids are ASCII; the request parser refuses anything else);
 * 2. a Bedrock ARN (`arn:<partition>:bedrock:<region>:<account>:<type>/<id>`) of a `foundation-model` or
 *    system `inference-profile` is replaced by its `<id>` and its region kept; any other ARN (application
 *    inference profile, provisioned or custom model) is an opaque name that only matches itself;
 * 3. an inference-profile prefix (`global.`, `us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`, `us-gov.`, …)
 *    before `anthropic.` becomes the identity's `scope`;
 * 4. the provider prefix `anthropic.` is dropped;
 * 5. a Bedrock version suffix (`-v1`, `-v1:0`, `-v2:0`, and a provisioned context suffix such as `:200k`)
 *    is dropped, and a Vertex AI date separator `@YYYYMMDD` becomes `-YYYYMMDD`;
 * 6. the result is looked up in the reviewed table (config/models.ts): a Claude API alias, a dated
 *    snapshot and a Bedrock id of one model all map to that model's Claude API id.
 * Pure: no AWS, no I/O.
 */
import { MODELS, type ModelEntry } from '../../../config/models';

/** A model id in canonical form. */
export interface ModelIdentity {
  /** The model: the table's Claude API id when known, else the id after rules 1–5. */
  readonly model: string;
  /** Inference-profile scope (`eu`, `us`, `global`, …); null for a model invoked in-region. */
  readonly scope: string | null;
  /** The region an ARN form names; null for a bare id. */
  readonly arnRegion: string | null;
  /** The reviewed table's entry, when the model is in it. */
  readonly entry: ModelEntry | null;
}

const ARN_RE = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):(\d*):([a-z-]+)\/(.+)$/;
/** ARN resource types whose id is a model id or a system inference profile id. */
const MODEL_ARN_TYPES = new Set(['foundation-model', 'inference-profile']);
/** `<scope>.anthropic.<model>`: a system-defined cross-region inference profile. */
const PROFILE_RE = /^([a-z]{2,8}(?:-[a-z]{2,8})?)\.(anthropic\..+)$/;
const VERSION_SUFFIX_RE = /-v\d{1,3}(?::\d{1,3})?(?::\d{1,4}k)?$/;
const VERTEX_DATE_RE = /@(\d{8})$/;

/** The stem of an id (rules 4–5), used both for requests and for the table's own forms. */
function stem(id: string): string {
  let s = id.startsWith('anthropic.') ? id.slice('anthropic.'.length) : id;
  s = s.replace(VERSION_SUFFIX_RE, '');
  return s.replace(VERTEX_DATE_RE, '-$1');
}

/** Every known form's stem → its table entry. */
const BY_STEM: ReadonlyMap<string, ModelEntry> = (() => {
  const index = new Map<string, ModelEntry>();
  for (const entry of MODELS) {
    const forms = [entry.id, ...entry.aliases, ...(entry.bedrockId ? [entry.bedrockId] : [])];
    for (const form of forms) {
      const key = stem(form.toLowerCase());
      const existing = index.get(key);
      if (existing && existing !== entry) {
        throw new Error(`config/models.ts: '${form}' names both ${existing.id} and ${entry.id}`);
      }
      index.set(key, entry);
    }
  }
  return index;
})();

/** The canonical identity of a model id as a client, an operator or the config wrote it. */
export function canonicalModel(raw: string): ModelIdentity {
  let id = raw.trim().toLowerCase();
  let arnRegion: string | null = null;
  const arn = ARN_RE.exec(id);
  if (arn) {
    const [, region = '', , type = '', resource = ''] = arn;
    arnRegion = region === '' ? null : region;
    // An application inference profile or a provisioned/custom model is an opaque name: no rule applies.
    if (!MODEL_ARN_TYPES.has(type)) return { model: id, scope: null, arnRegion, entry: null };
    id = resource;
  }
  let scope: string | null = null;
  const profile = PROFILE_RE.exec(id);
  if (profile) {
    scope = profile[1] ?? null;
    id = profile[2] ?? id;
  }
  const s = stem(id);
  const entry = BY_STEM.get(s) ?? null;
  return { model: entry ? entry.id : s, scope, arnRegion, entry };
}

/** Whether two ids name the same model (any scope, any form). */
export function sameModel(a: string, b: string): boolean {
  return canonicalModel(a).model === canonicalModel(b).model;
}

/** The result of {@link ModelAllowlist.resolve}. */
export type ModelResolution =
  | {
      readonly ok: true;
      /** The canonical model (safe to record: it comes from the allowlist, not from the request). */
      readonly model: string;
      /** The id sent upstream: the allowlist entry exactly as the operator configured it. */
      readonly forward: string;
    }
  | { readonly ok: false };

/**
 * A region's allowed models. Each entry is an id as the operator configured it (the upstream's model id,
 * an inference profile id, `demo` locally); a request matches an entry when both name the same canonical
 * model and the request's scope (if any) and ARN region (if any) are the entry's. The request's own string
 * is never forwarded: a match forwards the entry.
 */
export class ModelAllowlist {
  private readonly entries: ReadonlyArray<{ readonly id: string; readonly identity: ModelIdentity }>;

  /**
   * @param entries allowed ids, as configured (at least one)
   * @param region the serving region: an ARN naming another region never matches. @default - ARN regions are not compared
   */
  constructor(
    entries: readonly string[],
    private readonly region?: string,
  ) {
    if (entries.length === 0) throw new Error('ModelAllowlist: at least one model is required');
    this.entries = entries.map((id) => ({ id, identity: canonicalModel(id) }));
  }

  /** The allowed ids, as configured. */
  get ids(): readonly string[] {
    return this.entries.map((e) => e.id);
  }

  /** Resolves a requested id; `{ ok: false }` when no entry allows it. */
  resolve(requested: string): ModelResolution {
    const want = canonicalModel(requested);
    if (want.arnRegion !== null && this.region !== undefined && want.arnRegion !== this.region) {
      return { ok: false };
    }
    for (const e of this.entries) {
      if (e.identity.model !== want.model) continue;
      if (want.scope !== null && want.scope !== e.identity.scope) continue;
      return { ok: true, model: e.identity.model, forward: e.id };
    }
    return { ok: false };
  }
}
