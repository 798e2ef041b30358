/**
 * Serving contracts: the inbound request, the response writer and the ports `serveInference` needs.
 * Pure types (plus one error class): no AWS, no I/O. Adapters in `lambdas/adapters/**` implement the
 * ports; the proxy Lambda and the local gateway implement {@link ResponseWriter}.
 */

import type { RegionControls } from '../enforcement/controls';
import type { TenantOverrides } from '../engine/overrides';
import type { DecisionSink, SafeguardsEngine } from '../index';
import type { ModelAllowlist } from '../models/identity';
import type { Category } from '../types';
import type { AnthropicStreamEvent } from './anthropic';

/** The API surfaces served. */
export type ServeRoute = 'messages' | 'bedrock.invoke' | 'bedrock.invoke-stream';

/**
 * Tier of the live-enforcement canary's tenant: its probes are blocked on purpose, so its blocks are never
 * reported to the enforcement ladder (create it with `npx safeguards tenant create --tier canary`).
 */
export const CANARY_TIER = 'canary';

/** The caller's identity, taken from the verified authorizer context — never from client headers. */
export interface Identity {
  readonly tenantId: string;
  readonly tier: string;
  readonly zone: string;
  /** SHA-256 hex of the API key the tenant authenticated with. */
  readonly keyHash: string;
  /** Per-minute limits in force, as the authorizer computed them (absent: admission cannot charge). */
  readonly limits?: {
    readonly requests: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
  };
  /**
   * The authorizer found the tenant over its request rate but let the request through so that serving can
   * answer 429 with `retry-after` and a decision record (API Gateway can only turn a Deny into 403).
   */
  readonly rateLimited?: { readonly retryAfterMs: number; readonly notice?: string };
  /** The tenant's category overrides (tightening only), from the verified tenant record. */
  readonly overrides?: TenantOverrides;
}

/** One inbound inference request, already routed. */
export interface InboundRequest {
  readonly route: ServeRoute;
  /** Bedrock routes: the `{modelId}` path parameter, URL-decoded. */
  readonly modelId?: string;
  readonly body: Uint8Array | string;
  /** Request headers, names lower-cased. Never used for identity. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** From the verified authorizer context; `null` when it is missing (answered 401, recorded at stage `auth`). */
  readonly identity: Identity | null;
  /** The platform's request id (API Gateway / local gateway), for log correlation only. */
  readonly requestId: string;
  /** Generated per request: the `request-id` header on every response and the decision record id. */
  readonly decisionId: string;
  /** Wall clock when the request arrived, epoch ms. */
  readonly receivedAt: number;
}

/**
 * Where a response goes. Lambda response streams and Node `http.ServerResponse` both implement it.
 * `head` is called exactly once, before any `write`.
 */
export interface ResponseWriter {
  head(status: number, headers: Readonly<Record<string, string>>): void;
  write(chunk: Uint8Array | string): void;
  /**
   * Ends the response, with `last` as its final bytes when given. A whole response given to `end` alone (no
   * `write` before) leaves in one piece: the local gateway sends it with a `content-length` in one socket write.
   */
  end(last?: Uint8Array | string): void;
  /** Registers a callback run once when the client goes away before `end`. */
  onAbort(listener: () => void): void;
  /** True once the client went away. */
  readonly aborted: boolean;
  /**
   * Resolves when the writer can take more data (backpressure); streaming waits on it between events.
   * @default - always ready
   */
  ready?(): Promise<void>;
}

/** An admitted token reservation; implementations may carry more fields. */
export interface Reservation {
  readonly tenantId: string;
}

/** Result of {@link Admission.reserve}. */
export type AdmissionResult =
  | { readonly ok: true; readonly reservation: Reservation }
  | { readonly ok: false; readonly retryAfterMs: number; readonly dimension?: string };

/**
 * Token admission (the enforcement session's rate limiter): reserve before the model call, settle with
 * what was actually used afterwards (the limiter refunds or charges the difference).
 */
export interface Admission {
  reserve(
    identity: Identity,
    cost: { readonly inputTokens: number; readonly maxOutputTokens: number },
  ): Promise<AdmissionResult>;
  settle(
    reservation: Reservation,
    used: { readonly inputTokens: number; readonly outputTokens: number },
  ): Promise<void>;
}

/** A blocked request or output, reported to the enforcement ladder (strikes). */
export interface Violation {
  readonly decisionId: string;
  readonly stage: 'input' | 'output';
  readonly categories: readonly Category[];
  /** Epoch ms. */
  readonly at: number;
}

/** Reads the regional controls (cached by the implementation; see DynamoControlsStore). */
export interface Controls {
  current(): Promise<RegionControls>;
}

/** The enforcement ladder's intake. */
export interface Violations {
  report(tenantId: string, violation: Violation): Promise<void>;
}

/** What a pseudonym stands for: a tenant id, an API key hash, or an IAM principal (operator ARN). */
export type PseudonymKind = 'tenant' | 'apiKey' | 'principal';

/** Keyed-HMAC pseudonym of an identifier (`tn_…` tenants, `ak_…` API key hashes, `pr_…` principals). */
export type Pseudonymize = (kind: PseudonymKind, value: string) => Promise<string>;

