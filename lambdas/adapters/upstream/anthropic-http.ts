/**
 * Upstream over any Anthropic-compatible HTTPS base URL (`POST {baseUrl}/v1/messages`), with the global
 * `fetch`. The API key comes from a secret resolved at run time (`apiKey()`), never from config. Redirects
 * are not followed (`redirect: 'manual'`): a 3xx is an upstream error, so the key and the prompt reach the
 * configured origin only.
 * IAM: none for the call itself; reading the secret needs `secretsmanager:GetSecretValue` on it.
 */
import type { AnthropicStreamEvent } from '../../core/serving/anthropic';
import { type ModelBody, type Upstream, UpstreamError } from '../../core/serving/types';
import { kindForStatus, readBody, toUpstreamError } from './errors';
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
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Longest wait for the response head (status and headers); past it the call is aborted and fails as a
   * `timeout` (503 to the client). Streams are not cut once they have started. @default 60000
   */
  readonly headersTimeoutMs?: number;
}

/** Milliseconds from a `retry-after` header (seconds or HTTP date); undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** An {@link Upstream} over an Anthropic-compatible HTTP API. */
export function anthropicHttpUpstream(opts: AnthropicHttpUpstreamOptions): Upstream {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/v1/messages`;
  const doFetch = opts.fetch ?? globalThis.fetch;
  const call = async (mb: ModelBody, model: string | undefined, stream: boolean, signal: AbortSignal) => {
    const m = model ?? opts.defaultModel;
    // Beta flags travel as the `anthropic-beta` header on this wire, not in the body.
    const { anthropic_beta: betas, ...b } = mb;
    // A model that never answers must not hold the request (and its Lambda) until the platform timeout.
    const headDeadline = new AbortController();
    const timer = setTimeout(
      () => headDeadline.abort(new UpstreamError('timeout', 'no response head in time')),
      opts.headersTimeoutMs ?? 60_000,
    );
    const combined = AbortSignal.any([signal, headDeadline.signal]);
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: stream ? 'text/event-stream' : 'application/json',
          'anthropic-version': opts.anthropicVersion ?? '2023-06-01',
          ...(Array.isArray(betas) && betas.length > 0 ? { 'anthropic-beta': betas.join(',') } : {}),
          ...(opts.apiKey ? { 'x-api-key': await opts.apiKey() } : {}),
        },
        body: JSON.stringify({ ...(m ? { model: m } : {}), ...b, ...(stream ? { stream: true } : {}) }),
        // Never follow a redirect: the prompt and the API key go to the configured origin only. A 3xx
        // comes back as is and fails below as a `redirect` upstream error.
        redirect: 'manual',
        signal: combined,
      });
    } catch (e) {
      if (headDeadline.signal.aborted && !signal.aborted)
        throw new UpstreamError('timeout', 'no response head in time');
      throw e;
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) {
      // Drain without reading the upstream's message into ours: it is not shown to the client.
      await res.body?.cancel().catch(() => undefined);
      throw new UpstreamError(
        kindForStatus(res.status),
        `upstream status ${res.status}`,
        res.status,
        parseRetryAfter(res.headers.get('retry-after')),
      );
    }
    return res;
  };
  return {
    async invoke(b, model, signal) {
      try {
        const res = await call(b, model, false, signal);
        try {
          return (await res.json()) as unknown;
        } catch {
          throw new UpstreamError('invalid', 'model response is not JSON');
        }
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
    async *stream(b, model, signal): AsyncGenerator<AnthropicStreamEvent> {
      try {
        const res = await call(b, model, true, signal);
        if (!res.body) throw new UpstreamError('invalid', 'empty response stream');
        yield* anthropicEvents(readBody(res.body));
      } catch (e) {
        throw toUpstreamError(e, signal);
      }
    },
  };
}
