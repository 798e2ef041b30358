/**
 * The inference-proxy Lambda: API Gateway REST (Lambda proxy integration, `responseTransferMode: STREAM`)
 * → `serveInference` → a streamed HTTP response (`awslambda.HttpResponseStream.from`).
 *
 * `makeStreamingHandler(deps)` returns the inner `(event, responseStream)` function, testable with any deps; the
 * exported `handler` wraps it with the runtime's `awslambda.streamifyResponse` over the deps built at init
 * (./deps: environment → clients → composeServing).
 */
import type { Writable } from 'node:stream';
import * as z from 'zod';
import { newDecisionId } from '../core/decision/record';
import { type TenantOverrides, tenantOverridesSchema } from '../core/engine/overrides';
import { matchRoute, type RouteMatch } from '../core/serving/http-edge';
import { refuseRequest } from '../core/serving/refusal';
import { serveInference } from '../core/serving/serve';
import type { Identity, InboundRequest, ResponseWriter, ServeDeps } from '../core/serving/types';
import { serveDeps } from './deps';
import { metrics } from './instrumentation';

/** The parts of an API Gateway REST proxy event the proxy reads, validated. */
const proxyEvent = z.object({
  resource: z.string().optional(),
  path: z.string().optional(),
  httpMethod: z.string().optional(),
  headers: z.record(z.string(), z.string().optional()).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
  pathParameters: z.record(z.string(), z.string().optional()).nullish(),
  requestContext: z
    .object({
      requestId: z.string().optional(),
      authorizer: z.record(z.string(), z.unknown()).nullish(),
    })
    .optional(),
});
export type ProxyEvent = z.infer<typeof proxyEvent>;

const count = z.coerce.number().int().positive();
/** The verified authorizer context (lambdas/authorizer): strings, as API Gateway passes them. */
const authorizerContext = z.object({
  tenantId: z.string().min(1),
  tier: z.string().min(1),
  zone: z.string().min(1),
  keyHash: z.string().regex(/^[0-9a-f]{64}$/),
  limitRequests: count.optional(),
  limitInputTokens: count.optional(),
  limitOutputTokens: count.optional(),
  /** Set by the authorizer in `RATE_LIMIT_RESPONSE=flag` mode: answer 429 here (a Deny can only be 403). */
  rateLimited: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  retryAfterSeconds: count.optional(),
  /** With `rateLimited`, for a throttled tenant: by whom, until when and how it is lifted. */
  notice: z.string().max(1000).optional(),
  /** The tenant's policy overrides as JSON (validated again here). */
  overrides: z.string().max(4096).optional(),
});

/** Identity from the authorizer context; null when absent or malformed (answered 401). */
export function identityFrom(authorizer: unknown): Identity | null {
  const parsed = authorizerContext.safeParse(authorizer);
  if (!parsed.success) return null;
  const a = parsed.data;
  const limits =
    a.limitRequests !== undefined && a.limitInputTokens !== undefined && a.limitOutputTokens !== undefined
      ? { requests: a.limitRequests, inputTokens: a.limitInputTokens, outputTokens: a.limitOutputTokens }
      : undefined;
  const rateLimited = a.rateLimited === true || a.rateLimited === 'true';
  let overrides: TenantOverrides | undefined;
  if (a.overrides !== undefined) {
    try {
      overrides = tenantOverridesSchema.parse(JSON.parse(a.overrides));
    } catch {
      return null; // A corrupt verified context is not trusted: answered 401, recorded.
    }
  }
  return {
    tenantId: a.tenantId,
    tier: a.tier,
    zone: a.zone,
    keyHash: a.keyHash,
    ...(limits ? { limits } : {}),
    ...(rateLimited
      ? {
          rateLimited: {
            retryAfterMs: (a.retryAfterSeconds ?? 60) * 1000,
            ...(a.notice ? { notice: a.notice } : {}),
          },
        }
      : {}),
    ...(overrides ? { overrides } : {}),
  };
}

/** Routes an event with the shared route table (by API Gateway resource when present, else by path). */
export function routeOf(event: ProxyEvent): RouteMatch {
  return matchRoute(event.httpMethod, event.path ?? '', {
    resource: event.resource,
    modelId: event.pathParameters?.['modelId'] ?? undefined,
  });
}

