/**
 * The local gateway: an HTTP server on 127.0.0.1 that adapts requests to the SAME code the Lambda
 * functions run — `authorize()` (the REQUEST authorizer's logic) and `serveInference()` (the proxy's), over the
 * serving graph the proxy Lambda builds too (`composeServing`, lambdas/shared/compose.ts). What API Gateway does
 * in AWS (routing, the authorizer call, rejecting before the proxy) is done here in a few lines.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
import { DecisionRecorder, type DecisionSink } from '../lambdas/core/decision/record';
import { defaultPolicy, type Policy } from '../lambdas/core/index';
import { anthropicError } from '../lambdas/core/serving/anthropic';
import { renderError, retryAfterSeconds } from '../lambdas/core/serving/errors';
import { nodeResponseWriter } from '../lambdas/core/serving/node-writer';
import { emitMetrics, serveInference } from '../lambdas/core/serving/serve';
import type { ServeMetrics, ServeRoute } from '../lambdas/core/serving/types';
import { composeServing, enforcementAccess, type ServingConfig } from '../lambdas/shared/compose';
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

const ROUTES: ReadonlyArray<{ re: RegExp; route: ServeRoute }> = [
  { re: /^\/v1\/messages$/, route: 'messages' },
  { re: /^\/model\/([^/]{1,256})\/invoke$/, route: 'bedrock.invoke' },
  { re: /^\/model\/([^/]{1,256})\/invoke-with-response-stream$/, route: 'bedrock.invoke-stream' },
];

/** Matches a path to a route; the Bedrock model id is URL-decoded (invalid escapes → no match). */
export function matchRoute(path: string): { route: ServeRoute; modelId?: string } | undefined {
  for (const { re, route } of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    if (!m[1]) return { route };
    try {
      return { route, modelId: decodeURIComponent(m[1]) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Lower-cased single-value headers (repeated headers keep the first value; identity never comes from them). */
function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  return out;
}

/**
 * Reads at most `limit` + 1 bytes. A larger body is cut there (the parser then answers 413 without
 * buffering the rest) and the connection is closed after the response.
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

/** In-memory metric totals (the local stand-in for CloudWatch EMF). */
export function countingMetrics(): ServeMetrics & { totals: Record<string, number> } {
  const totals: Record<string, number> = {};
  return {
    totals,
    add(name, value, dimensions) {
      totals[name] = (totals[name] ?? 0) + value;
      if (dimensions) {
        for (const [k, v] of Object.entries(dimensions))
          totals[`${name}.${k}=${v}`] = (totals[`${name}.${k}=${v}`] ?? 0) + value;
      }
    },
  };
}

/** The serving region of the local runtime, in decision records. */
export const LOCAL_REGION = 'local';
/** Endpoint name of the reference classifier (tier 2 over the SageMaker contract). */
const LOCAL_CLASSIFIER_ENDPOINT = 'safeguards-classifier';

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
  const access = enforcementAccess(config, opts.dynamo.doc);
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
  );
  const engine = serveDeps.engine;
  const authDeps: AuthorizeDeps = {
    tenants: access.tenants,
    limiter: access.limiter,
    now: Date.now,
    logger: { error: (message, extra) => log(`authorizer: ${message} ${JSON.stringify(extra)}`) },
    metrics: { addMetric: (name, _unit, value) => metrics.add(name as never, value) },
    ...(opts.edge ? { edge: opts.edge } : {}),
  };
  const maxBody = opts.maxBodyBytes ?? 2 * 1024 * 1024;
  const pseudonymize = serveDeps.pseudonymize;

  /** The recorder for a request the gateway answers itself (before or instead of the proxy). */
  const recorderFor = (route: ServeRoute, decisionId: string, receivedAt: number) =>
    new DecisionRecorder(
      {
        decisionId,
        region: serveDeps.region,
        route,
        policy: { name: engine.policy.name, version: engine.policy.version },
        startedAt: receivedAt,
      },
      opts.sink,
    );

  /** A request refused before the proxy (what API Gateway + the authorizer do in AWS): still one record. */
  async function refuse(
    res: ServerResponse,
    route: ServeRoute,
    decisionId: string,
    receivedAt: number,
    started: number,
    status: number,
    reason: string,
    outcome?: AuthorizeOutcome,
  ): Promise<void> {
    const recorder = recorderFor(route, decisionId, receivedAt);
    const tenant = outcome && 'tenant' in outcome && outcome.tenant ? outcome.tenant : undefined;
    if (tenant) {
      recorder.identity({
        tenant: await pseudonymize('tenant', tenant.tenantId),
        apiKey: await pseudonymize('apiKey', tenant.keyHash),
        tier: tenant.tier,
      });
    }
    recorder.stage('auth').reject(status, reason);
    let rendered: { status: number; headers: Record<string, string>; body: string };
    if (status === 401) rendered = renderError(route, { kind: 'unauthenticated' }, decisionId);
    else if (status === 429) {
      const retry = outcome && !outcome.allow ? (outcome.retryAfterMs ?? 60_000) : 60_000;
      const notice = outcome && !outcome.allow ? outcome.notice : undefined;
      rendered = renderError(
        route,
        { kind: 'rate_limited', retryAfterMs: retry, ...(notice ? { notice } : {}) },
        decisionId,
      );
      rendered.headers['retry-after'] = retryAfterSeconds(retry);
    } else if (status === 503) {
      // The authorizer could not reach its store: fail closed, as a retryable service error.
      rendered = renderError(route, { kind: 'upstream_unavailable' }, decisionId);
      const message = `authorization is temporarily unavailable; retry later (decision ${decisionId})`;
      rendered.body =
        route === 'messages'
          ? JSON.stringify(anthropicError('overloaded_error', message, decisionId))
          : JSON.stringify({ message });
    } else if (status === 415) {
      const error = {
        status: 415 as const,
        type: 'invalid_request_error' as const,
        field: 'content-encoding',
        message: 'compressed request bodies are not accepted',
      };
      rendered = renderError(route, { kind: 'invalid', error }, decisionId);
    } else {
      // Suspended, banned, not through the edge: the authorizer's message (for a tenant status: by whom, until
      // when, and the command that lifts it), as API Gateway renders it from the authorizer context in AWS.
      const message = outcome && !outcome.allow ? denyMessage(outcome) : `request refused: ${reason}`;
      rendered = renderError(route, { kind: 'access_denied', message }, decisionId);
    }
    emitMetrics(serveDeps, recorder.finish(rendered.status, performance.now() - started));
    // The answer goes out once its record is stored (see DecisionSink).
    await recorder.persisted();
    res.writeHead(rendered.status, rendered.headers);
    res.end(rendered.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const receivedAt = Date.now();
    const decisionId = `dec_${randomUUID().replace(/-/g, '')}`;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': decisionId }).end('{"ok":true}');
      return;
    }
    const matched = req.method === 'POST' ? matchRoute(path) : undefined;
    if (!matched) {
      // Like the proxy: an unknown route is answered 404 and still leaves its decision record.
      req.resume();
      const route: ServeRoute = path.startsWith('/model/') ? 'bedrock.invoke' : 'messages';
      const recorder = recorderFor(route, decisionId, receivedAt);
      recorder.stage('parse').reject(404, 'not_found');
      emitMetrics(serveDeps, recorder.finish(404, performance.now() - started));
      await recorder.persisted();
      res
        .writeHead(404, { 'content-type': 'application/json', 'request-id': decisionId })
        .end(
          JSON.stringify(
            anthropicError(
              'not_found_error',
              'unknown route: use POST /v1/messages or POST /model/{modelId}/invoke[-with-response-stream]',
              decisionId,
            ),
          ),
        );
      return;
    }
    const headers = flatHeaders(req);
    const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== '') {
      res.setHeader('connection', 'close');
      req.resume();
      return refuse(res, matched.route, decisionId, receivedAt, started, 415, 'unsupported_content_encoding');
    }
    // headersDistinct keeps repeated headers (Node's req.headers keeps only the first Authorization), so two
    // different credentials are refused as conflicting instead of silently using the first.
    const outcome = await authorize(req.headersDistinct, authDeps, { method: req.method ?? '', path });
    if (!outcome.allow) {
      const status = CREDENTIAL_REASONS.has(outcome.reason)
        ? 401
        : outcome.reason === 'rate_limited'
          ? 429
          : outcome.reason === 'internal_error'
            ? 503
            : 403;
      req.resume();
      return refuse(res, matched.route, decisionId, receivedAt, started, status, outcome.reason, outcome);
    }
    const { body, overflow } = await readLimited(req, maxBody);
    if (overflow) res.setHeader('connection', 'close');
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
    if (overflow) req.destroy();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`gateway: unexpected ${(e as Error).name}`);
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"type":"error","error":{"type":"api_error","message":"internal error"}}');
      else res.destroy();
    });
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
      sagemaker?.destroy();
    },
  };
}
