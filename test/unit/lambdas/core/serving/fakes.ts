import defaultDoc from '../../../../../config/policies/default.json';
import type { DecisionRecord } from '../../../../../lambdas/core/decision/record';
import { SafeguardsEngine } from '../../../../../lambdas/core/engine/evaluate';
import type { Tier2Classifier } from '../../../../../lambdas/core/engine/tier2';
import { ModelAllowlist } from '../../../../../lambdas/core/models/identity';
import { compilePolicy } from '../../../../../lambdas/core/policy/load';
import {
  type Admission,
  type AnthropicStreamEvent,
  eventStreamCodec,
  type InboundRequest,
  type ModelBody,
  type ResponseWriter,
  type ServeDeps,
  type ServeMetricName,
  type Upstream,
  UpstreamError,
  type Violation,
} from '../../../../../lambdas/core/serving';
import { fakeClassifier, fakeTier0 } from '../engine/fakes';

// The engine stand-ins (tier 0, tier 1, tier 2) are shared with the engine's own tests.
export { FakeTier2, fakeClassifier, fakeTier0, type Tier2Behaviour } from '../engine/fakes';

export function testPolicy(mutate: (d: Record<string, any>) => void = () => {}) {
  const doc = JSON.parse(JSON.stringify(defaultDoc));
  doc.tier2.deadlineMs = 5;
  doc.output.windowChars = 16;
  doc.output.holdbackChars = 8;
  mutate(doc);
  return compilePolicy(doc, 'test-policy');
}

export function testEngine(opts: { tier2?: Tier2Classifier; policy?: ReturnType<typeof testPolicy> } = {}) {
  return new SafeguardsEngine({
    policy: opts.policy ?? testPolicy(),
    tier0: fakeTier0(),
    classifier: fakeClassifier(),
    ...(opts.tier2 ? { tier2: opts.tier2 } : {}),
  });
}

/** Captures what serving writes; fails loudly on protocol misuse (head twice, write after end). */
export class FakeWriter implements ResponseWriter {
  status: number | undefined;
  headers: Record<string, string> = {};
  chunks: Array<Uint8Array | string> = [];
  ended = false;
  aborted = false;
  private listeners: Array<() => void> = [];

  head(status: number, headers: Readonly<Record<string, string>>): void {
    if (this.status !== undefined) throw new Error('head called twice');
    this.status = status;
    this.headers = { ...headers };
  }
  write(chunk: Uint8Array | string): void {
    if (this.status === undefined) throw new Error('write before head');
    if (this.ended) throw new Error('write after end');
    this.chunks.push(chunk);
  }
  end(last?: Uint8Array | string): void {
    if (this.ended) throw new Error('end called twice');
    if (last !== undefined) {
      if (this.status === undefined) throw new Error('end with a body before head');
      this.chunks.push(last);
    }
    this.ended = true;
  }
  onAbort(listener: () => void): void {
    this.listeners.push(listener);
  }
  /** Simulates the client going away. */
  abort(): void {
    this.aborted = true;
    for (const l of this.listeners) l();
  }
  bytes(): Uint8Array {
    return Buffer.concat(
      this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c))),
    );
  }
  text(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }
  json(): any {
    return JSON.parse(this.text());
  }
  /** SSE events written on the Messages route. */
  sse(): Array<{ event: string; data: any }> {
    return this.text()
      .split('\n\n')
      .filter((f) => f.trim() !== '')
      .map((f) => {
        const [ev, data] = f.split('\n');
        return {
          event: (ev ?? '').replace(/^event: /, ''),
          data: JSON.parse((data ?? '').replace(/^data: /, '')),
        };
      });
  }
  /** Event-stream frames written on the Bedrock stream route, decoded with the codec. */
  frames(): Array<{ headers: Record<string, unknown>; payload: any; event?: any }> {
    const bytes = this.bytes();
    const out: Array<{ headers: Record<string, unknown>; payload: any; event?: any }> = [];
    let offset = 0;
    while (offset < bytes.length) {
      const len = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
      const msg = eventStreamCodec.decode(bytes.subarray(offset, offset + len));
      offset += len;
      const headers: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(msg.headers)) headers[k] = v.value;
      const payload = JSON.parse(Buffer.from(msg.body).toString('utf8'));
      const event =
        typeof payload.bytes === 'string'
          ? JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8'))
          : undefined;
      out.push({ headers, payload, event });
    }
    return out;
  }
}

/** Anthropic events for a text completion delivered as `deltas`. */
export function textEvents(deltas: readonly string[], stop = 'end_turn'): AnthropicStreamEvent[] {
  return [
    {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        content: [],
        model: 'm',
        usage: { input_tokens: 12, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...deltas.map((text) => ({
      type: 'content_block_delta' as const,
      index: 0,
      delta: { type: 'text_delta', text },
    })),
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: 42 },
    },
    { type: 'message_stop' },
  ];
}

