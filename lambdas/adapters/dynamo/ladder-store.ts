import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, LADDER_ACTOR, statusAction } from '../../core/enforcement/audit';
import {
  countStrikes,
  DEFAULT_LADDER,
  decideEscalation,
  type Escalation,
  escalationInputs,
  type LadderConfig,
  type StrikeBucket,
} from '../../core/enforcement/ladder';
import { effectiveStatus } from '../../core/enforcement/tenant';
import type { TenantStatus } from '../../core/enforcement/types';
import type { AuditAppender } from './audit-log';
import type { DynamoTenantStore, StatusChange, StatusChangeResult } from './tenant-store';

/** What the notifier receives for every status change (the lead wires it to the region's SNS topic). */
export interface EnforcementNotification {
  readonly tenantId: string;
  readonly actor: string;
  readonly before: StatusChangeResult['before'];
  readonly after: StatusChangeResult['after'];
  readonly reason: string;
  readonly auditEventId: string;
}

/** Sends enforcement notifications (Trust & Safety). */
export interface Notifier {
  notify(notification: EnforcementNotification): Promise<void>;
}

/** Options of {@link DynamoEnforcementLadder}. */
export interface LadderStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly violationsTable: string;
  readonly tenants: Pick<DynamoTenantStore, 'keysOf' | 'setStatus'>;
  readonly audit: AuditAppender;
  readonly notifier: Notifier;
  /** @default DEFAULT_LADDER */
  readonly config?: LadderConfig;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A strike to record. */
export interface Violation {
  readonly tenantId: string;
  /** Policy category that blocked (e.g. `jailbreak`). */
  readonly category: string;
}

/** Result of {@link DynamoEnforcementLadder.recordViolation}. */
export interface ViolationOutcome {
  /** Strike counts per ladder rule after this strike. */
  readonly counts: Readonly<Record<string, number>>;
  /** The status change made, if this strike escalated the tenant. */
  readonly escalation?: Escalation & { readonly auditEventId: string };
}

const DAY_MS = 86_400_000;
const pad = (ms: number) => String(Math.floor(ms)).padStart(13, '0');
const STRIKE = 's#';
const SUSPENSION = 'x#';

/**
 * The enforcement ladder over the `violations` table. Strikes are `ADD` counters in time buckets
 * (`window` = `s#<bucketStartMs>#<category>`, TTL = end of the longest window); suspensions are day counters
 * (`window` = `x#<dayStartMs>`). Escalations update every key of the tenant conditionally on the status read
 * (so concurrent strikes escalate once), append to the audit log and notify.
 */
export class DynamoEnforcementLadder {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly config: LadderConfig;
  private readonly now: () => number;
  private readonly maxWindowMs: number;

  constructor(private readonly options: LadderStoreOptions) {
    this.client = options.client;
    this.table = options.violationsTable;
    this.config = options.config ?? DEFAULT_LADDER;
    this.now = options.now ?? Date.now;
    this.maxWindowMs = Math.max(...this.config.rules.map((r) => r.windowMs), this.config.bucketMs);
  }

