import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * What the enforcement stores need of a document client: `send` of a document command. The SDK's
 * `DynamoDBDocumentClient` (tests, the local runtime, the operator) and `SignedDocumentClient` (the serving
 * functions: ./signed-document-client.ts) both are one.
 */
export type DocumentSender = Pick<DynamoDBDocumentClient, 'send'>;

/** Physical names of the four enforcement tables. */
export interface EnforcementTableNames {
  readonly tenants: string;
  readonly limits: string;
  readonly violations: string;
  readonly audit: string;
}

/**
 * A document client with the settings the enforcement stores expect (`removeUndefinedValues`).
 * Build once per process (module scope), never per invocation. Does no I/O.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Counts DynamoDB operations sent through a client (one per command, retries not included). */
export interface RoundTripCounter {
  /** Operations since creation or the last {@link RoundTripCounter.reset}. */
  readonly count: number;
  /** Operations per command name. */
  readonly byCommand: Readonly<Record<string, number>>;
  /** Operations per `<command> <table>` (e.g. `GetItemCommand tenants`). */
  readonly byTable: Readonly<Record<string, number>>;
  reset(): void;
}

/**
 * Adds a middleware counting every command sent through `client` (used by tests and benchmarks to measure
 * table round trips per request). Returns a live counter.
 */
export function countRoundTrips(client: DynamoDBDocumentClient | DynamoDBClient): RoundTripCounter {
  const state = { count: 0, byCommand: {} as Record<string, number>, byTable: {} as Record<string, number> };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      state.count += 1;
      const name = context.commandName ?? 'unknown';
      state.byCommand[name] = (state.byCommand[name] ?? 0) + 1;
      const input = (args as { input?: { TableName?: unknown } }).input;
      const key = `${name} ${typeof input?.TableName === 'string' ? input.TableName : '-'}`;
      state.byTable[key] = (state.byTable[key] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'enforcementRoundTripCounter', override: true },
  );
  return {
    get count() {
      return state.count;
    },
    get byCommand() {
      return { ...state.byCommand };
    },
    get byTable() {
      return { ...state.byTable };
    },
    reset() {
      state.count = 0;
      state.byCommand = {};
      state.byTable = {};
    },
  };
}
