/**
 * The local gateway: an HTTP server on 127.0.0.1 that adapts requests to the SAME code the Lambda
 * functions run — `authorize()` (the REQUEST authorizer's logic) and `serveInference()` (the proxy's), over the
 * serving graph the proxy Lambda builds too (`composeServing`, lambdas/shared/compose.ts). What API Gateway does
 * in AWS (routing, the authorizer call, rejecting before the proxy) is done here in a few lines.
 */

import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { MODELS } from '../config/models';
import { localPseudonymizer } from '../lambdas/adapters/hmac';
import {
  type AuthorizeDeps,
  type AuthorizeOutcome,
  authorize,
  CREDENTIAL_REASONS,
  denyMessage,
} from '../lambdas/authorizer/authorize';
import type { EdgeRequirement } from '../lambdas/authorizer/edge-origin';
import { type DecisionSink, newDecisionId } from '../lambdas/core/decision/record';
import { defaultPolicy, type Policy } from '../lambdas/core/index';
import type { ErrorResponse, ServeFailure } from '../lambdas/core/serving/errors';
import { matchRoute } from '../lambdas/core/serving/http-edge';
import { nodeResponseWriter } from '../lambdas/core/serving/node-writer';
import { type Refusal, refuseRequest } from '../lambdas/core/serving/refusal';
import { serveInference } from '../lambdas/core/serving/serve';
import type { ServeMetrics } from '../lambdas/core/serving/types';
import { enforcementAccess } from '../lambdas/shared/access';
import { composeServing, type ServingConfig, servingBackgroundFailures } from '../lambdas/shared/compose';
import type { LocalDynamo } from './dynalite';
import { close, listen } from './http-util';

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** @default 8787; 0 picks a free port */
  readonly port?: number;
  /** Anthropic-compatible base URL of the model (the demo upstream locally). */
  readonly upstreamUrl: string;
  /** Sent as `x-api-key` to `upstreamUrl` (and nowhere else: redirects are not followed). @default - none */
  readonly upstreamApiKey?: string;
  /** Reference classifier base URL (tier 2); absent → tier 2 is skipped. */
  readonly classifierUrl?: string;
  readonly dynamo: LocalDynamo;
  /** HMAC key for pseudonyms (≥ 32 bytes). */
  readonly hmacKey: Uint8Array;
  readonly sink: DecisionSink;
  /** @default the embedded default policy */
  readonly policy?: Policy;
  /** @default 2 MiB (the engine's limit) */
  readonly maxBodyBytes?: number;
  /** Request header bytes accepted; larger → 431. @default {@link MAX_HEADER_BYTES} */
  readonly maxHeaderBytes?: number;
  /**
   * Models served (compared in canonical form; any other model is answered 404).
   * @default {@link DEMO_MODELS}
   */
  readonly models?: readonly string[];
  /** Tenant cache TTL; bounds how fast a status change is seen. @default 2000 */
  readonly tenantCacheTtlMs?: number;
  /** Tenants the enforcement ladder never strikes (the demo tenant, unless `--ladder`). @default none */
  readonly ladderExemptTenants?: readonly string[];
  /** Receives metric increments (defaults to counting in memory; see {@link Gateway.metrics}). */
  readonly metrics?: ServeMetrics;
  /** Operational messages (never request content). @default stderr */
  readonly log?: (line: string) => void;
  /**
   * Serve only requests that came through the (local) edge, as a region with `edge.requireEdge` does.
   *
   * @default - direct requests are served
   */
  readonly edge?: EdgeRequirement;
}

export interface Gateway {
  readonly url: string;
  readonly server: Server;
  /** The models served, as configured. */
  readonly models: readonly string[];
  /** Metric totals by name, for tests and the load report. */
  readonly metrics: () => Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/** Lower-cased single-value headers (repeated headers keep the first value; identity never comes from them). */
function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const h = req.headers;
  // Node lower-cases the names already; kept as the contract of this function.
  for (const k of Object.keys(h)) {
    const v = h[k];
    out[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  }
  return out;
}

/**
 * Reads at most `limit` + 1 bytes. A larger body is cut there (serving then answers 413 without buffering
 * the rest, which {@link discardBody} reads and drops).
 */
function readLimited(req: IncomingMessage, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (overflow: boolean) => {
      if (done) return;
      done = true;
      resolve({ body: Buffer.concat(chunks), overflow });
    };
    req.on('data', (c: Buffer) => {
      if (done) return;
      const room = limit + 1 - size;
      if (c.length >= room) {
        chunks.push(c.subarray(0, room));
        size += room;
        req.pause();
        finish(true);
        return;
      }
      chunks.push(c);
      size += c.length;
    });
    req.on('end', () => finish(false));
    req.on('error', (e) => (done ? undefined : reject(e)));
  });
}

