import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
import { type BackgroundFailureReporter, logBackgroundFailures } from './background-failures';
import type { DocumentSender } from './client';
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
  readonly client: DocumentSender;
  readonly violationsTable: string;
  readonly tenants: Pick<DynamoTenantStore, 'keysOf' | 'setStatus'>;
  readonly audit: AuditAppender;
  readonly notifier: Notifier;
  /** @default DEFAULT_LADDER */
  readonly config?: LadderConfig;
  /** @default Date.now */
  readonly now?: () => number;
  /** Where a failed cleanup of aged-out counters is reported (counted and logged). @default logBackgroundFailures */
  readonly onBackgroundFailure?: BackgroundFailureReporter;
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
const SUSPENSION = 'x#';
/** The `window` of a tenant's strike item: one item holds every strike counter of the tenant. */
export const STRIKES_WINDOW = 'strikes';
/** A strike counter's attribute: `b<bucketStartMs, 13 digits>#<category>`. */
const BUCKET_ATTRIBUTE = /^b(\d{13})#(.*)$/s;
const bucketAttribute = (start: number, category: string) => `b${pad(start)}#${category}`;
/**
 * Counters past every window are removed (one more `UpdateItem`) once this many have gathered on the strike item:
 * the item stays small without a removal on every strike of a tenant that strikes rarely.
 */
export const STALE_COUNTERS_PRUNED_AT = 16;
/** Attribute names per `REMOVE` (an update expression holds at most 4 KB). */
const REMOVE_CHUNK = 100;

/**
 * The enforcement ladder over the `violations` table. A tenant's strikes are `ADD` counters in time buckets, all on
 * one item (`window` = `strikes`, one attribute `b<bucketStartMs>#<category>` per bucket and category, TTL = end of
 * the longest window after the last strike), so one `UpdateItem` both counts a strike and returns every counter
 * (ADR 0049); suspensions are day counters (`window` = `x#<dayStartMs>`). Escalations update every key of the
 * tenant conditionally on the status read (so concurrent strikes escalate once), append to the audit log and notify.
 */
