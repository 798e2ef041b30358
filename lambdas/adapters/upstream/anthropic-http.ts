/**
 * Upstream over any Anthropic-compatible HTTPS base URL (`POST {baseUrl}/v1/messages`), over pooled keep-alive
 * connections to that origin (`node:http`/`node:https` with one keep-alive `Agent`: no per-request fetch/web-stream
 * machinery, no client library in the bundle). The API key comes from a secret resolved at run time (`apiKey()`),
 * never from config. Requests go to the configured origin only and redirects are never followed (`node:http` does
 * not follow them): a 3xx is an upstream error, so the key and the prompt reach the configured origin only.
 * IAM: none for the call itself; reading the secret needs `secretsmanager:GetSecretValue` on it.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AnthropicStreamEvent } from '../../core/serving/anthropic';
import { type CallSignal, type ModelBody, type Upstream, UpstreamError } from '../../core/serving/types';
import { kindForStatus, toUpstreamError } from './errors';
import { anthropicEvents } from './events';
import {
  type HeadDeadlines,
  httpUrl,
  MAX_UPSTREAM_RESPONSE_BYTES,
  parseRetryAfter,
  pooledOrigin,
  postOnce,
  readText,
  requestTarget,
} from './http-call';

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

/** An {@link Upstream} over an Anthropic-compatible HTTP API. */
export function anthropicHttpUpstream(opts: AnthropicHttpUpstreamOptions): Upstream {
  const base = httpUrl(opts.baseUrl, 'upstream baseUrl');
  // Host, port, path (and IPv6 brackets) as Node's request options, computed once: only this URL is ever called.
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/v1/messages`, base.origin);
  const target = requestTarget(url);
  const origin = pooledOrigin(url, opts.headersTimeoutMs ?? 60_000);
  const maxResponseBytes = opts.maxResponseBytes ?? MAX_UPSTREAM_RESPONSE_BYTES;
  const anthropicVersion = opts.anthropicVersion ?? '2023-06-01';
  // The Host header node:http would compute: host name (IPv6 in brackets) and the port unless it is the default.
  const host = url.host;
  const statusError = (status: number, headers: IncomingHttpHeaders): UpstreamError => {
    const retryAfter = headers['retry-after'];
    return new UpstreamError(
      kindForStatus(status),
      `upstream status ${status}`,
      status,
      parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
    );
  };

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
    // The names are fixed, the values checked by node:http.
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
    return postOnce(origin, target, headers, body, signal, statusError);
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
