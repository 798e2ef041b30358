/**
 * The JSON text of a decision record, as every sink writes it (the proxy's log line, the local JSONL file, the
 * bench). Byte for byte `JSON.stringify(record)`, in about half its time: `JSON.stringify` of a ~2 KB record
 * with a dozen checks cost ≈ 11–13 µs per request on one core, the largest single line of the serving code.
 *
 * The record, its checks, signals and latencies are written with their known fields, in the order the
 * recorder and the engine create them. That only makes the common case fast; it never decides the output: an
 * object whose own keys are not in that order (a field added later, a different order), that is not a plain
 * object, or that holds a value of an unexpected type is written by `JSON.stringify` itself. JSON text without
 * indentation is compositional (an object's text is its members' texts joined), so both paths give the same
 * bytes. test/unit/lambdas/core/decision/record-json.test.ts compares them on engine records and
 * on random ones.
 */
import type { DecisionRecord } from './record';

/** Strings at most this long are checked here for characters JSON escapes; longer ones go to `JSON.stringify`. */
const SHORT = 64;

/**
 * `JSON.stringify` of a string. The record's strings are short names (categories, actions, outcomes, detector ids,
 * timestamps): when none of their code units needs an escape (a control character, `"`, `\`, or a surrogate,
 * which JSON.stringify escapes when lone), the text is the string in quotes.
 */
