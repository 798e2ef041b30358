import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EnforcementTableNames } from '../../../lambdas/adapters/dynamo/client';
import { createEnforcementTables, tableNames } from '../../../lambdas/adapters/dynamo/tables';

type DynaliteFactory = (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;
// dynalite ships no types; this is the one call used.
const dynalite = require('dynalite') as DynaliteFactory;

/** A dynalite server on a free 127.0.0.1 port, with the four enforcement tables created. */
export interface LocalDynamo {
  readonly endpoint: string;
  readonly raw: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tables: EnforcementTableNames;
  stop(): Promise<void>;
}

/** Starts dynalite (in-memory) on 127.0.0.1:<free port> and creates the enforcement tables from TABLE_DEFINITIONS. */
export async function startDynalite(prefix = 'test-'): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const raw = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const tables = tableNames(prefix);
  await createEnforcementTables(raw, tables);
  return {
    endpoint,
    raw,
    doc,
    tables,
    async stop() {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A second document client on the same endpoint (another "instance"), so counters stay per client. */
export function clientFor(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}
