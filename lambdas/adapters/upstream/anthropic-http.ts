/**
 * Upstream over any Anthropic-compatible HTTPS base URL (`POST {baseUrl}/v1/messages`), over pooled keep-alive
 * connections to that origin (`node:http`/`node:https` with one keep-alive `Agent`: no per-request fetch/web-stream
 * machinery, no client library in the bundle). The API key comes from a secret resolved at run time (`apiKey()`),
 * never from config. Requests go to the configured origin only and redirects are never followed (`node:http` does
 * not follow them): a 3xx is an upstream error, so the key and the prompt reach the configured origin only.
 * IAM: none for the call itself; reading the secret needs `secretsmanager:GetSecretValue` on it.
 */
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import type { AnthropicStreamEvent } from '../../core/serving/anthropic';
import { type CallSignal, type ModelBody, type Upstream, UpstreamError } from '../../core/serving/types';
import { kindForStatus, toUpstreamError } from './errors';
import { anthropicEvents } from './events';

/** Options for {@link anthropicHttpUpstream}. */
export interface AnthropicHttpUpstreamOptions {
  /** e.g. `https://api.anthropic.com` (no trailing `/v1`). */
  readonly baseUrl: string;
  /** Resolves the API key (cached by the provider). @default - no `x-api-key` header */
  readonly apiKey?: () => Promise<string>;
  /** @default '2023-06-01' */
  readonly anthropicVersion?: string;
  /** Sent as `model` when the request names none. @default - omitted */
  readonly defaultModel?: string;
  /**
   * Longest wait from the call to the response head (status and headers), queueing for a connection and
   * connecting included; past it the call fails as a `timeout` (503 to the client). Held by one timer per
   * upstream for all calls in flight ({@link HeadDeadlines}), not a timer per call. A stream that has started is
   * not cut. @default 60000
   */
  readonly headersTimeoutMs?: number;
  /**
   * Longest response body read whole (a non-streamed answer), and longest single stream event, in bytes
   * (characters for an event). Past it the call fails as `invalid` and the connection is closed: a broken or
   * hostile upstream cannot make the proxy buffer without bound. @default {@link MAX_UPSTREAM_RESPONSE_BYTES}
   */
  readonly maxResponseBytes?: number;
}

/**
 * Default bound of a response read whole: a Messages answer at the largest output token limits is a few MB of
 * JSON, even with every character escaped.
 */
export const MAX_UPSTREAM_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Connections the upstream's agent opens to its origin at most (more calls wait in the agent's queue). */
export const MAX_UPSTREAM_CONNECTIONS = 256;

/**
 * How long an idle pooled connection is kept (shorter when the server announces a shorter `Keep-Alive: timeout`;
 * Node's agent then closes it a second early), so a connection the server is about to close is not reused.
 */
export const UPSTREAM_IDLE_MS = 4_000;

/** Bytes of an error response drained to keep its connection for reuse; a longer body closes the connection. */
const MAX_DRAINED_ERROR_BYTES = 64 * 1024;

/** Milliseconds from a `retry-after` header (seconds or HTTP date); undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One call waiting for its response head. */
interface PendingHead {
  readonly due: number;
  readonly expire: () => void;
}

/**
 * Response-head deadlines of one upstream. Every call has the same duration, so calls in start order are also in
 * deadline order: a `Set` (insertion-ordered) holds the calls waiting for their head and ONE timer is armed for the
 * oldest. When it fires, every call past its deadline expires and the timer is re-armed for the next one; a call
 * whose head arrived leaves the set. Per call: a set insertion and a deletion, no timer, signal or listener. The
 * timer is not cleared when the set empties (that would cost a timer per call at one connection); it fires once
 * more and is not re-armed.
 */
export class HeadDeadlines {
  private readonly pending = new Set<PendingHead>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /** Starts a deadline; `expire` runs once when it passes. Returns the handle to {@link settle} it with. */
  start(expire: () => void): PendingHead {
    const entry = { due: this.now() + this.ms, expire };
    this.pending.add(entry);
    if (this.timer === undefined) this.arm(this.ms);
    return entry;
  }

  /** The head arrived (or the call failed): the deadline no longer applies. */
  settle(entry: PendingHead): void {
    this.pending.delete(entry);
  }

  /** Calls waiting for their head. */
  get size(): number {
    return this.pending.size;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(ms)));
    // Pending calls keep their sockets (and so the process) alive; the timer alone must not.
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = this.now();
    for (const entry of this.pending) {
      if (entry.due > now) {
        this.arm(entry.due - now);
        return;
      }
      this.pending.delete(entry);
      entry.expire();
    }
  };
}

/**
 * A response body as UTF-8 text (events, not an async iterator: cheaper for a body read whole), at most `max` bytes:
 * a longer body (announced or received) destroys the response, so its connection is never reused.
 */
function readText(res: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      const e = new UpstreamError('invalid', `model response longer than ${max} bytes`);
      reject(e);
      res.destroy(e);
    };
    if (Number(res.headers['content-length'] ?? 0) > max) return tooLarge();
    const chunks: Buffer[] = [];
    let length = 0;
    res.on('data', (c: Buffer) => {
      length += c.byteLength;
      if (length > max) tooLarge();
      else chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    // Closed before its end (reset, abort): an error, never a truncated body taken as whole.
    res.once('close', () => {
      if (!res.complete)
        reject(new UpstreamError('unavailable', 'upstream closed the response before its end'));
    });
  });
}

