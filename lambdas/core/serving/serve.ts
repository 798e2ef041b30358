/**
 * `serveInference`: the one serving function behind the proxy Lambda and the local gateway.
 *
 * parse → admission → input checks → (block | forward, redacted when the policy says so) → model call
 * → output moderation (whole completion, or windowed over the stream) → response. Exactly one decision
 * record per request, emitted in a `finally`. See docs/serving.md.
 */

import type { DecisionRecord } from '../decision/record';
import { controlRefusal, NORMAL_CONTROLS, type RegionControls } from '../enforcement/controls';
import type { OutputSummary } from '../engine/output';
import { DecisionRecorder, type InputVerdict, OutputMonitor, parseRequest, type Verdict } from '../index';
import type { ParsedRequest } from '../request/parse';
import { type AnthropicStreamEvent, anthropicMessage } from './anthropic';
import { renderError, type ServeFailure, upstreamFailure } from './errors';
import { checkEnvelope } from './http-edge';
import { refusalDetails, StreamRelay } from './stream-relay';
import { estimateTokens } from './tokens';
import {
  CANARY_TIER,
  CallAbort,
  type Identity,
  type InboundRequest,
  type ModelBody,
  type Reservation,
  type ResponseWriter,
  type ServeDeps,
  type ServingPort,
  UpstreamError,
} from './types';
import { type WireFormat, wireFor } from './wire';

export { refusalDetails } from './stream-relay';
export { estimateTokens } from './tokens';

/** Fields the route owns (model, streaming, API version, beta flags): adapters set them for their wire. */
const ROUTE_FIELDS = new Set(['model', 'stream', 'anthropic_version', 'anthropic_beta']);

/**
 * The body forwarded to the model: the validated (possibly redacted) body — re-built by the schema,
 * never the client's bytes — minus route-owned fields, plus the allowlisted beta flags as
 * `anthropic_beta` (the HTTPS adapter sends them as the `anthropic-beta` header, Bedrock in the body).
 */
export function modelBody(body: Readonly<Record<string, unknown>>, betas: readonly string[] = []): ModelBody {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(body)) if (!ROUTE_FIELDS.has(k)) out[k] = body[k];
  if (betas.length > 0) out['anthropic_beta'] = [...betas];
  return out;
}

/** Per-request state shared by the stages. */
class Exchange {
  status = 0;
  headSent = false;
  ended = false;
  reservation: Reservation | undefined;
  inputTokens = 0;
  outputTokens = 0;
  /** Aborts the model call (client gone, output blocked): a flag and listeners, not an AbortController per request. */
  readonly controller = new CallAbort();
  /** The route's wire format, chosen once. */
  readonly wire: WireFormat;

  constructor(
    readonly req: InboundRequest,
    readonly deps: ServeDeps,
    readonly res: ResponseWriter,
    readonly recorder: DecisionRecorder,
    readonly now: () => number,
  ) {
    this.wire = wireFor(req.route);
  }

  head(status: number, headers: Record<string, string>): void {
    if (this.headSent) return;
    this.headSent = true;
    this.status = status;
    // A client that went away gets nothing; the status still goes into the record.
    if (!this.res.aborted) this.res.head(status, headers);
  }

  write(chunk: Uint8Array | string): void {
    if (!this.ended && !this.res.aborted) this.res.write(chunk);
  }

  /** A whole (non-streamed) response body held until {@link release}. */
  private held: string | undefined;

  /**
   * Marks the response complete. The writer's own end is sent by {@link release}, once the decision record is
   * stored: a client never holds a complete answer whose record could still be lost with the process.
   */
  end(): void {
    this.ended = true;
  }

  /** Ends the response on the wire (after the record is stored; see {@link end}), with a held body. */
  release(): void {
    this.ended = true;
    const held = this.held;
    this.held = undefined;
    if (this.res.aborted) return;
    if (held === undefined) this.res.end();
    else this.res.end(held);
  }

  /** Work that follows the response (strikes on the enforcement ladder): run after {@link release}. */
  readonly after: Array<() => Promise<void>> = [];

  /**
   * A complete JSON response: the head now, the body held and sent with the end by {@link release} (one piece on
   * the wire, after the record is stored).
   */
  json(status: number, headers: Record<string, string>, body: string): void {
    const first = !this.headSent;
    this.head(status, headers);
    if (first && !this.ended) this.held = body;
    else this.write(body);
    this.end();
  }

