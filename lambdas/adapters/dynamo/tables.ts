import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type KeyAttribute,
  TABLE_DEFINITIONS,
  TABLE_NAMES,
  type TableDefinition,
} from '../../../lib/constructs/table-definitions';
import type { EnforcementTableNames } from './client';

/** CreateTable input for one definition (on-demand). TTL is not set: dynalite has no `UpdateTimeToLive`. */
export function createTableInput(tableName: string, def: TableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const add = (a: KeyAttribute) => attributes.set(a.name, { AttributeName: a.name, AttributeType: a.type });
  add(def.partitionKey);
  if (def.sortKey) add(def.sortKey);
  for (const gsi of def.globalIndexes ?? []) {
    add(gsi.partitionKey);
    if (gsi.sortKey) add(gsi.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    ...(def.globalIndexes?.length
      ? {
          GlobalSecondaryIndexes: def.globalIndexes.map((gsi) => ({
            IndexName: gsi.indexName,
            KeySchema: [
              { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' as const },
              ...(gsi.sortKey ? [{ AttributeName: gsi.sortKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

/** Table names with a common prefix (e.g. `local-` → `local-tenants`, …). */
export function tableNames(prefix = ''): EnforcementTableNames {
  return {
    tenants: `${prefix}tenants`,
    limits: `${prefix}limits`,
    violations: `${prefix}violations`,
    audit: `${prefix}audit`,
  };
}

/**
 * Creates the four enforcement tables from `TABLE_DEFINITIONS` (the same definitions the CDK construct uses).
 * Idempotent: an existing table is left as is. For dynalite / local runs; in AWS the stack owns the tables.
 */
export async function createEnforcementTables(
  client: DynamoDBClient | DynamoDBDocumentClient,
  names: EnforcementTableNames = tableNames(),
): Promise<void> {
  for (const name of TABLE_NAMES) {
    try {
      await (client as DynamoDBClient).send(
        new CreateTableCommand(createTableInput(names[name], TABLE_DEFINITIONS[name])),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
  }
}
