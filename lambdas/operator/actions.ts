/**
 * Operator actions over a region's enforcement state — the same code against the local dynalite and
 * against AWS (only the DynamoDB endpoint and table names differ). Every change is appended to the
 * audit table with the operator as actor.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../adapters/dynamo/audit-log';
import type { EnforcementTableNames } from '../adapters/dynamo/client';
import { DynamoControlsStore } from '../adapters/dynamo/controls-store';
import { DynamoEnforcementLadder, type Notifier } from '../adapters/dynamo/ladder-store';
import { DynamoTenantStore } from '../adapters/dynamo/tenant-store';
import type { AuditEvent } from '../core/enforcement/audit';
import type { KillSwitchMode, RegionControls } from '../core/enforcement/controls';
import {
  DEFAULT_TIER_CONFIG,
  type TierConfig,
  tenantLimitsSchema,
  unknownTierMessage,
} from '../core/enforcement/tenant';
import type { RateLimits, Tenant, TenantRecord, TenantStatus } from '../core/enforcement/types';
import { looseningIn, type TenantOverrides } from '../core/engine/overrides';
import { defaultPolicy, type Policy } from '../core/index';
import { canonicalModel } from '../core/models/identity';
import type { Pseudonymize } from '../core/serving/types';
import type { Category } from '../core/types';
import { formatIssues } from '../core/util/issues';

export interface OperatorContext {
  readonly tenants: DynamoTenantStore;
  readonly audit: DynamoAuditLog;
  readonly ladder: DynamoEnforcementLadder;
  /** Regional controls (kill switch), uncached. */
  readonly controls: DynamoControlsStore;
  /** Who is acting: recorded as the audit actor. */
  readonly actor: string;
  /** The tier table tenants are created against (the one the authorizer enforces). */
  readonly tierConfig: TierConfig;
  /**
   * The region's pseudonymizer (local HMAC key, or KMS `GenerateMac` in AWS), to resolve a `tn_…` pseudonym
   * from a decision record to its tenant. Absent: pseudonyms are refused with the reason.
   */
  readonly pseudonymize?: Pseudonymize;
}

/**
 * A refused operator input or a missing subject: `status` is what the API answers (400, 404, 409), `field` names
 * the input at fault. The CLI exits with code 2 and the message.
 */
export class ActionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 501,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

/** Tenant ids operators may give (also what the operator API's path parameter accepts). */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

/** A tenant pseudonym as decision records show it: `tn_` and 32 hex digits (compared lower-cased). */
export const TENANT_PSEUDONYM_PATTERN = /^tn_[0-9a-f]{32}$/i;

/** Builds the stores for an operator session. No read caching: operators see the current state. */
export function operatorContext(
  client: DynamoDBDocumentClient,
  tables: EnforcementTableNames,
  actor: string,
  notifier: Notifier = { notify: async () => {} },
  extra: { readonly tierConfig?: TierConfig; readonly pseudonymize?: Pseudonymize } = {},
): OperatorContext {
  const tenants = new DynamoTenantStore({ client, tableName: tables.tenants, cacheTtlMs: 0 });
  const audit = new DynamoAuditLog({ client, tableName: tables.audit });
  const ladder = new DynamoEnforcementLadder({
    client,
    violationsTable: tables.violations,
    tenants,
    audit,
    notifier,
  });
  const controls = new DynamoControlsStore({ client, tableName: tables.tenants, cacheTtlMs: 0 });
  return {
    tenants,
    audit,
    ladder,
    controls,
    actor,
    tierConfig: extra.tierConfig ?? DEFAULT_TIER_CONFIG,
    ...(extra.pseudonymize ? { pseudonymize: extra.pseudonymize } : {}),
  };
}

