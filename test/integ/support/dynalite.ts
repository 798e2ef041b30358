import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LocalDynamo, localClients, startDynalite as start } from '../../../local/dynalite';

export type { LocalDynamo };

/** Starts dynalite (in-memory) on 127.0.0.1:<free port> with the enforcement tables (prefix `test-`). */
export function startDynalite(prefix = 'test-'): Promise<LocalDynamo> {
  return start({ prefix });
}

/** A second document client on the same endpoint (another "instance"), so counters stay per client. */
export function clientFor(endpoint: string): DynamoDBDocumentClient {
  return localClients(endpoint).doc;
}
