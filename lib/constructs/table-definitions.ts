/**
 * Key schemas of the enforcement tables, as plain data (no AWS imports).
 *
 * The CDK construct (`enforcement-tables.ts`) and the local runtime (dynalite) both build their tables from
 * these definitions, so the two can never drift apart.
 */

/** DynamoDB scalar attribute types usable in keys. */
export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface GlobalIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** What the table holds, one line. */
  readonly description: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Epoch-seconds attribute after which DynamoDB deletes the item. */
  readonly timeToLiveAttribute?: string;
  readonly globalIndexes?: readonly GlobalIndexDefinition[];
}

export const TABLE_NAMES = ['tenants', 'limits', 'violations', 'audit'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** Name of the epoch-seconds expiry attribute on tables that expire items. */
export const TTL_ATTRIBUTE = 'expiresAt';

export const TABLE_DEFINITIONS: { readonly [K in TableName]: TableDefinition } = {
  tenants: {
    description:
      'API key hash → tenant, tier, status (active | throttled | suspended | banned), residency zone',
    partitionKey: { name: 'keyHash', type: 'S' },
    globalIndexes: [{ indexName: 'byTenant', partitionKey: { name: 'tenantId', type: 'S' } }],
  },
  limits: {
    description: 'token buckets per tenant and dimension (requests, input/output tokens per minute), leases',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'dimension', type: 'S' },
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
  violations: {
    description: 'strike counters per tenant, category and sliding window',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'window', type: 'S' },
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
  audit: {
    description: 'append-only log of operator and automatic interventions (who, what, why, when)',
    partitionKey: { name: 'subject', type: 'S' },
    sortKey: { name: 'eventId', type: 'S' },
  },
};