/** Creates a tenant with its first key (the raw key is shown once) and audits it. */
export async function createTenant(
  ctx: OperatorContext,
  input: { tenantId?: string; tier: string; zone: string; apiKey?: string },
): Promise<{ tenantId: string; apiKey: string }> {
  const tier = input.tier.trim().toLowerCase();
  const unknown = unknownTierMessage(tier, ctx.tierConfig);
  if (unknown) throw new ActionError(400, 'tier', unknown);
  if (input.tenantId !== undefined && !TENANT_ID_PATTERN.test(input.tenantId)) {
    throw new ActionError(
      400,
      'tenantId',
      `a tenant id is 1 to 128 letters, digits and . _ : @ -, got '${input.tenantId.slice(0, 140)}'`,
    );
  }
  if (input.tenantId !== undefined && TENANT_PSEUDONYM_PATTERN.test(input.tenantId)) {
    throw new ActionError(400, 'tenantId', 'a tenant id must not look like a tn_ pseudonym');
  }
  if (input.tenantId !== undefined && (await ctx.tenants.keysOf(input.tenantId)).length > 0) {
    throw new ActionError(409, 'tenantId', `tenant '${input.tenantId}' exists already`);
  }
  const issued = await ctx.tenants.createTenant({ ...input, tier });
  await ctx.audit.append({
    subject: issued.tenant.tenantId,
    actor: ctx.actor,
    action: 'tenant.create',
    reason: `tier ${tier}`,
  });
  return { tenantId: issued.tenant.tenantId, apiKey: issued.apiKey };
}

/** Issues another key for a tenant and audits it. */
export async function addKey(
  ctx: OperatorContext,
  tenantId: string,
  opts: {
    /** A key minted elsewhere (e.g. with a signed home-region claim). @default - a fresh random key */
    readonly apiKey?: string;
    /** What the audit records about the key (never the key). @default 'operator' */
    readonly note?: string;
  } = {},
): Promise<{ apiKey: string }> {
  await keysOrFail(ctx, tenantId);
  const issued = await ctx.tenants.addKey(tenantId, opts.apiKey);
  await ctx.audit.append({
    subject: tenantId,
    actor: ctx.actor,
    action: 'key.create',
    reason: opts.note ?? 'operator',
  });
  return { apiKey: issued.apiKey };
}

const DURATION = /^([0-9]{1,6})(s|m|h|d)$/;

/** `90s`, `15m`, `24h`, `7d` → milliseconds; throws a clear error otherwise. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`expected a duration like 15m, 24h or 7d, got '${text}'`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Sets a tenant's status on every key, audits and notifies. Throws when the tenant is unknown. */
export async function setStatus(
  ctx: OperatorContext,
  tenantId: string,
  status: TenantStatus,
  reason: string,
  forMs?: number,
  now: () => number = Date.now,
): Promise<AuditEvent> {
  if (reason.trim() === '')
    throw new Error('a reason is required for every status change (it goes to the audit log)');
  const event = await ctx.ladder.applyStatus(
    tenantId,
    { status, reason, ...(forMs !== undefined ? { until: now() + forMs } : {}) },
    ctx.actor,
  );
  if (!event) throw new ActionError(404, 'tenantId', `no tenant '${tenantId}'`);
  return event;
}

/** Sets the kill switch mode (keeping disabled models), audited with the operator as actor. */
export async function setKillSwitch(
  ctx: OperatorContext,
  mode: KillSwitchMode,
  reason: string,
): Promise<RegionControls> {
  if (reason.trim() === '')
    throw new Error('a reason is required for every kill-switch change (it goes to the audit log)');
  const current = await ctx.controls.read();
  return ctx.controls.set({ ...current, mode, reason }, ctx.actor, ctx.audit);
}

/**
 * Disables or re-enables a model in this region, audited. Ids are compared in canonical form: enabling
 * `Demo` removes a `demo` entry, and disabling a model already disabled under another form adds nothing.
 */
export async function setModelDisabled(
  ctx: OperatorContext,
  model: string,
  disabled: boolean,
  reason: string,
): Promise<RegionControls> {
  if (reason.trim() === '') throw new Error('a reason is required (it goes to the audit log)');
  const current = await ctx.controls.read();
  const wanted = canonicalModel(model).model;
  const others = current.disabledModels.filter((m) => canonicalModel(m).model !== wanted);
  const same = current.disabledModels.filter((m) => canonicalModel(m).model === wanted);
  const set = new Set(disabled ? [...others, ...(same.length > 0 ? same : [model])] : others);
  return ctx.controls.set({ ...current, disabledModels: [...set].sort(), reason }, ctx.actor, ctx.audit);
}