/** How long close() waits for requests still running (their after-response work) once connections are closed. */
const STOP_DRAIN_MS = 10_000;

/** Bytes of a refused request body read and dropped beyond the limit before the connection is closed. */
export const DRAIN_BYTES = 16 * 1024 * 1024;
/** How long a refused request body is read and dropped before the connection is closed. */
export const DRAIN_MS = 10_000;
/** Request header bytes the gateway accepts, as API Gateway's limit (10,240 bytes); more → 431. */
export const MAX_HEADER_BYTES = 10_240;

/**
 * Reads and drops the rest of a request body that will not be served, so that a client still sending it
 * reads the answer instead of a connection reset. Call it before the response head is written: the
 * connection is kept open (not closed when the response ends) until the body is read, then closed if the
 * client asked for that. Bounded: past `limit` + {@link DRAIN_BYTES} bytes or {@link DRAIN_MS} the
 * connection is closed.
 */
function discardBody(req: IncomingMessage, res: ServerResponse, limit: number): void {
  if (req.complete || req.destroyed) return;
  const clientCloses = !res.shouldKeepAlive;
  // Node closes a `connection: close` exchange as soon as the response is written, with the body unread: the
  // kernel then resets the connection and the client may lose the answer.
  if (!res.headersSent) res.shouldKeepAlive = true;
  let seen = 0;
  const stop = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(stop, DRAIN_MS);
  timer.unref();
  req.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > limit + DRAIN_BYTES) stop();
  });
  req.once('end', () => {
    clearTimeout(timer);
    if (!clientCloses) return;
    if (res.writableFinished) req.socket.end();
    else res.once('finish', () => req.socket.end());
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** An HTTP/1.1 response as bytes, for a socket the HTTP server has given up on (it closes the connection). */
function rawResponse(r: ErrorResponse): string {
  const lines = [`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Error'}`];
  for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${Buffer.byteLength(r.body)}`, 'connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${r.body}`;
}

/** In-memory metric totals (the local stand-in for CloudWatch EMF). */
export function countingMetrics(): ServeMetrics & { totals: Record<string, number> } {
  const totals: Record<string, number> = {};
  return {
    totals,
    add(name, value, dimensions) {
      totals[name] = (totals[name] ?? 0) + value;
      if (dimensions) {
        for (const k of Object.keys(dimensions)) {
          const key = `${name}.${k}=${dimensions[k]}`;
          totals[key] = (totals[key] ?? 0) + value;
        }
      }
    },
  };
}

/** The serving region of the local runtime, in decision records. */
export const LOCAL_REGION = 'local';
/** Endpoint name of the reference classifier (tier 2 over the SageMaker contract). */
const LOCAL_CLASSIFIER_ENDPOINT = 'safeguards-classifier';

/**
 * What API Gateway answers in AWS when the authorizer refuses: credential problems 401, the rate limit 429,
 * the authorizer's store unreachable 503, the tenant's status 403.
 */
function authFailure(outcome: Extract<AuthorizeOutcome, { allow: false }>): ServeFailure {
  if (CREDENTIAL_REASONS.has(outcome.reason)) return { kind: 'unauthenticated' };
  if (outcome.reason === 'rate_limited') {
    const notice = outcome.notice;
    return {
      kind: 'rate_limited',
      retryAfterMs: outcome.retryAfterMs ?? 60_000,
      ...(notice ? { notice } : {}),
    };
  }
  if (outcome.reason === 'internal_error') return { kind: 'auth_unavailable' };
  // Suspended, banned, not through the edge: the authorizer's message (for a tenant status: by whom, until
  // when, and the command that lifts it), as API Gateway renders it from the authorizer context in AWS.
  return { kind: 'access_denied', message: denyMessage(outcome) };
}

/** The demo upstream's model names (`demo`, and `claude-demo` for Bedrock-style ids such as `anthropic.claude-demo-v1:0`). */
export const DEMO_MODELS: readonly string[] = ['demo', 'claude-demo'];

/** The active models of the reviewed table (config/models.ts): the default with a real upstream. */
export const ACTIVE_MODELS: readonly string[] = MODELS.filter((m) => m.status === 'active').map((m) => m.id);

/** Starts the gateway. Build-once parts (engine, stores, clients) are created here, not per request. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const counting = countingMetrics();
  const metrics: ServeMetrics = opts.metrics
    ? {
        add: (n, v, d) => {
          counting.add(n, v, d);
          opts.metrics?.add(n, v, d);
        },
      }
    : counting;
  const sagemaker = opts.classifierUrl
    ? new SageMakerRuntimeClient({
        region: 'local',
        endpoint: opts.classifierUrl,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      })
    : undefined;
  const config: ServingConfig = {
    region: LOCAL_REGION,
    policy: opts.policy ?? defaultPolicy(),
    upstream: { kind: 'https', baseUrl: opts.upstreamUrl },
    models: opts.models ?? DEMO_MODELS,
    ...(sagemaker ? { classifierEndpointName: LOCAL_CLASSIFIER_ENDPOINT } : {}),
    tables: opts.dynamo.tables,
    rateLimitLeaseMs: 1_000,
    tenantCacheTtlMs: opts.tenantCacheTtlMs ?? 2_000,
    ladderExemptTenants: opts.ladderExemptTenants ?? [],
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
  };
  // One tenant cache and one set of leases for the authorizer and the proxy, as in one Lambda instance each.
  const onBackgroundFailure = servingBackgroundFailures({
    metrics,
    log: (message, details) => log(`serving: ${message} ${JSON.stringify(details)}`),
  });
  const access = enforcementAccess(config, opts.dynamo.doc, onBackgroundFailure);
  const serveDeps = composeServing(
    config,
    {
      documents: opts.dynamo.doc,
      ...(sagemaker ? { sagemaker } : {}),
      ...(opts.upstreamApiKey ? { upstreamApiKey: async () => opts.upstreamApiKey as string } : {}),
      pseudonymize: localPseudonymizer(opts.hmacKey),
      notifier: {
        notify: async (n) =>
          log(
            `enforcement: tenant ${n.tenantId} ${n.before.status} → ${n.after.status} by ${n.actor} (${n.reason})`,
          ),
      },
      sink: opts.sink,
      metrics,
      log: (message, details) => log(`serving: ${message} ${JSON.stringify(details)}`),
    },
    access,
    onBackgroundFailure,
  );
  const authDeps: AuthorizeDeps = {
    tenants: access.tenants,
    limiter: access.limiter,
    now: Date.now,
    logger: { error: (message, extra) => log(`authorizer: ${message} ${JSON.stringify(extra)}`) },
    metrics: { addMetric: (name, _unit, value) => metrics.add(name as never, value) },
    ...(opts.edge ? { edge: opts.edge } : {}),
  };
  const maxBody = opts.maxBodyBytes ?? 2 * 1024 * 1024;

  /**
   * Answers a request refused before the proxy (what API Gateway and the authorizer do in AWS): one record. The
   * rest of the body is read and dropped (bounded) so that the client reads the answer, not a reset.
   */
  async function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    refusal: Omit<Refusal, 'decisionId' | 'receivedAt' | 'tenant'>,
    tenant: Refusal['tenant'] | undefined,
    request: { readonly decisionId: string; readonly receivedAt: number; readonly started: number },
  ): Promise<void> {
    discardBody(req, res, maxBody);
    const r = await refuseRequest(
      serveDeps,
      {
        ...refusal,
        ...(tenant ? { tenant } : {}),
        decisionId: request.decisionId,
        receivedAt: request.receivedAt,
      },
      () => performance.now() - request.started,
    );
    if (!res.headersSent) res.writeHead(r.status, r.headers).end(r.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const receivedAt = Date.now();
    const decisionId = newDecisionId();
    const request = { decisionId, receivedAt, started };
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': decisionId }).end('{"ok":true}');
      return;
    }
    const matched = matchRoute(req.method, path);
    // An unknown path is answered before authentication (API Gateway answers it without the authorizer); a
    // wrong method on a served route is authenticated first, as the API's ANY method is (serving-api.ts).
    if (!matched.ok && matched.reason === 'not_found') {
      const { route, reason, failure } = matched;
      return refuse(req, res, { route, stage: 'parse', reason, failure }, undefined, request);
    }
    const headers = flatHeaders(req);
    // headersDistinct keeps repeated headers (Node's req.headers keeps only the first Authorization), so two
    // different credentials are refused as conflicting instead of silently using the first.
    const outcome = await authorize(req.headersDistinct, authDeps, { method: req.method ?? '', path });
    if (!outcome.allow) {
      const failure = authFailure(outcome);
      return refuse(
        req,
        res,
        { route: matched.route, stage: 'auth', reason: outcome.reason, failure },
        outcome.tenant,
        request,
      );
    }
    if (!matched.ok) {
      const { route, reason, failure } = matched;
      return refuse(req, res, { route, stage: 'parse', reason, failure }, outcome.tenant, request);
    }
    const { body, overflow } = await readLimited(req, maxBody);
    // The client may still be sending an oversized body: read the rest (bounded) while serving answers 413,
    // so that it reads the answer instead of a connection reset.
    if (overflow) discardBody(req, res, maxBody);
    const writer = nodeResponseWriter(res);
    await serveInference(
      {
        route: matched.route,
        ...(matched.modelId !== undefined ? { modelId: matched.modelId } : {}),
        body,
        headers,
        identity: {
          tenantId: outcome.tenant.tenantId,
          tier: outcome.tenant.tier,
          zone: outcome.tenant.zone,
          keyHash: outcome.tenant.keyHash,
          limits: outcome.limits,
          ...(outcome.tenant.overrides ? { overrides: outcome.tenant.overrides } : {}),
        },
        requestId: decisionId,
        decisionId,
        receivedAt,
      },
      serveDeps,
      writer,
    );
  }

  // Requests whose handling has not ended, including what runs after the response (ladder strikes, token
  // settlement, the record): close() waits for them so none reaches the tables or the sink after they stop.
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const server = createServer({ maxHeaderSize: opts.maxHeaderBytes ?? MAX_HEADER_BYTES }, (req, res) => {
    track(
      handle(req, res).catch((e: unknown) => {
        log(`gateway: unexpected ${(e as Error).name}`);
        if (!res.headersSent)
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end('{"type":"error","error":{"type":"api_error","message":"internal error"}}');
        else res.destroy();
      }),
    );
  });
  // A request Node cannot parse (headers over the limit, malformed HTTP) never reaches `handle`: it is
  // answered here in the API's error shape with a request id, and recorded like every other refusal.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = err.code ?? '';
    // Not a parse error, or the client hung up mid-request (EOF): there is nobody to answer.
    const answerable = code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE';
    if (!answerable || !socket.writable || Reflect.get(socket, '_httpMessage')) {
      socket.destroy();
      return;
    }
    const started = performance.now();
    const decisionId = newDecisionId();
    const overflow = code === 'HPE_HEADER_OVERFLOW';
    const refused = refuseRequest(
      serveDeps,
      {
        route: 'messages',
        decisionId,
        receivedAt: Date.now(),
        stage: 'parse',
        reason: overflow ? 'headers_too_large' : 'malformed_http',
        failure: { kind: overflow ? 'headers_too_large' : 'malformed_http' },
      },
      () => performance.now() - started,
    )
      .then((r) => {
        if (socket.writable) socket.end(rawResponse(r));
        else socket.destroy();
      })
      .catch(() => {
        socket.destroy();
      });
    track(refused);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 300_000;
  const url = await listen(server, opts.port ?? 8787);
  return {
    url,
    server,
    models: serveDeps.models.ids,
    metrics: () => ({ ...counting.totals }),
    async close() {
      await close(server);
      // Connections are closed; what their requests still do after the response is bounded by the call
      // deadlines. Wait for it, up to STOP_DRAIN_MS, then stop regardless.
      if (inFlight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, STOP_DRAIN_MS);
          timer.unref();
        });
        await Promise.race([Promise.allSettled([...inFlight]), bound]);
        clearTimeout(timer);
        // Said, not silent: their strikes and settlements will not reach the store that stops next.
        if (inFlight.size > 0)
          log(`gateway: stopped with ${inFlight.size} request(s) unfinished after ${STOP_DRAIN_MS} ms`);
      }
      // The caches' refreshes ahead of expiry are background table reads: none may start, or fail into the log,
      // once the tables stop after the gateway.
      await Promise.all([serveDeps.close(), access.close()]);
      sagemaker?.destroy();
    },
  };
}
