import { LADDER_ACTOR } from './audit';
import { effectiveStatus } from './tenant';
import type { Tenant, TenantStatus } from './types';

/**
 * What a refused tenant is told about its own enforcement status: which status, set by whom (an operator or the
 * automatic enforcement ladder), until when, and the operator command and API route that lift it. The serving
 * paths (the authorizer in AWS, the local gateway) put this text in their 403/429 bodies.
 *
 * It never carries an operator's free-text reason or principal (internal notes); the ladder's reason is its own
 * fixed wording (rule, strike count, window). The text holds no `"`, `\` or control character, because API
 * Gateway substitutes it into a JSON string of a gateway response without escaping.
 */

/** The operator CLI command that lifts a throttle or suspension. */
export const reinstateCommand = (tenantId: string): string =>
  `npx safeguards tenant reinstate ${tenantId} --reason <text>`;

/** The operator API route that does the same. */
export const reinstateRoute = (tenantId: string): string => `POST /tenants/${tenantId}/reinstate`;

/** Keeps a value substituted into the notice free of characters that would break a JSON string. */
function safe(text: string, max = 200): string {
  return text.replace(/["\\\u0000-\u001f\u007f\u2028\u2029]/g, "'").slice(0, max);
}

/** Who set the status, in words for the tenant. */
function setBy(tenant: Pick<Tenant, 'statusBy' | 'reason'>): string {
  if (tenant.statusBy === LADDER_ACTOR) {
    return `by the automatic enforcement ladder${tenant.reason ? ` (${safe(tenant.reason)})` : ''}`;
  }
  if (tenant.statusBy !== undefined) return 'by an operator';
  return 'by an operator or the enforcement ladder (the audit log of the tenant says which)';
}

/**
 * The notice for a tenant whose effective status at `now` is not `active`; `undefined` for an active tenant.
 * `throttled` reads as part of a 429 (its limits are reduced), `suspended`/`banned` as a 403.
 */
export function statusNotice(
  tenant: Pick<Tenant, 'tenantId' | 'status' | 'until' | 'statusBy' | 'reason'>,
  now: number,
): string | undefined {
  const status: TenantStatus = effectiveStatus(tenant, now);
  if (status === 'active') return undefined;
  const id = safe(tenant.tenantId, 256);
  const until =
    tenant.until !== undefined && status !== 'banned'
      ? ` until ${new Date(tenant.until).toISOString().replace(/\.\d{3}Z$/, 'Z')}`
      : status === 'banned'
        ? ' pending review'
        : ' until an operator lifts it';
  const what =
    status === 'throttled' ? `tenant ${id} is throttled (reduced rate limits)` : `tenant ${id} is ${status}`;
  const lift =
    status === 'banned'
      ? `an operator lifts it with \`npx safeguards tenant unban ${id} --reason <text>\` (operator API: POST /tenants/${id}/status)`
      : `an operator lifts it now with \`${reinstateCommand(id)}\` (operator API: ${reinstateRoute(id)})`;
  return `${what} ${setBy(tenant)}${until}; ${lift}`;
}