/** An {@link Upstream} over an Anthropic-compatible HTTP API. */
export function anthropicHttpUpstream(opts: AnthropicHttpUpstreamOptions): Upstream {
  const base = new URL(opts.baseUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`upstream baseUrl: expected an http(s) URL, got '${base.protocol}'`);
  const tls = base.protocol === 'https:';
  // Host, port, path (and IPv6 brackets) as Node's request options, computed once: only this URL is ever called.
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/v1/messages`, base.origin);
  const target = urlToHttpOptions(url);
  const send = tls ? httpsRequest : httpRequest;
  // One keep-alive agent per upstream, bounded; LIFO keeps the fewest connections warm under light load.
  const agentOptions = {
    keepAlive: true,
    maxSockets: MAX_UPSTREAM_CONNECTIONS,
    maxTotalSockets: MAX_UPSTREAM_CONNECTIONS,
    scheduling: 'lifo',
    timeout: UPSTREAM_IDLE_MS,
  } as const;
  const agent = tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const headersTimeout = opts.headersTimeoutMs ?? 60_000;
  const maxResponseBytes = opts.maxResponseBytes ?? MAX_UPSTREAM_RESPONSE_BYTES;
  const deadlines = new HeadDeadlines(headersTimeout);
  const anthropicVersion = opts.anthropicVersion ?? '2023-06-01';
  // The Host header node:http would compute: host name (IPv6 in brackets) and the port unless it is the default.
  const host = url.host;

  /** Sends one call; resolves with a 2xx response whose body is unread, rejects with an error otherwise. */
  const call = async (
    mb: ModelBody,
    model: string | undefined,
    stream: boolean,
    signal: CallSignal,
  ): Promise<IncomingMessage> => {
    const m = model ?? opts.defaultModel;
    // The wire body in one copy: `model`, the body's fields, then `stream`. Beta flags travel as the
    // `anthropic-beta` header on this wire, not in the body.
    const out: Record<string, unknown> = m ? { model: m } : {};
    for (const k of Object.keys(mb)) if (k !== 'anthropic_beta') out[k] = mb[k];
    if (stream) out['stream'] = true;
    // A string body: node:http sends it in the same write as the head.
    const body = JSON.stringify(out);
    const betas = mb['anthropic_beta'];
    // Headers as a flat list, `host` included: node:http then writes them as given instead of setting them one by
    // one (measured ≈ 10 µs of CPU less per call on one core); the names are fixed, the values checked by node:http.
    const headers: string[] = [
      'host',
      host,
      'content-type',
      'application/json',
      'content-length',
      String(Buffer.byteLength(body, 'utf8')),
      'accept',
      stream ? 'text/event-stream' : 'application/json',
      'anthropic-version',
      anthropicVersion,
    ];
    if (Array.isArray(betas) && betas.length > 0) headers.push('anthropic-beta', betas.join(','));
    if (opts.apiKey) headers.push('x-api-key', await opts.apiKey());
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        deadlines.settle(head);
        if (settled) return;
        settled = true;
        reject(e);
      };
      let req: ClientRequest | undefined;
      const head = deadlines.start(() =>
        req?.destroy(new UpstreamError('timeout', `no response head within ${headersTimeout} ms`)),
      );
      // node:http follows no redirect: a 3xx comes back as is and fails below as a `redirect` upstream error.
      try {
        req = send({ ...target, method: 'POST', agent, headers });
      } catch (e) {
        // A header value node:http refuses (a control character in the key): nothing was sent.
        fail(e);
        return;
      }
      // The caller's abort ends the call while it is in progress, before the head (the request) or during the body
      // (the response); once the body has ended or the request has closed, the socket may already serve another
      // call and is never touched. One listener, removed then (cheaper than the `signal` option's stream plumbing).
      const r = req;
      let response: IncomingMessage | undefined;
      let over = false;
      const onAbort = () => {
        if (over || response?.complete) return;
        const e = new UpstreamError('aborted', 'call aborted by the caller');
        if (response) response.destroy(e);
        else r.destroy(e);
      };
      const done = () => {
        if (over) return;
        over = true;
        signal.removeEventListener('abort', onAbort);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      r.once('close', done);
      // Kept for the request's whole life: an error after the head (e.g. a reset mid-stream) reaches the body's
      // reader through the response, and must not be an unhandled 'error' event here.
      req.on('error', fail);
      req.once('response', (res) => {
        deadlines.settle(head);
        response = res;
        res.once('end', done);
        res.once('close', done);
        // The reader gets errors through its own listener; this one keeps an error raised while no reader is
        // attached (an abort between two reads) from being an unhandled 'error' event.
        res.on('error', () => undefined);
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        // Drained without reading the upstream's message into ours (it is not shown to the client), so the
        // connection can be reused; a long error body closes it instead.
        let drained = 0;
        res.on('data', (c: Buffer) => {
          drained += c.byteLength;
          if (drained > MAX_DRAINED_ERROR_BYTES) res.destroy();
        });
        const retryAfter = res.headers['retry-after'];
        reject(
          new UpstreamError(
            kindForStatus(status),
            `upstream status ${status}`,
            status,
            parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
          ),
        );
      });
      req.end(body);
    });
  };

  return {
    async invoke(b, model, signal) {
      try {
        const text = await readText(await call(b, model, false, signal), maxResponseBytes);
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new UpstreamError('invalid', 'model response is not JSON');
        }
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
    async *stream(b, model, signal): AsyncGenerator<AnthropicStreamEvent> {
      let res: IncomingMessage | undefined;
      try {
        res = await call(b, model, true, signal);
        yield* anthropicEvents(res, maxResponseBytes);
      } catch (e) {
        throw toUpstreamError(e, signal);
      } finally {
        // Stopped early (blocked output, client gone): the connection is closed, not reused mid-body.
        if (res && !res.complete) res.destroy();
      }
    },
  };
}