/** Lower-cased header map. */
export function lowerHeaders(
  h: Readonly<Record<string, string | undefined>> | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** Writes metadata with `HttpResponseStream.from` (the runtime's, or a test double). */
export type HttpResponseStreamFrom = (stream: Writable, metadata: AwsLambdaHttpResponseMetadata) => Writable;

/** A {@link ResponseWriter} over a Lambda response stream. `finished` settles once the stream is closed. */
export function lambdaResponseWriter(
  raw: Writable,
  from: HttpResponseStreamFrom,
): ResponseWriter & { finished: Promise<void> } {
  let out: Writable | undefined;
  let ended = false;
  let aborted = false;
  let full = false;
  const listeners: Array<() => void> = [];
  let resolveFinished: () => void = () => {};
  const finished = new Promise<void>((r) => {
    resolveFinished = r;
  });
  const abort = () => {
    // Whatever happens to the stream, the request is over for the runtime.
    resolveFinished();
    if (ended || aborted) return;
    aborted = true;
    for (const l of listeners) l();
  };
  raw.on('close', abort);
  raw.on('error', abort);
  const gone = () => aborted || (raw.destroyed && !ended);
  return {
    finished,
    get aborted() {
      return gone();
    },
    onAbort(listener) {
      listeners.push(listener);
    },
    head(status, headers) {
      out = from(raw, { statusCode: status, headers: { ...headers } });
    },
    write(chunk) {
      if (gone() || !out) return;
      const ok = out.write(
        typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      );
      if (!ok) full = true;
    },
    ready() {
      const stream = out;
      if (!full || !stream || gone()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          full = false;
          resolve();
        };
        stream.once('drain', done);
        raw.once('close', done);
      });
    },
    end(last) {
      if (ended) return;
      ended = true;
      if (!out || aborted || raw.destroyed) {
        resolveFinished();
        return;
      }
      out.once('finish', resolveFinished);
      if (last === undefined) out.end();
      else
        out.end(typeof last === 'string' ? last : Buffer.from(last.buffer, last.byteOffset, last.byteLength));
    },
  };
}

/** What the streaming handler needs. */
export interface ProxyDeps {
  readonly serve: ServeDeps;
  /** @default awslambda.HttpResponseStream.from */
  readonly from: HttpResponseStreamFrom;
  /** Decision ids. @default {@link newDecisionId} */
  readonly newId?: () => string;
  /** Wall clock. @default Date.now */
  readonly clock?: () => number;
  /** Runs after each request (flush buffered metrics). */
  readonly afterRequest?: () => void;
}

/** The inner streaming handler: `(event, responseStream) => Promise<void>`. */
export function makeStreamingHandler(deps: ProxyDeps) {
  return async (rawEvent: unknown, responseStream: Writable): Promise<void> => {
    const clock = deps.clock ?? Date.now;
    const receivedAt = clock();
    const decisionId = (deps.newId ?? newDecisionId)();
    const res = lambdaResponseWriter(responseStream, deps.from);
    try {
      const parsed = proxyEvent.safeParse(rawEvent);
      const event: ProxyEvent = parsed.success ? parsed.data : {};
      const routed = routeOf(event);
      if (!routed.ok) {
        // Unknown route or method: refused here, still one decision record.
        const r = await refuseRequest(
          deps.serve,
          {
            route: routed.route,
            decisionId,
            receivedAt,
            stage: 'parse',
            reason: routed.reason,
            failure: routed.failure,
          },
          () => clock() - receivedAt,
        );
        res.head(r.status, r.headers);
        res.write(r.body);
        res.end();
        return;
      }
      const body = event.body ?? '';
      const req: InboundRequest = {
        route: routed.route,
        ...(routed.modelId !== undefined ? { modelId: routed.modelId } : {}),
        body: event.isBase64Encoded ? new Uint8Array(Buffer.from(body, 'base64')) : body,
        headers: lowerHeaders(event.headers),
        identity: identityFrom(event.requestContext?.authorizer),
        requestId: event.requestContext?.requestId ?? decisionId,
        decisionId,
        receivedAt,
      };
      await serveInference(req, deps.serve, res);
    } finally {
      await res.finished;
      try {
        deps.afterRequest?.();
      } catch {
        // Flushing metrics is best effort; the response is already complete.
      }
    }
  };
}

/**
 * The Lambda entry point: the serving graph built at init (./deps), streamed through the runtime's
 * `awslambda.streamifyResponse`. Metrics buffered during a request are flushed after it.
 */
export const handler = awslambda.streamifyResponse(
  makeStreamingHandler({
    serve: serveDeps,
    from: (stream, metadata) => awslambda.HttpResponseStream.from(stream, { ...metadata }),
    afterRequest: () => metrics.flush(),
  }),
);