/**
 * `Port` dimension values of `PortErrors` on the request path: a port call that failed while a request was served
 * (the request's fail mode or refusal applies; the failure is counted here and logged as `port failed`).
 */
export type ServingPort =
  | 'violations'
  | 'serving'
  | 'telemetry'
  | 'admission.settle'
  | 'admission.reserve'
  | 'pseudonymize'
  | 'controls';

/** Metric names emitted by serving (all counts unless noted). */
export type ServeMetricName =
  | 'Decisions'
  | 'CategoryTriggered'
  | 'FailOpen'
  | 'FailClosed'
  | 'Tier2Timeouts'
  | 'Tier2Errors'
  | 'TokensReleasedBeforeBlock'
  | 'RateLimited'
  | 'UpstreamErrors'
  | 'PortErrors'
  | 'AddedLatency'
  | 'DroppedBetas';

/** Metrics sink (Powertools EMF on Lambda). `AddedLatency` is in milliseconds, the rest are counts. */
export interface ServeMetrics {
  add(name: ServeMetricName, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

/**
 * What an upstream failure was, independent of the transport. `credentials`: the upstream refused the
 * gateway's own credentials (401/403, IAM denial); `redirect`: it answered 3xx, which is never followed.
 */
export type UpstreamErrorKind =
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'rejected'
  | 'aborted'
  | 'invalid'
  | 'credentials'
  | 'redirect';

/** A failed model call. `status` is the upstream's HTTP status when known. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * A model body as forwarded: the validated Messages body without `model`, `stream` or
 * `anthropic_version`; allowlisted beta flags, if any, as `anthropic_beta` (string array).
 */
export type ModelBody = Readonly<Record<string, unknown>>;

/**
 * A caller's cancellation as a model call reads it: the part of `AbortSignal` the adapters use (a real
 * `AbortSignal` is one).
 */
export interface CallSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The {@link CallSignal} of one request: a flag and a listener list. Serving builds one per request, so it is not an
 * `AbortController`, whose signal is an `EventTarget` (building one and adding and removing a listener cost
 * ≈ 5-15 µs of CPU per request on one core). Listeners run once, in order, on the first {@link abort}; one added
 * after it never runs (check {@link aborted} first, as with an `AbortSignal`).
 */
export class CallAbort implements CallSignal {
  private _aborted = false;
  private listeners: Array<() => void> | undefined;

  get aborted(): boolean {
    return this._aborted;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this._aborted) return;
    // As on an EventTarget, a listener already registered is not added again.
    if (!this.listeners) this.listeners = [listener];
    else if (!this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners?.splice(i, 1);
  }

  abort(): void {
    if (this._aborted) return;
    this._aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const l of listeners) l();
  }
}

/**
 * An `AbortSignal` that follows `signal`, for clients that need a platform signal (the AWS SDK): `signal` itself
 * when it is one, else a controller aborted with it.
 */
export function platformSignal(signal: CallSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const c = new AbortController();
  if (signal.aborted) c.abort();
  else signal.addEventListener('abort', () => c.abort(), { once: true });
  return c.signal;
}

/**
 * The model behind the safeguards. Adapters add what their wire needs (`model`/`stream` for the
 * Messages API, `anthropic_version` for Bedrock) and throw {@link UpstreamError} on failure.
 */
export interface Upstream {
  /** Non-streaming call; resolves with the Anthropic Messages response JSON (unvalidated). */
  invoke(body: ModelBody, model: string | undefined, signal: CallSignal): Promise<unknown>;
  /**
   * Streaming call: Anthropic stream events in order, each validated by the adapter (`readStreamEvent`; unknown
   * types skipped), so serving relays them without a second check. Errors before or during the stream throw.
   */
  stream(body: ModelBody, model: string | undefined, signal: CallSignal): AsyncIterable<AnthropicStreamEvent>;
}

/** Everything {@link serveInference} needs, injected. */
export interface ServeDeps {
  readonly engine: SafeguardsEngine;
  /** Serving region for the record (`local` locally). */
  readonly region: string;
  readonly upstream: Upstream;
  /**
   * The region's allowed models (config `regions[].models`, default the upstream's model). Any other model
   * is answered 404 and never forwarded; an allowed one is forwarded under the allowlist's id.
   */
  readonly models: ModelAllowlist;
  /** @default no token admission (requests are not rate limited here; the authorizer still limits requests) */
  readonly admission?: Admission;
  /** @default violations are not reported */
  readonly violations?: Violations;
  /** Regional operator controls (kill switch, disabled models). @default always normal */
  readonly controls?: Controls;
  readonly pseudonymize: Pseudonymize;
  readonly sink: DecisionSink;
  readonly metrics: ServeMetrics;
  /** Logs a failure of a port without request content. @default no log */
  readonly log?: (message: string, details: Readonly<Record<string, string | number>>) => void;
  /** Monotonic milliseconds. @default performance.now */
  readonly now?: () => number;
  /** Wall clock, epoch ms. @default Date.now */
  readonly clock?: () => number;
  /** Body size limit in bytes. @default the engine's request limit (2 MiB) */
  readonly maxBodyBytes?: number;
}