  /**
   * Counts a strike and escalates the tenant when a threshold is crossed. Off the serving path (after a block).
   * Table calls: the strike `UpdateItem` and one `Query` of the strike counters; only when a rule's threshold is
   * reached, the tenant's keys (and, for a suspending rule, the suspension counters) are read, in parallel.
   */
  async recordViolation(violation: Violation): Promise<ViolationOutcome> {
    const now = this.now();
    const { bucketMs } = this.config;
    const start = Math.floor(now / bucketMs) * bucketMs;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { tenantId: violation.tenantId, window: `${STRIKE}${pad(start)}#${violation.category}` },
        UpdateExpression: 'ADD #c :one SET expiresAt = :exp',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':exp': Math.ceil((start + bucketMs + this.maxWindowMs) / 1000),
        },
      }),
    );
    const counts = countStrikes(await this.strikes(violation.tenantId, now), this.config, now);
    // Below every threshold (the usual strike) nothing can escalate: the status and the suspensions are not read.
    const needs = escalationInputs(counts, this.config);
    if (!needs.status) return { counts };
    const [keys, recentSuspensions] = await Promise.all([
      this.options.tenants.keysOf(violation.tenantId),
      needs.suspensions ? this.recentSuspensions(violation.tenantId, now) : 0,
    ]);
    const [key] = keys;
    if (!key) return { counts };
    const current = effectiveStatus(key, now);
    const escalation = decideEscalation({ status: current, counts, recentSuspensions, now }, this.config);
    if (!escalation) return { counts };
    const change: StatusChange = {
      status: escalation.status,
      reason: escalation.reason,
      ...(escalation.until !== undefined ? { until: escalation.until } : {}),
    };
    const applied = await this.applyStatus(violation.tenantId, change, LADDER_ACTOR, { status: key.status });
    if (!applied) return { counts }; // another instance escalated concurrently
    return { counts, escalation: { ...escalation, auditEventId: applied.eventId } };
  }

  /**
   * Changes a tenant's status (every key), appends the audit event and notifies. Used by the ladder
   * (`actor` = `system:ladder`, conditional on `expected`) and by operators (`actor` = their principal).
   * Returns the audit event, or `undefined` when the tenant is unknown or its status changed meanwhile.
   */
  async applyStatus(
    tenantId: string,
    change: StatusChange,
    actor: string,
    expected?: { readonly status: TenantStatus },
  ): Promise<AuditEvent | undefined> {
    const result = await this.options.tenants.setStatus(tenantId, { ...change, by: actor }, expected);
    if (!result) return undefined;
    if (change.status === 'suspended') await this.countSuspension(tenantId);
    const event = await this.options.audit.append({
      subject: tenantId,
      actor,
      action: statusAction(change.status),
      reason: change.reason,
      before: result.before,
      after: result.after,
    });
    await this.options.notifier.notify({
      tenantId,
      actor,
      before: result.before,
      after: result.after,
      reason: change.reason,
      auditEventId: event.eventId,
    });
    return event;
  }

  /**
   * Sets every strike counter of a tenant's current windows to 0 (an operator reinstating a tenant forgives the
   * strikes that led there, so the next block does not escalate it again at once). Suspension day counters stay:
   * the ban rule still sees them. Returns the number of counters reset.
   */
  async clearStrikes(tenantId: string): Promise<number> {
    const now = this.now();
    const from = now - this.maxWindowMs - this.config.bucketMs;
    const items = await this.queryRange(tenantId, `${STRIKE}${pad(from)}`, `${STRIKE}${pad(now)}#\uffff`);
    let n = 0;
    for (const item of items) {
      if (Number(item.count ?? 0) === 0) continue;
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tenantId, window: item.window },
          UpdateExpression: 'SET #c = :zero',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
      n += 1;
    }
    return n;
  }

  private async countSuspension(tenantId: string): Promise<void> {
    const now = this.now();
    const day = Math.floor(now / DAY_MS) * DAY_MS;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { tenantId, window: `${SUSPENSION}${pad(day)}` },
        UpdateExpression: 'ADD #c :one SET expiresAt = :exp',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':exp': Math.ceil((day + DAY_MS + this.config.ban.windowMs) / 1000),
        },
      }),
    );
  }

  private async strikes(tenantId: string, now: number): Promise<StrikeBucket[]> {
    const from = now - this.maxWindowMs - this.config.bucketMs;
    const items = await this.queryRange(tenantId, `${STRIKE}${pad(from)}`, `${STRIKE}${pad(now)}#\uffff`);
    const buckets: StrikeBucket[] = [];
    for (const item of items) {
      const [, startText, ...category] = String(item.window).split('#');
      buckets.push({
        start: Number(startText),
        category: category.join('#'),
        count: Number(item.count ?? 0),
      });
    }
    return buckets;
  }

  private async recentSuspensions(tenantId: string, now: number): Promise<number> {
    const from = now - this.config.ban.windowMs - DAY_MS;
    const items = await this.queryRange(tenantId, `${SUSPENSION}${pad(from)}`, `${SUSPENSION}${pad(now)}`);
    let n = 0;
    for (const item of items) {
      const start = Number(String(item.window).slice(SUSPENSION.length));
      // Day granularity: a suspension counts while its day overlaps the window (conservative, up to one day).
      if (start + DAY_MS > now - this.config.ban.windowMs) n += Number(item.count ?? 0);
    }
    return n;
  }

  private async queryRange(
    tenantId: string,
    from: string,
    to: string,
  ): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'tenantId = :t AND #w BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#w': 'window' },
          ExpressionAttributeValues: { ':t': tenantId, ':from': from, ':to': to },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
