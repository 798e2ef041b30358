import { randomUUID } from 'node:crypto';
import type { FailureApplied, Verdict } from '../engine/evaluate';
import type { OutputSummary } from '../engine/output';
import { FIELD_TABLE } from '../request/fields';
import type { Action, Category, CheckResult, FailMode, NormalizationSignals } from '../types';

/**
 * A new decision id: `dec_` and 32 lower-case hex digits (a random UUID without dashes). The same format in
 * the proxy Lambda and the local gateway; the prefix tells it apart from API Gateway's request ids (UUIDs).
 */
export function newDecisionId(): string {
  return `dec_${randomUUID().replaceAll('-', '')}`;
}

/** The second `isoTimestamp` formatted last, and its text up to the milliseconds (`2026-12-07T09:28:43.`). */
let isoSecond = Number.NaN;
let isoPrefix = '';
/** Epoch ms up to which the ISO form has four year digits (year 9999). */
const ISO_FOUR_DIGIT_YEARS_MS = 253_402_300_800_000;

/**
 * `new Date(ms).toISOString()`, with the date formatted once per second (records of one second share it): a
 * `Date` per record cost ≈ 2.5 µs on one core. Whole, non-negative times before year 10000 only; any other
 * value is formatted by `Date`.
 */
export function isoTimestamp(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < ISO_FOUR_DIGIT_YEARS_MS)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    isoSecond = second;
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Schema id of the decision record; bump on incompatible changes (docs/decision-record.md). */
export const DECISION_SCHEMA = 'csp.decision/v1';

export type Route = 'messages' | 'bedrock.invoke' | 'bedrock.invoke-stream' | 'canary' | 'eval';

/**
 * Final action of a request: a policy action (`allow`, `flag`, `redact`, `block`), `refuse` for a request
 * refused before or instead of the checks (authentication, limits, operator controls, invalid request,
 * unknown model or route), or `error` when serving failed (upstream failure, client gone, internal error).
 * Every response that is not a served completion has an action other than `allow`.
 */
export type RecordAction = Action | 'refuse' | 'error';

/** Every {@link RecordAction}, in display order (CLI validation, dashboards). */
export const RECORD_ACTIONS: readonly RecordAction[] = [
  'allow',
  'flag',
  'redact',
  'block',
  'refuse',
  'error',
];

/**
 * How a request ended, as serving knows it. The recorder keeps it typed and turns it into the record's `action`
 * and `reason` in one place ({@link outcomeFields}) when the record is finished.
 */
export type Outcome =
  /** Answered with the model's completion; the action is the input verdict's (allow, flag, redact). */
  | { readonly kind: 'served' }
  /** Refused by a check, on the input or in the output. */
  | { readonly kind: 'blocked'; readonly stage: 'input' | 'output'; readonly categories: readonly string[] }
  /** Refused before or instead of the checks: authentication, limits, controls, invalid request, unknown model. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** Serving failed: the upstream, the client going away, or an internal error. */
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * The record's `action` and `reason` for an outcome. A block stays a block whatever happened after it (a client
 * gone after an output block keeps action `block`, with the later reason).
 */
export function outcomeFields(
  verdictAction: Action,
  blocked: Extract<Outcome, { kind: 'blocked' }> | undefined,
  ended: Extract<Outcome, { kind: 'refused' | 'failed' }> | undefined,
): { action: RecordAction; reason: string | null } {
  if (blocked) {
    const own = `${blocked.stage === 'input' ? 'blocked' : 'output-blocked'}:${blocked.categories.join(',')}`;
    return { action: 'block', reason: ended?.reason ?? own };
  }
  if (ended) return { action: ended.kind === 'failed' ? 'error' : 'refuse', reason: ended.reason };
  return { action: verdictAction, reason: null };
}

/** Request header names an error may name as its field. */
const HEADER_FIELDS = ['modelId', 'content-type', 'content-encoding', 'anthropic-version', 'anthropic-beta'];

