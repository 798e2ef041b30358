/**
 * Upstream over any Anthropic-compatible HTTPS base URL (`POST {baseUrl}/v1/messages`), over one pooled
 * keep-alive connection set to that origin (undici `Pool`: no per-request fetch/web-stream machinery). The API
 * key comes from a secret resolved at run time (`apiKey()`), never from config. The pool is bound to the
 * configured origin and redirects are never followed: a 3xx is an upstream error, so the key and the prompt
 * reach the configured origin only.
 * IAM: none for the call itself; reading the secret needs `secretsmanager:GetSecretValue` on it.
 */
import type { Dispatcher } from 'undici';
import type { AnthropicStreamEvent } from '../../core/serving/anthropic';
import { type ModelBody, type Upstream, UpstreamError } from '../../core/serving/types';
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
   * Where requests are dispatched (tests pass an undici `MockAgent`). @default a keep-alive `Pool` to the
   * origin of `baseUrl`, at most {@link MAX_UPSTREAM_CONNECTIONS} connections
   */
  readonly dispatcher?: Dispatcher;
  /**
   * Longest wait for the response head (status and headers); past it the call fails as a `timeout` (503 to
   * the client). Held by the pool's own timers, not a timer per request. Streams are not cut once they have
   * started. @default 60000
   */
  readonly headersTimeoutMs?: number;
}

/** Connections the default pool opens to the upstream origin at most (more requests queue in the pool). */
export const MAX_UPSTREAM_CONNECTIONS = 256;

/** Milliseconds from a `retry-after` header (seconds or HTTP date); undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The first value of a response header (undici gives repeated headers as an array). */
function header(headers: Dispatcher.ResponseData['headers'], name: string): string | null {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/** An {@link Upstream} over an Anthropic-compatible HTTP API. */
export function anthropicHttpUpstream(opts: AnthropicHttpUpstreamOptions): Upstream {
  const base = new URL(opts.baseUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`upstream baseUrl: expected an http(s) URL, got '${base.protocol}'`);
  const origin = base.origin;
  const path = `${base.pathname.replace(/\/+$/, '')}/v1/messages`;
  const headersTimeout = opts.headersTimeoutMs ?? 60_000;
  // The client is loaded on the first call: a function configured with another upstream (Bedrock, SageMaker)
  // never pays for it at cold start. bodyTimeout 0: a stream that has started is not cut; the head is bounded
  // by headersTimeout.
  let pool: Promise<Dispatcher> | undefined;
  const dispatcher = (): Promise<Dispatcher> =>
    (pool ??= opts.dispatcher
      ? Promise.resolve(opts.dispatcher)
      : import('undici').then(
          ({ Pool }) =>
            new Pool(origin, { connections: MAX_UPSTREAM_CONNECTIONS, headersTimeout, bodyTimeout: 0 }),
        ));
  const call = async (mb: ModelBody, model: string | undefined, stream: boolean, signal: AbortSignal) => {
    const m = model ?? opts.defaultModel;
    // Beta flags travel as the `anthropic-beta` header on this wire, not in the body.
    const { anthropic_beta: betas, ...b } = mb;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      'anthropic-version': opts.anthropicVersion ?? '2023-06-01',
    };
    if (Array.isArray(betas) && betas.length > 0) headers['anthropic-beta'] = betas.join(',');
    if (opts.apiKey) headers['x-api-key'] = await opts.apiKey();
    // undici's request() never follows a redirect (no redirect interceptor here): a 3xx comes back as is and
    // fails below as a `redirect` upstream error. The origin is fixed: the pool serves only that origin.
    const res = await (await dispatcher()).request({
      origin,
      path,
      method: 'POST',
      headers,
      body: JSON.stringify({ ...(m ? { model: m } : {}), ...b, ...(stream ? { stream: true } : {}) }),
      signal,
      headersTimeout,
      bodyTimeout: 0,
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      // Drain without reading the upstream's message into ours: it is not shown to the client.
      await res.body.dump().catch(() => undefined);
      throw new UpstreamError(
        kindForStatus(res.statusCode),
        `upstream status ${res.statusCode}`,
        res.statusCode,
        parseRetryAfter(header(res.headers, 'retry-after')),
      );
    }
    return res;
  };
  return {
    async invoke(b, model, signal) {
      try {
        const res = await call(b, model, false, signal);
        let text: string;
        try {
          text = await res.body.text();
        } catch (e) {
          throw toUpstreamError(e, signal);
        }
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
      let res: Dispatcher.ResponseData | undefined;
      try {
        res = await call(b, model, true, signal);
        yield* anthropicEvents(res.body);
      } catch (e) {
        throw toUpstreamError(e, signal);
      } finally {
        // Stopped early (blocked output, client gone): release the connection's body.
        if (res && !res.body.readableEnded) res.body.destroy();
      }
    },
  };
}