  /** Answers a refusal (auth, limits, controls, invalid request, unknown model) and records why. */
  refuse(failure: ServeFailure, reason: string, error?: { type: string; field: string }): void {
    const r = this.render(failure);
    this.recorder.refuse(r.status, reason, error);
    this.json(r.status, r.headers, r.body);
  }

  /** Answers a serving failure (upstream, client gone, internal) and records why. */
  fail(failure: ServeFailure, reason: string): void {
    const r = this.render(failure);
    this.recorder.fail(r.status, reason);
    this.json(r.status, r.headers, r.body);
  }

  /** Answers the refusal of a request whose input verdict (already recorded) blocked it. */
  block(): void {
    const r = this.render({ kind: 'blocked' });
    this.recorder.blockedAnswer(r.status);
    this.json(r.status, r.headers, r.body);
  }

  private render(failure: ServeFailure) {
    return renderError(this.req.route, failure, this.req.decisionId);
  }

  portError(port: ServingPort, e: unknown): void {
    this.deps.metrics.add('PortErrors', 1, { Port: port });
    this.deps.log?.('port failed', {
      port,
      error: e instanceof Error ? e.name : 'unknown',
      decisionId: this.req.decisionId,
    });
  }

  async reportViolation(stage: 'input' | 'output', v: Verdict): Promise<void> {
    const { violations } = this.deps;
    const identity = this.req.identity;
    if (!violations || !identity) return;
    // The live-enforcement canary is blocked on purpose every minute: never a strike.
    if (identity.tier === CANARY_TIER) return;
    // A category refused only because a check failed closed (e.g. tier 2 down) is not the tenant's doing:
    // an outage must never walk tenants up the enforcement ladder.
    const categories = v.triggered.filter((c) => !v.failedClosedOnly.includes(c));
    if (categories.length === 0) return;
    try {
      await violations.report(identity.tenantId, {
        decisionId: this.req.decisionId,
        stage,
        categories,
        at: (this.deps.clock ?? Date.now)(),
      });
    } catch (e) {
      this.portError('violations', e);
    }
  }
}

/**
 * Serves one inference request end to end and writes the response to `res`. Never throws: failures
 * become error responses (or an in-stream error event once streaming started), and exactly one
 * decision record reaches `deps.sink`.
 */
export async function serveInference(
  req: InboundRequest,
  deps: ServeDeps,
  res: ResponseWriter,
): Promise<void> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const { engine } = deps;
  const recorder = new DecisionRecorder(
    {
      decisionId: req.decisionId,
      region: deps.region,
      route: req.route,
      policy: { name: engine.policy.name, version: engine.policy.version },
      startedAt: req.receivedAt,
    },
    deps.sink,
  );
  const x = new Exchange(req, deps, res, recorder, now);
  res.onAbort(() => x.controller.abort());
  const names = pseudonyms(x);
  try {
    await run(x);
  } catch (e) {
    x.portError('serving', e);
    if (!x.headSent) {
      x.fail({ kind: 'internal' }, 'internal_error');
    } else {
      recorder.fail(x.status, 'internal_error');
      writeStreamFailure(x, { kind: 'internal' });
      x.end();
    }
  } finally {
    const ids = await names;
    recorder.identity({ ...ids, tier: req.identity?.tier ?? null });
    try {
      emitMetrics(deps, recorder.finish(x.status || 500, now() - started));
      await recorder.persisted();
    } catch (e) {
      // A failing sink or metrics backend must not fail the response, which is already written.
      x.portError('telemetry', e);
    }
    x.release();
    for (const job of x.after) await job();
    if (x.reservation && deps.admission) {
      try {
        await deps.admission.settle(x.reservation, {
          inputTokens: x.inputTokens,
          outputTokens: x.outputTokens,
        });
      } catch (e) {
        x.portError('admission.settle', e);
      }
    }
  }
}

async function pseudonyms(x: Exchange): Promise<{ tenant: string | null; apiKey: string | null }> {
  const id = x.req.identity;
  if (!id) return { tenant: null, apiKey: null };
  try {
    const [tenant, apiKey] = await Promise.all([
      x.deps.pseudonymize('tenant', id.tenantId),
      x.deps.pseudonymize('apiKey', id.keyHash),
    ]);
    return { tenant, apiKey };
  } catch (e) {
    x.portError('pseudonymize', e);
    // Never the raw identifier: the record says the pseudonym could not be computed.
    return { tenant: 'unavailable', apiKey: 'unavailable' };
  }
}

