/**
 * dynalite — a DynamoDB-compatible server — on 127.0.0.1, with the enforcement tables created from the
 * same definitions as the CDK stack (lib/constructs/table-definitions.ts). Used by `npm start`, the
 * operator CLI's local mode and the integration tests.
 */
import type { RequestListener, Server, ServerResponse } from 'node:http';
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
  /** How long `stop()` waits for requests in flight before it gives up (and rejects). @default 10 000 */
  readonly drainMs?: number;
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
  const guard = guardRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const { raw, doc } = localClients(endpoint);
  const tables = tableNames(options.prefix ?? 'local-');
  let stopping: Promise<void> | undefined;
  await createEnforcementTables(raw, tables);
  return {
    endpoint,
    raw,
    doc,
    tables,
    stop() {
      stopping ??= stopServer(server, raw, guard, options.drainMs ?? 10_000);
      return stopping;
    },
  };
}

/**
 * dynalite throws process-wide (`Error: Database is closed`) when an action is still running as its database
 * closes, and closing the HTTP server does not wait for one. So requests are counted from arrival until dynalite
 * answers them; once stopping, new ones are refused with a 503 before they reach dynalite.
 */
function guardRequests(server: Server) {
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const inFlight = new Set<ServerResponse>();
  let onIdle: (() => void) | undefined;
  const state = {
    closing: false,
    get inFlight() {
      return inFlight.size;
    },
    /** Calls `fn` once no request is in flight (no timer: it does not hold the process open). */
    whenIdle(fn: () => void) {
      if (inFlight.size === 0) fn();
      else onIdle = fn;
    },
    /** Resolves true once no request is in flight, false after `ms`. */
    drained(ms: number): Promise<boolean> {
      if (inFlight.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        onIdle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
  };
  server.on('request', (req, res) => {
    if (state.closing) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/x-amz-json-1.0', connection: 'close' });
      res.end(JSON.stringify({ __type: 'ServiceUnavailable', message: 'dynalite is stopping' }));
      return;
    }
    inFlight.add(res);
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    // Counted out once dynalite has answered and the answer has left (closing sooner would cut it off).
    res.end = ((...args: unknown[]) => {
      const out = end(...args);
      const done = () => {
        inFlight.delete(res);
        if (inFlight.size === 0) onIdle?.();
      };
      if (res.closed) setImmediate(done);
      else res.once('close', done);
      return out;
    }) as ServerResponse['end'];
    for (const handler of handlers) handler(req, res);
  });
  return state;
}

/**
 * Stops in this order: refuse new requests, drop this module's client and idle connections, wait (bounded) for the
 * requests in flight to be answered, then close the server and with it the database. If they are not answered in
 * time, it rejects and leaves the database open until they are (closing it under them would crash the process).
 */
async function stopServer(
  server: Server,
  raw: DynamoDBClient,
  guard: ReturnType<typeof guardRequests>,
  drainMs: number,
): Promise<void> {
  guard.closing = true;
  raw.destroy();
  server.closeIdleConnections();
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err?: Error) => (err ? reject(err) : resolve()));
    });
  if (await guard.drained(drainMs)) return close();
  const left = guard.inFlight;
  guard.whenIdle(() => void close().catch(() => undefined));
  throw new Error(
    `dynalite: ${left} request(s) still in flight ${drainMs} ms after stop(); the database stays open until they are answered`,
  );
}