function str(s: string): string {
  if (s.length > SHORT) return JSON.stringify(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/**
 * `JSON.stringify` of a number: `Number::toString` for finite numbers (as `String` gives it), `null` otherwise.
 *
 * The record's scores and latencies are rounded to 3 or 4 decimals, and a new double each request, so
 * `Number::toString`'s shortest-digits search (not its cache) would run for each. For such a number `n`, the
 * nearest double to a decimal `k / 10⁴` with `|k| < 10⁹`, that decimal (trailing zeros dropped) is
 * `Number::toString(n)`: it reads back as `n`, and any other decimal of as few digits differs from it by at
 * least 10⁻⁴, far more than the spacing of doubles below 10⁵, so it cannot. Written from integers instead.
 */
function num(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return Number.isFinite(n) ? String(n) : 'null';
  const k = Math.round(n * 10_000);
  if (!(k / 10_000 === n && k > -1e9 && k < 1e9)) return String(n);
  const a = k < 0 ? -k : k;
  const whole = Math.floor(a / 10_000);
  let frac = a - whole * 10_000;
  let digits = 4;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  const f = digits === 4 ? FRAC4[frac]! : String(frac).padStart(digits, '0');
  return `${k < 0 ? '-' : ''}${whole}.${f}`;
}

/** `0001` … `9999`: four-digit fractions as written (the most common case: scores and latencies). */
const FRAC4: readonly string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/**
 * Whether `o` is a plain object whose own keys come in the order of `keys` (some may be absent), so that writing
 * the fields of `keys` in that order gives `JSON.stringify`'s member order.
 */
function inOrder(o: object, keys: readonly string[]): boolean {
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  let i = 0;
  for (const key in o) {
    while (i < keys.length && keys[i] !== key) i++;
    if (i === keys.length) return false;
    i++;
  }
  return true;
}

/** A plain array of strings, written; undefined when it is anything else. */
function strings(v: unknown): string | undefined {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return undefined;
  if ((v as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string') return undefined;
    out += i === 0 ? str(s) : `,${str(s)}`;
  }
  return `${out}]`;
}

const CHECK_KEYS = [
  'check',
  'category',
  'score',
  'threshold',
  'action',
  'latencyMs',
  'outcome',
  'shadow',
  'detector',
  'reading',
  'superseded',
  'failMode',
] as const;

/** One check as the engine builds it; undefined when it is anything else. */
function check(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || !inOrder(v, CHECK_KEYS)) return undefined;
  const c = v as Record<(typeof CHECK_KEYS)[number], unknown>;
  if (
    !isString(c.check) ||
    !isString(c.category) ||
    !isNumber(c.score) ||
    !(c.threshold === undefined || isNumber(c.threshold)) ||
    !isString(c.action) ||
    !isNumber(c.latencyMs) ||
    !isString(c.outcome) ||
    !(c.shadow === undefined || isBoolean(c.shadow)) ||
    !(c.detector === undefined || isString(c.detector)) ||
    !(c.reading === undefined || isString(c.reading)) ||
    !(c.superseded === undefined || isBoolean(c.superseded)) ||
    !(c.failMode === undefined || isString(c.failMode))
  )
    return undefined;
  let out = `{"check":${str(c.check)},"category":${str(c.category)},"score":${num(c.score)}`;
  if (c.threshold !== undefined) out += `,"threshold":${num(c.threshold)}`;
  out += `,"action":${str(c.action)},"latencyMs":${num(c.latencyMs)},"outcome":${str(c.outcome)}`;
  if (c.shadow !== undefined) out += `,"shadow":${c.shadow}`;
  if (c.detector !== undefined) out += `,"detector":${str(c.detector)}`;
  if (c.reading !== undefined) out += `,"reading":${str(c.reading)}`;
  if (c.superseded !== undefined) out += `,"superseded":${c.superseded}`;
  if (c.failMode !== undefined) out += `,"failMode":${str(c.failMode)}`;
  return `${out}}`;
}

/** The checks, each written by {@link check} or else by `JSON.stringify`. */
function checks(v: unknown): string | undefined {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return undefined;
  if ((v as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    // JSON.stringify writes an undefined, function or symbol element as null.
    const text = check(item) ?? JSON.stringify(item) ?? 'null';
    out += i === 0 ? text : `,${text}`;
  }
  return `${out}]`;
}

/**
 * The members `keys` of `o`, all numbers, written as `"key":value,…` (no braces); undefined when one is not a
 * number. The keys are plain identifiers, so they need no escaping.
 */
function numberMembers(o: Record<string, unknown>, keys: readonly string[]): string | undefined {
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = o[key];
    if (!isNumber(value)) return undefined;
    out += `${i === 0 ? '' : ','}"${key}":${num(value)}`;
  }
  return out;
}

const SIGNAL_COUNTS = [
  'zeroWidth',
  'bidi',
  'tags',
  'variationSelectors',
  'homoglyphs',
  'letterlike',
  'combiningMarks',
  'decodedViews',
] as const;
const SIGNAL_KEYS = [...SIGNAL_COUNTS, 'transforms'] as const;

function signals(v: unknown): string | undefined {
  if (v === null) return 'null';
  if (typeof v !== 'object' || !inOrder(v, SIGNAL_KEYS)) return undefined;
  const s = v as Record<string, unknown>;
  const counts = numberMembers(s, SIGNAL_COUNTS);
  if (counts === undefined) return undefined;
  const transforms = strings(s['transforms']);
  if (transforms === undefined) return undefined;
  return `{${counts},"transforms":${transforms}}`;
}

const LATENCY_KEYS = [
  'total',
  'parse',
  'normalize',
  'tier0',
  'tier1',
  'tier2',
  'upstream',
  'output',
  'added',
] as const;

function latency(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || !inOrder(v, LATENCY_KEYS)) return undefined;
  const members = numberMembers(v as Record<string, unknown>, LATENCY_KEYS);
  return members === undefined ? undefined : `{${members}}`;
}

/** An object of exactly the string or number members `a` and `b`, in that order; else as JSON.stringify writes it. */
function pair(v: unknown, a: string, b: string): string | undefined {
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let n = 0;
    let ordered = true;
    for (const key in v) ordered &&= key === (n++ === 0 ? a : b);
    const o = v as Record<string, unknown>;
    const x = o[a];
    const y = o[b];
    if (ordered && n === 2) {
      const xs = isString(x) ? str(x) : isNumber(x) ? num(x) : undefined;
      const ys = isString(y) ? str(y) : isNumber(y) ? num(y) : undefined;
      if (xs !== undefined && ys !== undefined) return `{${str(a)}:${xs},${str(b)}:${ys}}`;
    }
  }
  return JSON.stringify(v);
}

const TIER2_KEYS = ['called', 'escalated', 'outcome', 'reason'] as const;

/** The verdict's tier-2 summary; else as JSON.stringify writes it. */
function tier2Summary(v: unknown): string | undefined {
  if (v !== null && typeof v === 'object' && inOrder(v, TIER2_KEYS)) {
    const t = v as Record<(typeof TIER2_KEYS)[number], unknown>;
    const escalated = strings(t.escalated);
    if (
      isBoolean(t.called) &&
      escalated !== undefined &&
      isString(t.outcome) &&
      (t.reason === undefined || isString(t.reason))
    ) {
      const reason = t.reason === undefined ? '' : `,"reason":${str(t.reason)}`;
      return `{"called":${t.called},"escalated":${escalated},"outcome":${str(t.outcome)}${reason}}`;
    }
  }
  return JSON.stringify(v);
}

const FAIL_MODE_KEYS = ['applied', 'failures'] as const;