async function run(x: Exchange): Promise<void> {
  const { req, deps, recorder, now } = x;
  if (!req.identity) {
    recorder.stage('auth');
    x.refuse({ kind: 'unauthenticated' }, 'unauthenticated');
    return;
  }

  if (req.identity.rateLimited) {
    recorder.stage('auth');
    const { retryAfterMs, notice } = req.identity.rateLimited;
    x.refuse({ kind: 'rate_limited', retryAfterMs, ...(notice ? { notice } : {}) }, 'rate_limited');
    return;
  }

  // The envelope (media type, API version) before the body is read as JSON.
  const envelope = checkEnvelope(req.route, req.headers, req.body, deps.maxBodyBytes);
  if (envelope) {
    recorder.stage('parse');
    const error = envelope.failure.kind === 'invalid' ? envelope.failure.error : undefined;
    x.refuse(envelope.failure, envelope.reason, error && { type: error.type, field: error.field });
    return;
  }

  const t0 = now();
  const parsed = parseRequest(req.body, {
    format: x.wire.format,
    ...(deps.maxBodyBytes === undefined ? {} : { maxBytes: deps.maxBodyBytes }),
    ...(req.modelId === undefined ? {} : { modelFromPath: req.modelId }),
    ...(req.headers['anthropic-beta'] === undefined ? {} : { betaHeader: req.headers['anthropic-beta'] }),
  });
  const parseMs = now() - t0;
  if (!parsed.ok) {
    recorder.stage('parse');
    x.refuse({ kind: 'invalid', error: parsed.error }, 'invalid_request', {
      type: parsed.error.type,
      field: parsed.error.field,
    });
    return;
  }
  const request = parsed.request;
  if (request.droppedBetas > 0) deps.metrics.add('DroppedBetas', request.droppedBetas);
  const stream = x.wire.streams(request);
  x.inputTokens = estimateTokens(request.inputChars);
  // The model is resolved against the region's allowlist in canonical form; the record and the upstream
  // only ever see the allowlist's names, never the client's string.
  const requested = request.model ?? req.modelId ?? '';
  const model = deps.models.resolve(requested);
  recorder.request({
    model: model.ok ? model.model : null,
    stream,
    inputTokens: x.inputTokens,
    parseMs,
  });
  if (!model.ok) {
    x.refuse({ kind: 'model_not_found', model: requested }, 'model_not_found');
    return;
  }

  const controls = await readControls(x);
  if (controls.mode !== 'normal') recorder.killSwitch(controls.mode);
  const refusal = controlRefusal(controls, model.model);
  if (refusal) {
    x.refuse({ kind: refusal }, refusal);
    return;
  }

  if (!(await admit(x, req.identity, request))) return;

  const verdict = await deps.engine.evaluateRequest(request, {
    forceFailClosed: controls.mode === 'fail-closed',
    shadow: controls.shadowCategories,
    ...(req.identity.overrides ? { overrides: req.identity.overrides } : {}),
  });
  recorder.input(verdict);
  if (verdict.action === 'block') {
    x.block();
    x.after.push(() => x.reportViolation('input', verdict));
    return;
  }

  recorder.stage('upstream');
  const body = modelBody(forwardBody(verdict, request), request.betas);
  // Exchange checks: every output check reads the end of the request with the output.
  const prompt = deps.engine.promptContext(request);
  if (stream) await serveStream(x, body, model.forward, prompt);
  else await serveOnce(x, body, model.forward, prompt);
}

function forwardBody(verdict: InputVerdict, request: ParsedRequest): Readonly<Record<string, unknown>> {
  return verdict.action === 'redact' && verdict.forwardBody ? verdict.forwardBody : request.body;
}

/** The regional controls; a read failure is counted and the request is served under normal controls. */
async function readControls(x: Exchange): Promise<RegionControls> {
  if (!x.deps.controls) return NORMAL_CONTROLS;
  try {
    return await x.deps.controls.current();
  } catch (e) {
    x.portError('controls', e);
    return NORMAL_CONTROLS;
  }
}