/**
 * Sets a tenant's category overrides. They may only tighten the baseline policy: a lower threshold, a more
 * severe action; anything looser is refused with the reason. Audited (`overrides.set`).
 */
export async function setOverrides(
  ctx: OperatorContext,
  tenantId: string,
  overrides: TenantOverrides,
  reason: string,
  policy: Policy = defaultPolicy(),
): Promise<AuditEvent> {
  if (reason.trim() === '') throw new Error('a reason is required (it goes to the audit log)');
  const loose = looseningIn(policy, overrides);
  if (loose.length > 0) throw new OverrideError(loose);
  const updated = await ctx.tenants.setOverrides(tenantId, overrides);
  if (updated === 0) throw new ActionError(404, 'tenantId', `no tenant '${tenantId}'`);
  return ctx.audit.append({
    subject: tenantId,
    actor: ctx.actor,
    action: 'overrides.set',
    reason: `${reason} ${JSON.stringify(overrides)}`,
  });
}

/** Overrides that would loosen the baseline: each problem names the category and field. */
export class OverrideError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'OverrideError';
  }
}

/** Switches categories to shadow in this region (or back, with an empty list). Audited. */
export async function setShadow(
  ctx: OperatorContext,
  categories: readonly Category[],
  reason: string,
): Promise<RegionControls> {
  if (reason.trim() === '') throw new Error('a reason is required (it goes to the audit log)');
  const current = await ctx.controls.read();
  return ctx.controls.set(
    { ...current, shadowCategories: [...new Set(categories)].sort(), reason },
    ctx.actor,
    ctx.audit,
  );
}

/** The keys of a tenant, or a 404 {@link ActionError}. */
async function keysOrFail(ctx: OperatorContext, tenantId: string): Promise<TenantRecord[]> {
  const keys = await ctx.tenants.keysOf(tenantId);
  if (keys.length === 0) throw new ActionError(404, 'tenantId', `no tenant '${tenantId}'`);
  return keys;
}

function requireReason(reason: string): void {
  if (reason.trim() === '')
    throw new ActionError(400, 'reason', 'a reason is required (it goes to the audit log)');
}

/**
 * Validates per-tenant limits (each a positive whole number per minute, bounded by `LIMIT_BOUNDS`, at least one
 * given). Throws an {@link ActionError} naming the dimension at fault.
 */
export function validateLimits(limits: unknown): Partial<RateLimits> {
  const parsed = tenantLimitsSchema.safeParse(limits);
  if (parsed.success) return parsed.data as Partial<RateLimits>;
  const first = formatIssues(parsed.error.issues)[0] ?? 'limits: invalid';
  const [field = 'limits', ...rest] = first.split(': ');
  throw new ActionError(400, field === '(root)' ? 'limits' : field, rest.join(': '));
}

/**
 * Sets a tenant's per-minute limits over its tier's defaults (dimensions not given keep their current override
 * or the tier default). Audited (`limits.set`) with the before and after values.
 */
export async function setLimits(
  ctx: OperatorContext,
  tenantId: string,
  limits: Partial<RateLimits>,
  reason: string,
): Promise<AuditEvent> {
  requireReason(reason);
  const given = validateLimits(limits);
  const [first] = await keysOrFail(ctx, tenantId);
  const next = { ...first?.limits, ...given };
  await ctx.tenants.setLimits(tenantId, next);
  return ctx.audit.append({
    subject: tenantId,
    actor: ctx.actor,
    action: 'limits.set',
    reason: `${reason} ${JSON.stringify(first?.limits ?? {})} → ${JSON.stringify(next)}`,
  });
}