export class DynamoEnforcementLadder {
  private readonly client: DocumentSender;
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
   * Table calls: one `UpdateItem` that adds the strike and returns the tenant's counters (atomically: the counts
   * include this strike and every strike stored before it); only when a rule's threshold is reached, the tenant's
   * keys (and, for a suspending rule, the suspension counters) are read, in parallel. Once
   * {@link STALE_COUNTERS_PRUNED_AT} counters have aged out of every window, one more `UpdateItem` removes them.
   */
  async recordViolation(violation: Violation): Promise<ViolationOutcome> {
    const now = this.now();
    const { bucketMs } = this.config;
    const start = Math.floor(now / bucketMs) * bucketMs;
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { tenantId: violation.tenantId, window: STRIKES_WINDOW },
        UpdateExpression: 'ADD #b :one SET expiresAt = :exp',
        ExpressionAttributeNames: { '#b': bucketAttribute(start, violation.category) },
        ExpressionAttributeValues: {
          ':one': 1,
          ':exp': Math.ceil((start + bucketMs + this.maxWindowMs) / 1000),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const { buckets, stale } = this.strikeCounters(out.Attributes, now);
    const counts = countStrikes(buckets, this.config, now);
    const outcome = await this.escalate(violation.tenantId, counts, now);
    // The strike and any escalation are written: a failed cleanup is reported, not the violation's failure (the
    // counters stay aged out of every window and the next strike's cleanup removes them).
    if (stale.length >= STALE_COUNTERS_PRUNED_AT) {
      await this.removeCounters(violation.tenantId, stale).catch((e) =>
        (this.options.onBackgroundFailure ?? logBackgroundFailures)('ladder-cleanup', e),
      );
    }
    return outcome;
  }

  private async escalate(
    tenantId: string,
    counts: Readonly<Record<string, number>>,
    now: number,
  ): Promise<ViolationOutcome> {
    // Below every threshold (the usual strike) nothing can escalate: the status and the suspensions are not read.
    const needs = escalationInputs(counts, this.config);
    if (!needs.status) return { counts };
    const [keys, recentSuspensions] = await Promise.all([
      this.options.tenants.keysOf(tenantId),
      needs.suspensions ? this.recentSuspensions(tenantId, now) : 0,
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
    const applied = await this.applyStatus(tenantId, change, LADDER_ACTOR, { status: key.status });
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
    // The status change is applied: its audit event comes next, so no later failure (a suspension count not
    // retried after a lost answer, a notification) can leave an enforcement action without its record.
    const event = await this.options.audit.append({
      subject: tenantId,
      actor,
      action: statusAction(change.status),
      reason: change.reason,
      before: result.before,
      after: result.after,
    });
    // Independent of each other: one failing does not stop the other; the first failure is thrown (counted).
    const [counted, notified] = await Promise.allSettled([
      change.status === 'suspended' ? this.countSuspension(tenantId) : undefined,
      this.options.notifier.notify({
        tenantId,
        actor,
        before: result.before,
        after: result.after,
        reason: change.reason,
        auditEventId: event.eventId,
      }),
    ]);
    if (counted.status === 'rejected') throw counted.reason;
    if (notified.status === 'rejected') throw notified.reason;
    return event;
  }

  /**
   * Removes every strike counter of a tenant (an operator reinstating a tenant forgives the strikes that led there,
   * so the next block does not escalate it again at once). Suspension day counters stay: the ban rule still sees
   * them. Returns the number of counters of the current windows that held strikes. One strongly consistent `GetItem`
   * of the strike item (it has a known key), then the removal.
   */
  async clearStrikes(tenantId: string): Promise<number> {
    const now = this.now();
    const { Item: item } = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { tenantId, window: STRIKES_WINDOW },
        ConsistentRead: true,
      }),
    );
    const { buckets, stale } = this.strikeCounters(item, now);
    await this.removeCounters(tenantId, [...buckets.map((b) => b.attribute), ...stale]);
    return buckets.filter((b) => b.count > 0).length;
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

  /**
   * The strike counters on a tenant's strike item: those that can still count toward a window (`buckets`) and
   * the attribute names of those past every window (`stale`). Attributes of another shape are ignored.
   */
  private strikeCounters(
    item: Record<string, unknown> | undefined,
    now: number,
  ): { buckets: Array<StrikeBucket & { readonly attribute: string }>; stale: string[] } {
    const buckets: Array<StrikeBucket & { readonly attribute: string }> = [];
    const stale: string[] = [];
    const oldest = now - this.maxWindowMs;
    for (const [attribute, value] of Object.entries(item ?? {})) {
      const m = BUCKET_ATTRIBUTE.exec(attribute);
      if (!m) continue;
      const start = Number(m[1]);
      if (start + this.config.bucketMs <= oldest) stale.push(attribute);
      else buckets.push({ attribute, start, category: m[2]!, count: Number(value ?? 0) });
    }
    return { buckets, stale };
  }

  /** Removes strike counters from a tenant's strike item (never creates the item). */
  private async removeCounters(tenantId: string, attributes: readonly string[]): Promise<void> {
    for (let i = 0; i < attributes.length; i += REMOVE_CHUNK) {
      const chunk = attributes.slice(i, i + REMOVE_CHUNK);
      const names: Record<string, string> = {};
      chunk.forEach((a, j) => {
        names[`#r${j}`] = a;
      });
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { tenantId, window: STRIKES_WINDOW },
            UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
            ConditionExpression: 'attribute_exists(tenantId)',
            ExpressionAttributeNames: names,
          }),
        );
      } catch (e) {
        // The item expired meanwhile: nothing left to remove.
        if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return;
        throw e;
      }
    }
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
