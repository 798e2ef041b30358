import type { TenantOverrides } from '../engine/overrides';

/**
 * Enforcement state as seen by the serving path: tenants, their status and rate limits.
 * Pure types, no AWS imports.
 */

/** Lifecycle status of a tenant. Ordered by severity: active < throttled < suspended < banned. */
export type TenantStatus = 'active' | 'throttled' | 'suspended' | 'banned';

/** All statuses, least severe first. */
export const TENANT_STATUSES: readonly TenantStatus[] = ['active', 'throttled', 'suspended', 'banned'];

/** Severity rank of a status (0 = active). */
export function statusRank(status: TenantStatus): number {
  return TENANT_STATUSES.indexOf(status);
}

/** Rate-limit dimensions, each a token bucket refilled over one window (a minute). */
export type Dimension = 'requests' | 'inputTokens' | 'outputTokens';

/** All dimensions. */
export const DIMENSIONS: readonly Dimension[] = ['requests', 'inputTokens', 'outputTokens'];

/** Per-minute limits of a tenant, one per dimension. */
export type RateLimits = { readonly [D in Dimension]: number };

/** Amount charged (or refunded, when negative) per dimension; missing dimensions are 0. */
export type Cost = { readonly [D in Dimension]?: number };

/** A tenant as stored (one copy per API key). */
export interface Tenant {
  readonly tenantId: string;
  readonly tier: string;
  readonly status: TenantStatus;
  /** Why the status was set (operator text or ladder rule). */
  readonly reason?: string;
  /** Epoch ms after which a `throttled`/`suspended` status lapses back to `active`. */
  readonly until?: number;
  /** Who set the current status: `system:ladder` or the operator's principal (absent on older items). */
  readonly statusBy?: string;
  /** Residency zone the tenant is bound to (e.g. `eu`). */
  readonly zone: string;
  /** Per-tenant overrides; missing dimensions use the tier's defaults. */
  readonly limits?: Partial<RateLimits>;
  /** Per-tenant policy overrides that may only tighten the baseline (validated on write and on read). */
  readonly overrides?: TenantOverrides;
}

/** A tenant resolved from a credential, plus the hash of that credential. */
export interface TenantRecord extends Tenant {
  /** SHA-256 hex of the API key this record was found by. */
  readonly keyHash: string;
}
