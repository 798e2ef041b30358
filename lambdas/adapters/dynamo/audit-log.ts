import { isDeepStrictEqual } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
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

  /**
   * Appends one event; the id is time-ordered and unique (an id collision fails rather than overwrite). A put applied
   * whose answer was lost and that the client re-sent fails its condition on the event it wrote: when the item the
   * failure returns (`ReturnValuesOnConditionCheckFailure`) is this very event, the append succeeded (docs/adr/0057).
   * Without that item (dynalite does not return it; the writers may not read the table) the failure is thrown.
   */
  async append(entry: AuditEntry): Promise<AuditEvent> {
    const at = this.now();
    const event: AuditEvent = { ...entry, at, eventId: auditEventId(at) };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: event,
          ConditionExpression: 'attribute_not_exists(eventId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      // The error's item is as DynamoDB sent it (the SDK's document client does not unmarshall it); the event is
      // compared as stored (undefined fields removed).
      const stored =
        err instanceof ConditionalCheckFailedException && err.Item ? unmarshall(err.Item) : undefined;
      if (!stored || !isDeepStrictEqual(stored, unmarshall(marshall(event, { removeUndefinedValues: true }))))
        throw err;
    }
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