/** Reserves input tokens; false when the request was answered 429. Admission failures fail open (counted). */
async function admit(x: Exchange, identity: Identity, request: ParsedRequest): Promise<boolean> {
  const admission = x.deps.admission;
  if (!admission) return true;
  try {
    const r = await admission.reserve(identity, {
      inputTokens: x.inputTokens,
      maxOutputTokens: request.maxTokens,
    });
    if (r.ok) {
      x.reservation = r.reservation;
      return true;
    }
    x.refuse({ kind: 'rate_limited', retryAfterMs: r.retryAfterMs }, 'rate_limited');
    return false;
  } catch (e) {
    x.portError('admission.reserve', e);
    x.deps.metrics.add('FailOpen', 1, { Reason: 'admission-error' });
    return true;
  }
}

function failUpstream(x: Exchange, e: unknown): void {
  const kind = e instanceof UpstreamError ? e.kind : x.controller.aborted ? 'aborted' : 'unavailable';
  if (kind === 'aborted' || x.res.aborted) {
    x.fail({ kind: 'upstream_unavailable' }, 'client_aborted');
    return;
  }
  const retry = e instanceof UpstreamError ? e.retryAfterMs : undefined;
  const failure = upstreamFailure(kind, retry);
  x.fail(failure, failure.kind);
}

/** Non-streaming: the whole completion is classified before anything is released. */
async function serveOnce(
  x: Exchange,
  body: ModelBody,
  model: string | undefined,
  prompt: string,
): Promise<void> {
  const { deps, recorder, now } = x;
  const t = now();
  let json: unknown;
  try {
    json = await deps.upstream.invoke(body, model, x.controller);
  } catch (e) {
    recorder.upstream(now() - t);
    failUpstream(x, e);
    return;
  }
  recorder.upstream(now() - t);
  const parsed = anthropicMessage.safeParse(json);
  if (!parsed.success) {
    x.fail({ kind: 'upstream_unavailable' }, 'upstream_invalid_response');
    return;
  }
  const message = parsed.data;
  recorder.stage('output');
  const text = message.content
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('\n\n');
  const t2 = now();
  const verdict = await deps.engine.evaluateOutput(text, { prompt });
  const checkMs = now() - t2;
  const blocked = verdict.action === 'block';
  const summary: OutputSummary = {
    windows: 1,
    releasedChars: blocked ? 0 : text.length,
    heldChars: blocked ? text.length : 0,
    blocked,
    ...(blocked ? { blockedVerdict: verdict } : {}),
    maxWindowMs: checkMs,
    totalWindowMs: checkMs,
    ...(verdict.tier2.called
      ? { tier2: { calls: 1, failures: verdict.failures.filter((f) => f.check === 'tier2') } }
      : {}),
  };
  x.inputTokens = message.usage?.input_tokens ?? x.inputTokens;
  x.outputTokens = message.usage?.output_tokens ?? estimateTokens(text.length);
  const stopReason = blocked
    ? 'refusal'
    : typeof message['stop_reason'] === 'string'
      ? message['stop_reason']
      : null;
  recorder.output(summary, { output: x.outputTokens, releasedBeforeBlock: blocked ? 0 : null }, stopReason);
  const out = blocked
    ? {
        ...message,
        content: [],
        stop_reason: 'refusal',
        stop_sequence: null,
        stop_details: refusalDetails(verdict, x.req.decisionId),
      }
    : message;
  const headers = x.wire.onceHeaders(x.req.decisionId, { input: x.inputTokens, output: x.outputTokens });
  x.json(200, headers, JSON.stringify(out));
  if (blocked) x.after.push(() => x.reportViolation('output', verdict));
}

function writeStreamFailure(x: Exchange, failure: ServeFailure): void {
  x.write(x.wire.streamFailure(failure));
}

