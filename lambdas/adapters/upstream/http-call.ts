/**
 * One model call over pooled keep-alive HTTP/1.1 (`node:http`/`node:https` with one keep-alive `Agent` per origin):
 * the request machinery the HTTPS (Anthropic Messages) and Bedrock upstreams share. No per-request fetch/web-stream
 * machinery, no timer, `AbortController` or signal per call: response-head deadlines share one timer per upstream
 * ({@link HeadDeadlines}) and the caller's {@link CallSignal} gets one listener, removed when the call is over.
 * Redirects are never followed (`node:http` does not follow them).
 */
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { type CallSignal, UpstreamError } from '../../core/serving/types';

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
export function readText(res: IncomingMessage, max: number): Promise<string> {
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

/** A pooled HTTP client of one origin: its keep-alive agent, the request function and its head deadlines. */
export interface PooledOrigin {
  readonly send: typeof httpRequest;
  readonly agent: HttpAgent;
  readonly deadlines: HeadDeadlines;
  readonly headersTimeoutMs: number;
}

/** `value` as a URL. @throws Error naming `what` when it is not an `http:` or `https:` URL */
export function httpUrl(value: string, what: string): URL {
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`${what}: expected an http(s) URL, got '${url.protocol}'`);
  return url;
}

/** A pooled client of the origin of `url` (from {@link httpUrl}). */
export function pooledOrigin(url: URL, headersTimeoutMs: number): PooledOrigin {
  const tls = url.protocol === 'https:';
  // One keep-alive agent per upstream, bounded; LIFO keeps the fewest connections warm under light load.
  const agentOptions = {
    keepAlive: true,
    maxSockets: MAX_UPSTREAM_CONNECTIONS,
    maxTotalSockets: MAX_UPSTREAM_CONNECTIONS,
    scheduling: 'lifo',
    timeout: UPSTREAM_IDLE_MS,
  } as const;
  return {
    send: tls ? httpsRequest : httpRequest,
    agent: tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions),
    deadlines: new HeadDeadlines(headersTimeoutMs),
    headersTimeoutMs,
  };
}

/** Host, port and path of `url` (IPv6 in brackets) as `node:http` request options. */
export function requestTarget(url: URL): RequestOptions {
  return urlToHttpOptions(url);
}

/**
 * Sends one POST; resolves with a 2xx response whose body is unread, rejects otherwise: with `statusError(status,
 * headers)` for another status (the error body is drained, not read, so the connection can be reused; a long one
 * closes it), with an {@link UpstreamError} `timeout` when no head came within the origin's deadline, `aborted` when
 * the caller aborted, or with the transport's own error (a reset, a refused connection: `code` set).
 *
 * `headers` is a flat name/value list, `host` included: node:http then writes them as given instead of setting them
 * one by one (measured ≈ 10 µs of CPU less per call on one core); node:http checks the values.
 */
export function postOnce(
  origin: PooledOrigin,
  target: RequestOptions,
  headers: string[],
  body: string | Uint8Array,
  signal: CallSignal,
  statusError: (status: number, headers: IncomingHttpHeaders) => UpstreamError,
): Promise<IncomingMessage> {
  const { deadlines } = origin;
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
      req?.destroy(new UpstreamError('timeout', `no response head within ${origin.headersTimeoutMs} ms`)),
    );
    // node:http follows no redirect: a 3xx comes back as is and fails below as an upstream error.
    try {
      req = origin.send({ ...target, method: 'POST', agent: origin.agent, headers });
    } catch (e) {
      // A header value node:http refuses (a control character in a key): nothing was sent.
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
      reject(statusError(status, res.headers));
    });
    req.end(body);
  });
}