/**
 * Field names the record may carry: the names of the request field table (lambdas/core/request/fields.ts,
 * kept current against the SDK types) and the header fields above. Anything else in an error path is a
 * client-chosen key.
 */
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...Object.values(FIELD_TABLE).flatMap((row) => (row === 'refused' ? [] : Object.keys(row))),
  ...HEADER_FIELDS,
]);

/** A path step: `[12]`, `[?]`/`["key"]`, or a bare name. */
const PATH_STEP_RE = /\[(\d{1,9})\]|\[[^\]"]*\]|([^.[\]"]+)|\./gy;

/**
 * The error path as recorded: indices and known field names are kept, every other key (client-chosen, such
 * as an unknown field `patient_john_doe_hiv_positive` or a key inside a tool input) becomes `?`, and a path
 * that does not read as a plain path (quoted keys) becomes the fixed `(field)`. The response to the client
 * still names the path in full; only the record is redacted (docs/decision-record.md).
 */
export function recordedField(field: string): string {
  if (field === '') return '';
  let out = '';
  PATH_STEP_RE.lastIndex = 0;
  let consumed = 0;
  for (let m = PATH_STEP_RE.exec(field); m !== null; m = PATH_STEP_RE.exec(field)) {
    consumed = PATH_STEP_RE.lastIndex;
    const [step, index, name] = m;
    if (step === '.') continue;
    if (index !== undefined) out += `[${index}]`;
    else if (name !== undefined) out += `${out === '' ? '' : '.'}${KNOWN_FIELDS.has(name) ? name : '?'}`;
    else out += '[?]';
  }
  return consumed === field.length ? out : '(field)';
}

/** Where the request's processing ended. */
export type Stage = 'auth' | 'parse' | 'input' | 'upstream' | 'output' | 'complete';

/** One decision record per request: the only telemetry a request leaves. Contains no prompt text. */
export interface DecisionRecord {
  readonly schema: typeof DECISION_SCHEMA;
  readonly decisionId: string;
  readonly timestamp: string;
  readonly region: string;
  readonly route: Route;
  /** HMAC pseudonym of the tenant id; null before authentication succeeded. */
  readonly tenant: string | null;
  /** HMAC pseudonym of the API key hash. */
  readonly apiKey: string | null;
  readonly tenantTier: string | null;
  readonly model: string | null;
  readonly stream: boolean;
  readonly policy: { readonly name: string; readonly version: string };
  readonly stage: Stage;
  /** Final action taken for the request ({@link RecordAction}). */
  readonly action: RecordAction;
  readonly status: number;
  /** Machine-readable reason for a non-2xx or intervened outcome, e.g. `blocked:harmful`. */
  readonly reason: string | null;
  readonly triggered: readonly Category[];
  readonly shadowTriggered: readonly Category[];
  readonly checks: readonly CheckResult[];
  readonly tier2: Verdict['tier2'];
  readonly failMode: { readonly applied: FailMode | null; readonly failures: readonly FailureApplied[] };
  readonly signals: NormalizationSignals | null;
  readonly output: OutputRecord | null;
  readonly tokens: { readonly input: number; readonly output: number };
  readonly latencyMs: LatencyBreakdown;
  readonly error: { readonly type: string; readonly field: string } | null;
  /** The regional kill switch mode when it was not `normal` for this request. */
  readonly killSwitch?: 'fail-closed' | 'block-all';
}

export interface OutputRecord {
  readonly action: Action;
  readonly triggered: readonly Category[];
  readonly checks: readonly CheckResult[];
  readonly windows: number;
  readonly releasedChars: number;
  /** Output tokens the client had received when the stream was stopped; null when not blocked. */
  readonly releasedTokensBeforeBlock: number | null;
  readonly stopReason: string | null;
  /** Present when output checks escalated to tier 2 (exchange checks): calls made and failed calls. */
  readonly tier2?: OutputSummary['tier2'];
}

export interface LatencyBreakdown {
  readonly total: number;
  readonly parse: number;
  readonly normalize: number;
  readonly tier0: number;
  readonly tier1: number;
  readonly tier2: number;
  readonly upstream: number;
  readonly output: number;
  /** What the safeguards added: total minus upstream time. */
  readonly added: number;
}

