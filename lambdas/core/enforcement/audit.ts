import { randomBytes } from 'node:crypto';
import type { TenantStatus } from './types';

/** Actor of automatic ladder escalations. */
export const LADDER_ACTOR = 'system:ladder';

/** One entry of the append-only audit log. */
export interface AuditEvent {
  /** What the event is about: a tenant id (or `region` for regional switches). */
  readonly subject: string;
  /** Time-ordered unique id (see {@link auditEventId}); sort key. */
  readonly eventId: string;
  /** Epoch ms. */
  readonly at: number;
  /** `system:ladder` or the operator's principal (IAM ARN). */
  readonly actor: string;
  /** e.g. `status.throttle`, `status.suspend`, `status.ban`, `status.unban`, `tenant.create`, `key.create`. */
  readonly action: string;
  readonly reason: string;
  readonly before?: { readonly status: TenantStatus; readonly until?: number };
  readonly after?: { readonly status: TenantStatus; readonly until?: number };
}

/**
 * A time-ordered unique id: 13-digit epoch ms, `-`, 16 random hex digits. Lexicographic order is time order
 * (to the millisecond), so a `Query` on `subject` returns events chronologically.
 */
export function auditEventId(
  now: number,
  random: () => string = () => randomBytes(8).toString('hex'),
): string {
  return `${String(Math.floor(now)).padStart(13, '0')}-${random()}`;
}

/** Audit action name for a status change. */
export function statusAction(after: TenantStatus): string {
  return {
    active: 'status.reinstate',
    throttled: 'status.throttle',
    suspended: 'status.suspend',
    banned: 'status.ban',
  }[after];
}
