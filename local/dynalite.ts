/**
 * dynalite — a DynamoDB-compatible server — on 127.0.0.1, with the enforcement tables created from the
 * same definitions as the CDK stack (lib/constructs/table-definitions.ts). Used by `npm start`, the
 * operator CLI's local mode and the integration tests.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EnforcementTableNames } from '../lambdas/adapters/dynamo/client';
import { createEnforcementTables, tableNames } from '../lambdas/adapters/dynamo/tables';

type DynaliteFactory = (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
  path?: string;
}) => Server;
// dynalite ships no types; this is the one call used.
const dynalite = require('dynalite') as DynaliteFactory;

/** A running dynalite with the four enforcement tables. */
export interface LocalDynamo {
  readonly endpoint: string;
  readonly raw: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tables: EnforcementTableNames;
  stop(): Promise<void>;
}

export interface StartDynaliteOptions {
  /** Table name prefix. @default 'local-' */
  readonly prefix?: string;
  /** Port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** LevelDB folder for persistence across restarts. @default in memory */
  readonly path?: string;
}

/** Local SDK clients for an endpoint: static dummy credentials, one attempt (errors surface at once). */
export function localClients(endpoint: string): { raw: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const raw = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return { raw, doc: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }) };
}

/** Starts dynalite on 127.0.0.1 and creates the enforcement tables (existing ones are kept). */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const { raw, doc } = localClients(endpoint);
  const tables = tableNames(options.prefix ?? 'local-');
  await createEnforcementTables(raw, tables);
  return {
    endpoint,
    raw,
    doc,
    tables,
    async stop() {
      raw.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
