import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, auditEventId } from '../../core/enforcement/audit';
import type { DocumentSender } from './client';

/** Input of {@link DynamoAuditLog.append}: an event without its generated id and time. */
export type AuditEntry = Omit<AuditEvent, 'eventId' | 'at'>;

/** Appends to the audit log. */
export interface AuditAppender {
  append(entry: AuditEntry): Promise<AuditEvent>;
}

/** Options of {@link DynamoAuditLog}. */
export interface AuditLogOptions {
  readonly client: DocumentSender;
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The append-only `audit` table (`subject` + time-ordered `eventId`). Writers only `PutItem` with
 * `attribute_not_exists`, so an event can never be overwritten (the IAM grant allows nothing else).
 */
export class DynamoAuditLog implements AuditAppender {
  private readonly client: DocumentSender;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: AuditLogOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  /** Appends one event; the id is time-ordered and unique (an id collision fails rather than overwrite). */
  async append(entry: AuditEntry): Promise<AuditEvent> {
    const at = this.now();
    const event: AuditEvent = { ...entry, at, eventId: auditEventId(at) };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: event,
        ConditionExpression: 'attribute_not_exists(eventId)',
      }),
    );
    return event;
  }

  /** Events about one subject, oldest first. */
  async events(subject: string, limit = 100): Promise<AuditEvent[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'subject = :s',
        ExpressionAttributeValues: { ':s': subject },
        Limit: limit,
      }),
    );
    return (out.Items ?? []) as AuditEvent[];
  }
}