/** Identity and request facts known at the start of a request. */
export interface RecordStart {
  readonly decisionId: string;
  readonly region: string;
  readonly route: Route;
  readonly policy: { readonly name: string; readonly version: string };
  /** Wall clock for `timestamp`, epoch ms. */
  readonly startedAt: number;
}

/**
 * Where decision records go: one JSON line each (stdout on Lambda, a JSONL file locally). A sink that stores
 * asynchronously (in batches) returns a promise that settles once the record is stored; serving releases the
 * response only then, so no answered request's record can be lost with the process.
 */
export type DecisionSink = (record: DecisionRecord) => void | PromiseLike<void>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Accumulates what is known about one request and emits exactly one record. `finish` is
 * idempotent: the first call emits, later calls return the same record. Handlers call it in a
 * `finally`, so a request that throws still leaves its record.
 */
export class DecisionRecorder {
  private readonly rec: Mutable<DecisionRecord>;
  private readonly latency: Mutable<Omit<LatencyBreakdown, 'total' | 'added'>>;
  private emitted: DecisionRecord | undefined;
  private stored: void | PromiseLike<void> = undefined;
  /** The input verdict's action (allow until one is recorded). */
  private verdictAction: Action = 'allow';
  private blocked: Extract<Outcome, { kind: 'blocked' }> | undefined;
  private ended: Extract<Outcome, { kind: 'refused' | 'failed' }> | undefined;

  constructor(
    start: RecordStart,
    private readonly sink: DecisionSink,
  ) {
    this.latency = { parse: 0, normalize: 0, tier0: 0, tier1: 0, tier2: 0, upstream: 0, output: 0 };
    this.rec = {
      schema: DECISION_SCHEMA,
      decisionId: start.decisionId,
      timestamp: isoTimestamp(start.startedAt),
      region: start.region,
      route: start.route,
      tenant: null,
      apiKey: null,
      tenantTier: null,
      model: null,
      stream: false,
      policy: start.policy,
      stage: 'auth',
      action: 'allow',
      status: 0,
      reason: null,
      triggered: [],
      shadowTriggered: [],
      checks: [],
      tier2: { called: false, escalated: [], outcome: 'skipped' },
      failMode: { applied: null, failures: [] },
      signals: null,
      output: null,
      tokens: { input: 0, output: 0 },
      latencyMs: {
        total: 0,
        parse: 0,
        normalize: 0,
        tier0: 0,
        tier1: 0,
        tier2: 0,
        upstream: 0,
        output: 0,
        added: 0,
      },
      error: null,
    };
  }

  get decisionId(): string {
    return this.rec.decisionId;
  }

  get finished(): boolean {
    return this.emitted !== undefined;
  }

  identity(id: { tenant: string | null; apiKey: string | null; tier?: string | null }): this {
    this.rec.tenant = id.tenant;
    this.rec.apiKey = id.apiKey;
    this.rec.tenantTier = id.tier ?? null;
    return this;
  }

  request(r: { model: string | null; stream: boolean; inputTokens: number; parseMs: number }): this {
    this.rec.model = r.model;
    this.rec.stream = r.stream;
    this.rec.tokens = { ...this.rec.tokens, input: r.inputTokens };
    this.latency.parse = r.parseMs;
    this.rec.stage = 'input';
    return this;
  }

  /** A request refused before or instead of the checks (4xx, or 503 when serving cannot decide). */
  refuse(status: number, reason: string, error?: { type: string; field: string }): this {
    this.rec.status = status;
    this.ended = { kind: 'refused', reason };
    if (error) this.rec.error = { type: error.type, field: recordedField(error.field) };
    return this;
  }

  /** A request whose serving failed (upstream error, client gone, internal error). */
  fail(status: number, reason: string): this {
    this.rec.status = status;
    this.ended = { kind: 'failed', reason };
    return this;
  }

  /**
   * A request answered before the proxy (the authorizer's refusals, an unknown route): refused, except
   * `internal_error` (the authorizer could not reach its store), which is a failure.
   */
  reject(status: number, reason: string, error?: { type: string; field: string }): this {
    return reason === 'internal_error' ? this.fail(status, reason) : this.refuse(status, reason, error);
  }