/** Streaming: text deltas go through the output monitor; only classified text is released. */
async function serveStream(
  x: Exchange,
  body: ModelBody,
  model: string | undefined,
  prompt: string,
): Promise<void> {
  const { deps, recorder, now } = x;
  const policy = deps.engine.policy.document.output;
  const t = now();
  let upstreamMs = 0;
  let iterator: AsyncIterator<AnthropicStreamEvent>;
  try {
    iterator = deps.upstream.stream(body, model, x.controller)[Symbol.asyncIterator]();
  } catch (e) {
    failUpstream(x, e);
    return;
  }
  let first: IteratorResult<AnthropicStreamEvent>;
  // Time spent waiting on the upstream, summed per event (inline, not an async wrapper: a promise less per event).
  let waitFrom = now();
  try {
    first = await iterator.next();
    upstreamMs += now() - waitFrom;
  } catch (e) {
    recorder.upstream(now() - t);
    failUpstream(x, e);
    return;
  }

  x.head(200, x.wire.streamHeaders(x.req.decisionId));
  recorder.stage('output');

  const monitor = new OutputMonitor({
    holdbackChars: policy.holdbackChars,
    windowChars: policy.windowChars,
    check: (text) => deps.engine.evaluateOutput(text, { prompt }),
    now,
  });
  const relay = new StreamRelay(monitor, (event) => x.write(x.wire.event(event)));

  try {
    let step = first;
    while (!step.done) {
      if (x.res.aborted) {
        relay.end = 'client_aborted';
        break;
      }
      // Validated once, by the adapter that decoded it (the port yields checked events only).
      if (!(await relay.handle(step.value))) break;
      if (x.res.ready) await x.res.ready();
      waitFrom = now();
      try {
        step = await iterator.next();
      } finally {
        upstreamMs += now() - waitFrom;
      }
    }
    if (step.done && relay.end === 'complete' && !relay.blocked) await relay.flush();
  } catch (e) {
    if (x.res.aborted || x.controller.aborted) relay.end = 'client_aborted';
    else {
      const kind = e instanceof UpstreamError ? e.kind : 'unavailable';
      relay.end = upstreamFailure(kind, e instanceof UpstreamError ? e.retryAfterMs : undefined);
    }
  }
  x.inputTokens = relay.inputTokens ?? x.inputTokens;

  const { blocked, end } = relay;
  if (blocked) relay.closeRefused(x.req.decisionId);
  else if (typeof end === 'object') writeStreamFailure(x, end);
  x.end();
  if (blocked || end !== 'complete') {
    x.controller.abort();
    try {
      await iterator.return?.();
    } catch {
      // The upstream was aborted: its iterator may reject on close; nothing left to do.
    }
  }

  recorder.upstream(upstreamMs);
  const summary = monitor.summary();
  x.outputTokens = relay.usageOutput ?? estimateTokens(summary.releasedChars + summary.heldChars);
  recorder.output(
    summary,
    { output: x.outputTokens, releasedBeforeBlock: blocked ? relay.releasedTokens : null },
    relay.stopReason,
  );
  if (end === 'client_aborted') recorder.fail(x.status, 'client_aborted');
  else if (typeof end === 'object') recorder.fail(x.status, end.kind);
  if (blocked) x.after.push(() => x.reportViolation('output', blocked));
}

/** Translates the final record into metrics, so metrics and records can never disagree. */
export function emitMetrics(deps: Pick<ServeDeps, 'metrics'>, record: DecisionRecord): void {
  const m = deps.metrics;
  m.add('Decisions', 1, { Action: record.action, Route: record.route });
  for (const c of record.triggered) m.add('CategoryTriggered', 1, { Category: c, Stage: 'input' });
  for (const c of record.output?.triggered ?? [])
    m.add('CategoryTriggered', 1, { Category: c, Stage: 'output' });
  for (const f of record.failMode.failures) {
    m.add(f.failMode === 'open' ? 'FailOpen' : 'FailClosed', 1, { Reason: `${f.check}-${f.outcome}` });
  }
  if (record.tier2.called && record.tier2.outcome === 'timeout') m.add('Tier2Timeouts', 1);
  if (record.tier2.called && record.tier2.outcome === 'error') m.add('Tier2Errors', 1);
  for (const f of record.output?.tier2?.failures ?? []) {
    m.add(f.failMode === 'open' ? 'FailOpen' : 'FailClosed', 1, { Reason: `output-${f.check}-${f.outcome}` });
    m.add(f.outcome === 'timeout' ? 'Tier2Timeouts' : 'Tier2Errors', 1);
  }
  const released = record.output?.releasedTokensBeforeBlock;
  if (released !== null && released !== undefined) m.add('TokensReleasedBeforeBlock', released);
  if (record.reason === 'rate_limited') m.add('RateLimited', 1, { Source: 'admission' });
  if (record.reason === 'upstream_throttled') m.add('RateLimited', 1, { Source: 'upstream' });
  if (record.reason?.startsWith('upstream_')) m.add('UpstreamErrors', 1, { Kind: record.reason });
  m.add('AddedLatency', record.latencyMs.added);
}