export function message(text: string) {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 7 },
  };
}

type StreamScript = {
  events: AnthropicStreamEvent[];
  failAt?: number;
  failWith?: Error;
  onEvent?: (i: number) => void;
};

/** Scripted upstream: records calls and the abort signal it was given. */
export class FakeUpstream implements Upstream {
  calls: Array<{ body: ModelBody; model: string | undefined; stream: boolean }> = [];
  signal: AbortSignal | undefined;
  returned = false;
  constructor(
    public invokeResult: unknown | Error = message('Paris is the capital of France.'),
    public script: StreamScript = { events: textEvents(['Paris is ', 'the capital ', 'of France.']) },
  ) {}
  async invoke(body: ModelBody, model: string | undefined, signal: AbortSignal): Promise<unknown> {
    this.calls.push({ body, model, stream: false });
    this.signal = signal;
    if (this.invokeResult instanceof Error) throw this.invokeResult;
    return this.invokeResult;
  }
  stream(
    body: ModelBody,
    model: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<AnthropicStreamEvent> {
    this.calls.push({ body, model, stream: true });
    this.signal = signal;
    const script = this.script;
    const self = this;
    return (async function* () {
      try {
        for (let i = 0; i < script.events.length; i++) {
          if (script.failAt === i) throw script.failWith ?? new UpstreamError('unavailable', 'boom', 500);
          script.onEvent?.(i);
          yield script.events[i] as AnthropicStreamEvent;
        }
      } finally {
        self.returned = true;
      }
    })();
  }
}

export class FakeAdmission implements Admission {
  reserved: unknown[] = [];
  settled: Array<{ inputTokens: number; outputTokens: number }> = [];
  constructor(public mode: 'ok' | 'deny' | 'throw' = 'ok') {}
  async reserve(identity: { tenantId: string }, cost: { inputTokens: number; maxOutputTokens: number }) {
    this.reserved.push({ tenantId: identity.tenantId, cost });
    if (this.mode === 'throw') throw new Error('dynamo down');
    if (this.mode === 'deny') return { ok: false as const, retryAfterMs: 2500 };
    return { ok: true as const, reservation: { tenantId: identity.tenantId } };
  }
  async settle(_r: unknown, used: { inputTokens: number; outputTokens: number }) {
    this.settled.push(used);
  }
}

export interface Harness {
  deps: ServeDeps;
  records: DecisionRecord[];
  metrics: Array<{ name: ServeMetricName; value: number; dimensions?: Readonly<Record<string, string>> }>;
  violations: Array<{ tenantId: string; v: Violation }>;
  upstream: FakeUpstream;
  admission: FakeAdmission;
}

export function harness(
  opts: { upstream?: FakeUpstream; engine?: SafeguardsEngine; admission?: FakeAdmission } = {},
): Harness {
  const records: DecisionRecord[] = [];
  const metrics: Harness['metrics'] = [];
  const violations: Harness['violations'] = [];
  const upstream = opts.upstream ?? new FakeUpstream();
  const admission = opts.admission ?? new FakeAdmission();
  const deps: ServeDeps = {
    engine: opts.engine ?? testEngine(),
    region: 'eu-west-1',
    upstream,
    models: new ModelAllowlist(['claude-test', 'm', 'm-on', 'm-off', 'x'], 'eu-west-1'),
    admission,
    violations: { report: async (tenantId, v) => void violations.push({ tenantId, v }) },
    pseudonymize: async (kind, value) => `${kind === 'tenant' ? 'tn_' : 'ak_'}${value.length}`,
    sink: (r) => void records.push(r),
    metrics: {
      add: (name, value, dimensions) =>
        void metrics.push({ name, value, ...(dimensions ? { dimensions } : {}) }),
    },
  };
  return { deps, records, metrics, violations, upstream, admission };
}

/** The headers the Anthropic SDK sends on every Messages request (the envelope serving checks). */
export const MESSAGES_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
};

let seq = 0;
export function inbound(
  route: InboundRequest['route'],
  body: unknown,
  extra: Partial<InboundRequest> = {},
): InboundRequest {
  seq++;
  return {
    route,
    ...(route === 'messages' ? {} : { modelId: 'anthropic.claude-test-v1:0' }),
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: route === 'messages' ? MESSAGES_HEADERS : { 'content-type': 'application/json' },
    identity: { tenantId: 'tenant-1', tier: 'standard', zone: 'eu', keyHash: 'f'.repeat(64) },
    requestId: `apigw-${seq}`,
    decisionId: `dec-${seq}`,
    receivedAt: 1_800_000_000_000,
    ...extra,
  };
}

export const messagesBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-test',
  max_tokens: 100,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

export const bedrockBody = (text: string) => ({
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 100,
  messages: [{ role: 'user', content: text }],
});