  /** The status of the refusal answered for a block already recorded by {@link input}. */
  blockedAnswer(status: number): this {
    this.rec.status = status;
    return this;
  }

  stage(stage: Stage): this {
    this.rec.stage = stage;
    return this;
  }

  /** Records the input verdict and its latencies. */
  input(v: Verdict): this {
    this.rec.triggered = v.triggered;
    this.rec.shadowTriggered = v.shadowTriggered;
    this.rec.checks = v.checks;
    this.rec.tier2 = v.tier2;
    this.rec.signals = v.signals;
    this.rec.failMode = { applied: failModeApplied(v), failures: v.failures };
    this.latency.normalize = v.latencyMs.normalize;
    this.latency.tier0 = v.latencyMs.tier0;
    this.latency.tier1 = v.latencyMs.tier1;
    this.latency.tier2 = v.latencyMs.tier2;
    this.verdictAction = v.action;
    if (v.action === 'block') this.blocked = { kind: 'blocked', stage: 'input', categories: v.triggered };
    return this;
  }

  upstream(ms: number): this {
    this.latency.upstream += ms;
    return this;
  }

  /** Records output moderation; a block there makes the request's final action `block`. */
  output(
    summary: OutputSummary,
    tokens: { output: number; releasedBeforeBlock: number | null },
    stopReason: string | null,
  ): this {
    const v = summary.blockedVerdict;
    this.rec.output = {
      action: v ? 'block' : 'allow',
      triggered: v?.triggered ?? [],
      checks: v?.checks ?? [],
      windows: summary.windows,
      releasedChars: summary.releasedChars,
      releasedTokensBeforeBlock: v ? tokens.releasedBeforeBlock : null,
      stopReason,
      ...(summary.tier2 ? { tier2: summary.tier2 } : {}),
    };
    this.rec.tokens = { ...this.rec.tokens, output: tokens.output };
    this.latency.output += summary.totalWindowMs;
    if (v) this.blocked = { kind: 'blocked', stage: 'output', categories: v.triggered };
    return this;
  }

  killSwitch(mode: 'fail-closed' | 'block-all'): this {
    this.rec.killSwitch = mode;
    return this;
  }

  /** Emits the record once. `totalMs` is the request's wall time; `status` the HTTP status sent. */
  finish(status: number, totalMs: number): DecisionRecord {
    if (this.emitted) return this.emitted;
    if (this.rec.status === 0) this.rec.status = status;
    const { action, reason } = outcomeFields(this.verdictAction, this.blocked, this.ended);
    this.rec.action = action;
    this.rec.reason = reason;
    // `complete` only for a request that ran to its end: a stream that failed or was aborted after a
    // 200 head keeps the stage where it stopped (its reason says why).
    if (this.rec.stage !== 'auth' && this.rec.stage !== 'parse' && status < 400 && this.rec.reason === null) {
      this.rec.stage = 'complete';
    }
    const total = round3(totalMs);
    this.rec.latencyMs = {
      total,
      parse: round3(this.latency.parse),
      normalize: round3(this.latency.normalize),
      tier0: round3(this.latency.tier0),
      tier1: round3(this.latency.tier1),
      tier2: round3(this.latency.tier2),
      upstream: round3(this.latency.upstream),
      output: round3(this.latency.output),
      added: round3(Math.max(0, totalMs - this.latency.upstream)),
    };
    const record: DecisionRecord = { ...this.rec };
    this.emitted = record;
    this.stored = this.sink(record);
    return record;
  }

  /** Settles once the emitted record is stored (at once for a synchronous sink, or before `finish`). */
  async persisted(): Promise<void> {
    await this.stored;
  }
}

/** `closed` if a failed check's closed fail mode decided the outcome, `open` if a failure was let through. */
export function failModeApplied(v: Verdict): FailMode | null {
  if (v.failures.length === 0) return null;
  return v.failures.some((f) => f.failMode === 'closed' && v.triggered.includes(f.category))
    ? 'closed'
    : 'open';
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