/** The fail-mode summary when no failure was applied (most requests); else as JSON.stringify writes it. */
function failModeSummary(v: unknown): string | undefined {
  if (v !== null && typeof v === 'object' && inOrder(v, FAIL_MODE_KEYS)) {
    const f = v as Record<(typeof FAIL_MODE_KEYS)[number], unknown>;
    const none = strings(f.failures) === '[]';
    if (none && f.applied === null) return '{"applied":null,"failures":[]}';
  }
  return JSON.stringify(v);
}

const RECORD_KEYS = [
  'schema',
  'decisionId',
  'timestamp',
  'region',
  'route',
  'tenant',
  'apiKey',
  'tenantTier',
  'model',
  'stream',
  'policy',
  'stage',
  'action',
  'status',
  'reason',
  'triggered',
  'shadowTriggered',
  'checks',
  'tier2',
  'failMode',
  'signals',
  'output',
  'tokens',
  'latencyMs',
  'error',
  'killSwitch',
] as const;

/** The record as the recorder builds it; undefined when it is anything else. */
function record(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || !inOrder(v, RECORD_KEYS)) return undefined;
  const r = v as Record<(typeof RECORD_KEYS)[number], unknown>;
  if (
    !isString(r.schema) ||
    !isString(r.decisionId) ||
    !isString(r.timestamp) ||
    !isString(r.region) ||
    !isString(r.route) ||
    !isStringOrNull(r.tenant) ||
    !isStringOrNull(r.apiKey) ||
    !isStringOrNull(r.tenantTier) ||
    !isStringOrNull(r.model) ||
    !isBoolean(r.stream) ||
    !isString(r.stage) ||
    !isString(r.action) ||
    !isNumber(r.status) ||
    !isStringOrNull(r.reason) ||
    !(r.killSwitch === undefined || isString(r.killSwitch))
  )
    return undefined;
  const policy = pair(r.policy, 'name', 'version');
  const triggered = strings(r.triggered);
  const shadowTriggered = strings(r.shadowTriggered);
  const checkList = checks(r.checks);
  const tier2 = tier2Summary(r.tier2);
  const failMode = failModeSummary(r.failMode);
  const signalSet = signals(r.signals);
  // Output and error are mostly null; written by JSON.stringify when not.
  const output = r.output === null ? 'null' : JSON.stringify(r.output);
  const tokens = pair(r.tokens, 'input', 'output');
  const latencyMs = latency(r.latencyMs);
  const error = r.error === null ? 'null' : JSON.stringify(r.error);
  if (
    policy === undefined ||
    triggered === undefined ||
    shadowTriggered === undefined ||
    checkList === undefined ||
    tier2 === undefined ||
    failMode === undefined ||
    signalSet === undefined ||
    output === undefined ||
    tokens === undefined ||
    latencyMs === undefined ||
    error === undefined
  )
    return undefined;
  const nullable = (s: string | null): string => (s === null ? 'null' : str(s));
  let out = `{"schema":${str(r.schema)},"decisionId":${str(r.decisionId)},"timestamp":${str(r.timestamp)},"region":${str(r.region)},"route":${str(r.route)},"tenant":${nullable(r.tenant)},"apiKey":${nullable(r.apiKey)},"tenantTier":${nullable(r.tenantTier)},"model":${nullable(r.model)},"stream":${r.stream},"policy":${policy},"stage":${str(r.stage)},"action":${str(r.action)},"status":${num(r.status)},"reason":${nullable(r.reason)},"triggered":${triggered},"shadowTriggered":${shadowTriggered},"checks":${checkList},"tier2":${tier2},"failMode":${failMode},"signals":${signalSet},"output":${output},"tokens":${tokens},"latencyMs":${latencyMs},"error":${error}`;
  if (r.killSwitch !== undefined) out += `,"killSwitch":${str(r.killSwitch)}`;
  return `${out}}`;
}

/**
 * Whether `Object.prototype` or `Array.prototype` carries an enumerable member or a `toJSON` (a polluted
 * runtime): `for…in` would then list inherited keys, or `JSON.stringify` call a `toJSON`, that the fast path
 * does not see. Checked on every call, in a few nanoseconds.
 */
function prototypesTouched(): boolean {
  for (const _ in {}) return true;
  for (const _ in []) return true;
  return (
    (Object.prototype as { toJSON?: unknown }).toJSON !== undefined ||
    (Array.prototype as { toJSON?: unknown }).toJSON !== undefined
  );
}

/** `JSON.stringify(record)`, byte for byte, faster (see the module comment). */
export function recordJson(rec: DecisionRecord): string {
  if (prototypesTouched()) return JSON.stringify(rec);
  return record(rec) ?? JSON.stringify(rec);
}
