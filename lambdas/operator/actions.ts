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
import type { TenantStatus } from '../core/enforcement/types';
import { looseningIn, type TenantOverrides } from '../core/engine/overrides';
import { defaultPolicy, type Policy } from '../core/index';
import { canonicalModel } from '../core/models/identity';
import type { Category } from '../core/types';

export interface OperatorContext {
  readonly tenants: DynamoTenantStore;
  readonly audit: DynamoAuditLog;
  readonly ladder: DynamoEnforcementLadder;
  /** Regional controls (kill switch), uncached. */
  readonly controls: DynamoControlsStore;
  /** Who is acting: recorded as the audit actor. */
  readonly actor: string;
}

/** Builds the stores for an operator session. No read caching: operators see the current state. */
export function operatorContext(
  client: DynamoDBDocumentClient,
  tables: EnforcementTableNames,
  actor: string,
  notifier: Notifier = { notify: async () => {} },
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
  return { tenants, audit, ladder, controls, actor };
}

/** Creates a tenant with its first key (the raw key is shown once) and audits it. */
export async function createTenant(
  ctx: OperatorContext,
  input: { tenantId?: string; tier: string; zone: string; apiKey?: string },
): Promise<{ tenantId: string; apiKey: string }> {
  const issued = await ctx.tenants.createTenant(input);
  await ctx.audit.append({
    subject: issued.tenant.tenantId,
    actor: ctx.actor,
    action: 'tenant.create',
    reason: `tier ${input.tier}`,
  });
  return { tenantId: issued.tenant.tenantId, apiKey: issued.apiKey };
}

/** Issues another key for a tenant and audits it. */
export async function addKey(ctx: OperatorContext, tenantId: string): Promise<{ apiKey: string }> {
  const issued = await ctx.tenants.addKey(tenantId);
  await ctx.audit.append({ subject: tenantId, actor: ctx.actor, action: 'key.create', reason: 'operator' });
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
  if (!event) throw new Error(`no tenant '${tenantId}'`);
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
  if (updated === 0) throw new Error(`no tenant '${tenantId}'`);
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