/** Removes a tenant's limit overrides: its tier's defaults apply again. Audited (`limits.clear`). */
export async function clearLimits(
  ctx: OperatorContext,
  tenantId: string,
  reason: string,
): Promise<AuditEvent> {
  requireReason(reason);
  const [first] = await keysOrFail(ctx, tenantId);
  await ctx.tenants.setLimits(tenantId, {});
  return ctx.audit.append({
    subject: tenantId,
    actor: ctx.actor,
    action: 'limits.clear',
    reason: `${reason} ${JSON.stringify(first?.limits ?? {})} → tier ${first?.tier} defaults`,
  });
}

/**
 * Lifts a throttle or suspension (set by an operator or by the ladder): the tenant is active again, the strikes
 * of its current ladder windows are forgiven (otherwise its next block would escalate it again at once), audited
 * as `status.reinstate` and notified like every status change. A banned tenant is refused (`tenant unban` is the
 * deliberate step after a review), and so is a tenant that is active already.
 */
export async function reinstate(
  ctx: OperatorContext,
  tenantId: string,
  reason: string,
): Promise<AuditEvent & { readonly strikesCleared: number }> {
  requireReason(reason);
  const [first] = await keysOrFail(ctx, tenantId);
  const stored = first!.status;
  if (stored === 'banned') {
    throw new ActionError(
      409,
      'status',
      `tenant '${tenantId}' is banned (pending review); lift a ban with 'tenant unban' after the review`,
    );
  }
  if (stored === 'active') {
    throw new ActionError(409, 'status', `tenant '${tenantId}' is active already; nothing to reinstate`);
  }
  const strikesCleared = await ctx.ladder.clearStrikes(tenantId);
  const event = await ctx.ladder.applyStatus(tenantId, { status: 'active', reason }, ctx.actor, {
    status: stored,
  });
  if (!event)
    throw new ActionError(409, 'status', `the status of '${tenantId}' changed meanwhile; try again`);
  return { ...event, strikesCleared };
}

/** How many tenant pseudonyms are computed at once when resolving one (KMS request rate stays modest). */
const PSEUDONYM_CONCURRENCY = 8;

/**
 * Resolves what an operator typed to a tenant id: a tenant id as is, or a `tn_…` pseudonym from a decision record,
 * by computing every tenant's pseudonym with the region's key and comparing in canonical (lower-case) form. In
 * AWS that is one KMS `GenerateMac` per tenant (docs/enforcement.md gives the cost). Throws a 404/400
 * {@link ActionError} when nothing matches or the pseudonym cannot be computed here.
 */
export async function resolveTenant(ctx: OperatorContext, ref: string): Promise<string> {
  const wanted = ref.trim();
  if (!TENANT_PSEUDONYM_PATTERN.test(wanted)) {
    if (wanted === '') throw new ActionError(400, 'tenantId', 'expected a tenant id or a tn_ pseudonym');
    return wanted;
  }
  if (!ctx.pseudonymize) {
    throw new ActionError(
      501,
      'tenantId',
      'pseudonyms cannot be resolved here: no pseudonym key is configured (local: the data folder of npm start; AWS: SAFEGUARDS_HMAC_KEY_ID)',
    );
  }
  const canonical = wanted.toLowerCase();
  const tenants: Tenant[] = await ctx.tenants.listTenants();
  for (let i = 0; i < tenants.length; i += PSEUDONYM_CONCURRENCY) {
    const batch = tenants.slice(i, i + PSEUDONYM_CONCURRENCY);
    const names = await Promise.all(batch.map((t) => ctx.pseudonymize!('tenant', t.tenantId)));
    const hit = names.findIndex((n) => n.toLowerCase() === canonical);
    if (hit >= 0) return batch[hit]!.tenantId;
  }
  throw new ActionError(404, 'tenantId', `no tenant has the pseudonym ${canonical} in this region`);
}

/** What `tenant show` reports: the tenant (no key hash), its key count and audit trail. */
export async function showTenant(
  ctx: OperatorContext,
  ref: string,
): Promise<{ tenant: Tenant; keys: number; audit: AuditEvent[] }> {
  const tenantId = await resolveTenant(ctx, ref);
  const keys = await keysOrFail(ctx, tenantId);
  const { keyHash: _k, ...tenant } = keys[0]!;
  return { tenant, keys: keys.length, audit: await ctx.audit.events(tenantId) };
}
