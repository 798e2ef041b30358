import { serveInference, UpstreamError } from '../../../../../lambdas/core/serving';
import {
  bedrockBody,
  FakeAdmission,
  FakeTier2,
  FakeUpstream,
  FakeWriter,
  harness,
  inbound,
  message,
  messagesBody,
  testEngine,
  testPolicy,
  textEvents,
} from './fakes';

describe('serveInference — non-streaming', () => {
  test('allows a benign Messages request and returns the model answer with request-id = decision id', async () => {
    // GIVEN
    const h = harness();
    const req = inbound('messages', messagesBody('What is the capital of France?'));
    const res = new FakeWriter();
    // WHEN
    await serveInference(req, h.deps, res);
    // THEN
    expect(res.status).toBe(200);
    expect(res.headers['request-id']).toBe(req.decisionId);
    expect(res.json().content[0].text).toBe('Paris is the capital of France.');
    expect(h.upstream.calls[0]).toEqual(
      expect.objectContaining({
        model: 'claude-test',
        stream: false,
        body: expect.not.objectContaining({ model: expect.anything() }),
      }),
    );
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toEqual(
      expect.objectContaining({
        decisionId: req.decisionId,
        action: 'allow',
        status: 200,
        stage: 'complete',
        tenant: 'tn_8',
        apiKey: 'ak_64',
        tenantTier: 'standard',
        model: 'claude-test',
      }),
    );
    expect(h.admission.settled).toEqual([{ inputTokens: 12, outputTokens: 7 }]);
  });

  test('blocks a harmful request with an Anthropic invalid_request_error naming the decision id', async () => {
    const h = harness();
    const req = inbound('messages', messagesBody('how do I wire a detonator'));
    const res = new FakeWriter();
    await serveInference(req, h.deps, res);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: `request blocked by policy (decision ${req.decisionId})`,
      },
      request_id: req.decisionId,
    });
    expect(h.upstream.calls).toHaveLength(0);
    expect(h.records[0]).toEqual(
      expect.objectContaining({ action: 'block', status: 400, reason: 'blocked:harmful', stage: 'input' }),
    );
    expect(h.violations).toEqual([
      {
        tenantId: 'tenant-1',
        v: expect.objectContaining({ stage: 'input', categories: ['harmful'], decisionId: req.decisionId }),
      },
    ]);
    expect(h.metrics).toContainEqual({
      name: 'CategoryTriggered',
      value: 1,
      dimensions: { Category: 'harmful', Stage: 'input' },
    });
  });

  test('blocks on a Bedrock route with ValidationException and x-amzn-errortype', async () => {
    const h = harness();
    const req = inbound('bedrock.invoke', bedrockBody('how do I wire a detonator'));
    const res = new FakeWriter();
    await serveInference(req, h.deps, res);
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(res.headers['request-id']).toBe(req.decisionId);
    expect(res.json()).toEqual({ message: `request blocked by policy (decision ${req.decisionId})` });
  });

  test('redacts PII before forwarding', async () => {
    const h = harness();
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('mail alice@example.com the report')), h.deps, res);
    expect(res.status).toBe(200);
    expect(JSON.stringify(h.upstream.calls[0]?.body)).not.toContain('alice@example.com');
    expect(JSON.stringify(h.upstream.calls[0]?.body)).toContain('[REDACTED:email]');
    expect(h.records[0]?.action).toBe('redact');
  });

  test('withholds a harmful completion: stop_reason refusal, empty content', async () => {
    const h = harness({ upstream: new FakeUpstream(message('Sure: the detonator goes here.')) });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('tell me a story')), h.deps, res);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toEqual(
      expect.objectContaining({
        type: 'message',
        content: [],
        stop_reason: 'refusal',
        stop_sequence: null,
        stop_details: {
          type: 'refusal',
          category: 'harmful',
          explanation: expect.stringContaining('decision dec-'),
        },
      }),
    );
    expect(res.text()).not.toContain('detonator');
    expect(h.records[0]?.output).toEqual(
      expect.objectContaining({
        action: 'block',
        stopReason: 'refusal',
        releasedTokensBeforeBlock: 0,
        triggered: ['harmful'],
      }),
    );
    expect(h.records[0]?.action).toBe('block');
    expect(h.violations[0]?.v.stage).toBe('output');
  });

  test('Bedrock invoke returns the model JSON with token-count headers', async () => {
    const h = harness();
    const req = inbound('bedrock.invoke', bedrockBody('hello'));
    const res = new FakeWriter();
    await serveInference(req, h.deps, res);
    expect(res.status).toBe(200);
    expect(res.headers).toEqual(
      expect.objectContaining({
        'x-amzn-requestid': req.decisionId,
        'x-amzn-bedrock-input-token-count': '12',
        'x-amzn-bedrock-output-token-count': '7',
      }),
    );
    // The path names `anthropic.claude-test-v1:0`: the allowlist's id for that model is forwarded.
    expect(h.upstream.calls[0]?.model).toBe('claude-test');
    expect(h.upstream.calls[0]?.body).not.toHaveProperty('anthropic_version');
  });
});

describe('serveInference — failures map to clear errors', () => {
  test.each([
    ['throttled', 429, 'rate_limit_error', 'ThrottlingException', 'upstream_throttled'],
    ['unavailable', 503, 'overloaded_error', 'ServiceUnavailableException', 'upstream_unavailable'],
    ['timeout', 503, 'api_error', 'ServiceUnavailableException', 'upstream_timeout'],
  ] as const)('upstream %s → %i', async (kind, status, anthropicType, bedrockType, reason) => {
    for (const route of ['messages', 'bedrock.invoke'] as const) {
      const h = harness({
        upstream: new FakeUpstream(new UpstreamError(kind, 'x', kind === 'throttled' ? 429 : 500, 3000)),
      });
      const res = new FakeWriter();
      const req = inbound(route, route === 'messages' ? messagesBody('hi') : bedrockBody('hi'));
      await serveInference(req, h.deps, res);
      expect(res.status).toBe(status);
      if (route === 'messages') expect(res.json().error.type).toBe(anthropicType);
      else expect(res.headers['x-amzn-errortype']).toBe(bedrockType);
      expect(h.records[0]).toEqual(expect.objectContaining({ status, reason, stage: 'upstream' }));
      expect(h.metrics).toContainEqual({ name: 'UpstreamErrors', value: 1, dimensions: { Kind: reason } });
    }
  });

  test('an unexpected upstream exception becomes 503 without internals', async () => {
    const h = harness({ upstream: new FakeUpstream(new Error('socket hang up at 10.0.0.7')) });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hi')), h.deps, res);
    expect(res.status).toBe(503);
    expect(res.text()).not.toContain('10.0.0.7');
  });

  test('admission denial → 429 with retry-after and rate_limit_error; the model is not called', async () => {
    const h = harness({ admission: new FakeAdmission('deny') });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hi')), h.deps, res);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.json().error.type).toBe('rate_limit_error');
    expect(h.upstream.calls).toHaveLength(0);
    expect(h.records[0]?.reason).toBe('rate_limited');
    expect(h.metrics).toContainEqual({ name: 'RateLimited', value: 1, dimensions: { Source: 'admission' } });
  });

  test('admission failure fails open and is counted', async () => {
    const h = harness({ admission: new FakeAdmission('throw') });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hi')), h.deps, res);
    expect(res.status).toBe(200);
    expect(h.metrics).toContainEqual({
      name: 'FailOpen',
      value: 1,
      dimensions: { Reason: 'admission-error' },
    });
    expect(h.metrics).toContainEqual({
      name: 'PortErrors',
      value: 1,
      dimensions: { Port: 'admission.reserve' },
    });
  });

  test.each([
    ['not JSON', 'messages', '{"model":', 400],
    [
      'unknown field',
      'messages',
      { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], evil: 1 },
      400,
    ],
    ['empty body', 'bedrock.invoke', '', 400],
    [
      'model in a Bedrock body',
      'bedrock.invoke',
      { model: 'x', anthropic_version: 'bedrock-2023-05-31', max_tokens: 1, messages: [] },
      400,
    ],
  ] as const)('malformed body (%s) → 4xx with the field', async (_name, route, body, status) => {
    const h = harness();
    const res = new FakeWriter();
    const req = inbound(route, body);
    await serveInference(req, h.deps, res);
    expect(res.status).toBe(status);
    expect(res.headers['request-id']).toBe(req.decisionId);
    if (route === 'messages') expect(res.json()).toEqual(expect.objectContaining({ type: 'error' }));
    else expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(h.records[0]).toEqual(
      expect.objectContaining({ stage: 'parse', reason: 'invalid_request', status }),
    );
    expect(h.upstream.calls).toHaveLength(0);
  });

  test('oversized body → 413', async () => {
    const h = harness();
    h.deps = { ...h.deps, maxBodyBytes: 64 };
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('x'.repeat(200))), h.deps, res);
    expect(res.status).toBe(413);
    expect(res.json().error.type).toBe('request_too_large');
  });

  test('missing identity → 401 recorded at stage auth with null pseudonyms', async () => {
    const h = harness();
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hi'), { identity: null }), h.deps, res);
    expect(res.status).toBe(401);
    expect(h.records[0]).toEqual(
      expect.objectContaining({ stage: 'auth', tenant: null, apiKey: null, reason: 'unauthenticated' }),
    );
  });

  test('a failing pseudonymizer never puts raw ids in the record', async () => {
    const h = harness();
    h.deps = { ...h.deps, pseudonymize: async () => Promise.reject(new Error('kms down')) };
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hi')), h.deps, res);
    expect(res.status).toBe(200);
    expect(JSON.stringify(h.records[0])).not.toContain('tenant-1');
    expect(h.records[0]?.tenant).toBe('unavailable');
  });
});

describe('serveInference — tier-2 failures apply the category fail mode', () => {
  test.each([
    ['hang', 'timeout', 'Tier2Timeouts'],
    ['error', 'error', 'Tier2Errors'],
    ['garbage', 'error', 'Tier2Errors'],
  ] as const)(
    'tier 2 %s → harmful fails closed (block), injection fails open; counted',
    async (behaviour, outcome, metric) => {
      // GIVEN tier 2 in `always` mode: harmful and jailbreak fail closed, injection fails open
      const tier2 = new FakeTier2(behaviour);
      const policy = testPolicy((d) => {
        d.tier2.mode = 'always';
      });
      const h = harness({ engine: testEngine({ tier2, policy }) });
      const res = new FakeWriter();
      await serveInference(inbound('messages', messagesBody('a borderline question')), h.deps, res);
      expect(tier2.calls).toBe(1);
      expect(res.status).toBe(400);
      const rec = h.records[0];
      expect(rec?.tier2).toEqual(expect.objectContaining({ called: true, outcome }));
      expect(rec?.failMode.applied).toBe('closed');
      expect(rec?.failMode.failures).toContainEqual(
        expect.objectContaining({ check: 'tier2', category: 'harmful', failMode: 'closed' }),
      );
      expect(h.metrics).toContainEqual({ name: metric, value: 1 });
      expect(h.metrics).toContainEqual({
        name: 'FailClosed',
        value: 1,
        dimensions: { Reason: `tier2-${outcome}` },
      });
      expect(h.metrics).toContainEqual({
        name: 'FailOpen',
        value: 1,
        dimensions: { Reason: `tier2-${outcome}` },
      });
    },
  );

  test('a fail-open category lets the request through and counts the fail-open', async () => {
    const tier2 = new FakeTier2('error');
    const policy = testPolicy((d) => {
      d.categories.harmful.failMode = 'open';
      d.categories.jailbreak.failMode = 'open';
    });
    const h = harness({ engine: testEngine({ tier2, policy }) });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('a borderline question')), h.deps, res);
    expect(res.status).toBe(200);
    expect(h.records[0]?.failMode.applied).toBe('open');
    expect(h.metrics.filter((m) => m.name === 'FailOpen').length).toBeGreaterThan(0);
  });
});

describe('serveInference — streaming', () => {
  test('Messages SSE: passes a benign completion through, text intact, in order', async () => {
    const h = harness();
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hi', { stream: true })), h.deps, res);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = res.sse();
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...events.filter((e) => e.event === 'content_block_delta').map(() => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => e.data.delta.text)
      .join('');
    expect(text).toBe('Paris is the capital of France.');
    expect(h.records[0]).toEqual(expect.objectContaining({ stream: true, status: 200, action: 'allow' }));
    expect(h.records[0]?.output?.stopReason).toBe('end_turn');
  });

  test('Messages SSE: a harmful window stops the stream with stop_reason refusal', async () => {
    const deltas = [
      'Once upon a time, ',
      'there was a quiet ',
      'village. Then the ',
      'detonator was ',
      'wired to the ',
      'old mill and ...',
    ];
    const upstream = new FakeUpstream(undefined, { events: textEvents(deltas) });
    const h = harness({ upstream });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('story', { stream: true })), h.deps, res);
    const events = res.sse();
    expect(res.text()).not.toContain('detonator');
    expect(events.slice(-3)).toEqual([
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: expect.objectContaining({
          delta: {
            stop_reason: 'refusal',
            stop_sequence: null,
            stop_details: expect.objectContaining({ type: 'refusal', category: 'harmful' }),
          },
        }),
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
    const released = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => e.data.delta.text)
      .join('');
    expect(released.length).toBeGreaterThan(0);
    expect(
      'Once upon a time, there was a quiet village.'.startsWith(released) || released.startsWith('Once upon'),
    ).toBe(true);
    expect(upstream.signal?.aborted).toBe(true);
    expect(upstream.returned).toBe(true);
    const rec = h.records[0];
    expect(rec?.action).toBe('block');
    expect(rec?.reason).toBe('output-blocked:harmful');
    expect(rec?.output?.releasedTokensBeforeBlock).toBe(Math.ceil(released.length / 4));
    expect(h.metrics).toContainEqual({
      name: 'TokensReleasedBeforeBlock',
      value: Math.ceil(released.length / 4),
    });
  });

  test('Bedrock event stream: chunk frames carry base64 Anthropic events; refusal ends the stream', async () => {
    const deltas = [
      'Here is a long and ',
      'harmless intro text, ',
      'and now the detonator ',
      'part follows here',
    ];
    const h = harness({ upstream: new FakeUpstream(undefined, { events: textEvents(deltas) }) });
    const res = new FakeWriter();
    const req = inbound('bedrock.invoke-stream', bedrockBody('story'));
    await serveInference(req, h.deps, res);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.amazon.eventstream');
    expect(res.headers['x-amzn-requestid']).toBe(req.decisionId);
    const frames = res.frames();
    for (const f of frames) {
      expect(f.headers).toEqual({
        ':event-type': 'chunk',
        ':content-type': 'application/json',
        ':message-type': 'event',
      });
    }
    const events = frames.map((f) => f.event);
    expect(events[0].type).toBe('message_start');
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({
        type: 'message_delta',
        delta: expect.objectContaining({ stop_reason: 'refusal', stop_sequence: null }),
      }),
      { type: 'message_stop' },
    ]);
    expect(JSON.stringify(events)).not.toContain('detonator');
  });

  test('upstream failure before the first event → 503 JSON error (head not yet sent)', async () => {
    const upstream = new FakeUpstream(undefined, {
      events: textEvents(['x']),
      failAt: 0,
      failWith: new UpstreamError('throttled', 't', 429),
    });
    const h = harness({ upstream });
    const res = new FakeWriter();
    await serveInference(inbound('bedrock.invoke-stream', bedrockBody('hi')), h.deps, res);
    expect(res.status).toBe(429);
    expect(res.headers['x-amzn-errortype']).toBe('ThrottlingException');
  });

  test('upstream failure mid-stream → in-stream error event (SSE) / exception frame (Bedrock)', async () => {
    for (const route of ['messages', 'bedrock.invoke-stream'] as const) {
      const upstream = new FakeUpstream(undefined, {
        events: textEvents(['a'.repeat(40), 'b'.repeat(40)]),
        failAt: 4,
      });
      const h = harness({ upstream });
      const res = new FakeWriter();
      await serveInference(
        inbound(route, route === 'messages' ? messagesBody('hi', { stream: true }) : bedrockBody('hi')),
        h.deps,
        res,
      );
      expect(res.status).toBe(200);
      expect(res.ended).toBe(true);
      if (route === 'messages') {
        expect(res.sse().at(-1)).toEqual({
          event: 'error',
          data: { type: 'error', error: expect.objectContaining({ type: 'overloaded_error' }) },
        });
      } else {
        const last = res.frames().at(-1);
        expect(last?.headers).toEqual(
          expect.objectContaining({
            ':message-type': 'exception',
            ':exception-type': 'serviceUnavailableException',
          }),
        );
      }
      expect(h.records[0]?.reason).toBe('upstream_unavailable');
    }
  });

  test('client abort mid-stream aborts the upstream call and is recorded', async () => {
    const res = new FakeWriter();
    const upstream = new FakeUpstream(undefined, {
      events: textEvents(['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)]),
      onEvent: (i) => {
        if (i === 4) res.abort();
      },
    });
    const h = harness({ upstream });
    await serveInference(inbound('messages', messagesBody('hi', { stream: true })), h.deps, res);
    expect(upstream.signal?.aborted).toBe(true);
    expect(upstream.returned).toBe(true);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]?.reason).toBe('client_aborted');
  });
});

describe('serveInference — exactly one decision record per request', () => {
  test('sink count equals request count over every scenario; request-id equals decision id on every response', async () => {
    type Scenario = {
      route: 'messages' | 'bedrock.invoke' | 'bedrock.invoke-stream';
      body: unknown;
      h: ReturnType<typeof harness>;
      identity?: null;
    };
    const scenarios: Scenario[] = [
      { route: 'messages', body: messagesBody('hi'), h: harness() },
      { route: 'messages', body: messagesBody('hi', { stream: true }), h: harness() },
      { route: 'messages', body: messagesBody('detonator'), h: harness() },
      { route: 'messages', body: '{', h: harness() },
      { route: 'messages', body: messagesBody('hi'), h: harness({ admission: new FakeAdmission('deny') }) },
      {
        route: 'messages',
        body: messagesBody('hi'),
        h: harness({ upstream: new FakeUpstream(new UpstreamError('throttled', 'x')) }),
      },
      {
        route: 'messages',
        body: messagesBody('hi'),
        h: harness({ upstream: new FakeUpstream({ not: 'a message' }) }),
      },
      { route: 'messages', body: messagesBody('hi'), h: harness(), identity: null },
      { route: 'bedrock.invoke', body: bedrockBody('hi'), h: harness() },
      { route: 'bedrock.invoke', body: bedrockBody('detonator'), h: harness() },
      { route: 'bedrock.invoke-stream', body: bedrockBody('hi'), h: harness() },
      {
        route: 'bedrock.invoke-stream',
        body: bedrockBody('hi'),
        h: harness({
          upstream: new FakeUpstream(undefined, {
            events: textEvents(['x'.repeat(30), 'detonator'.repeat(3)]),
          }),
        }),
      },
      {
        route: 'bedrock.invoke-stream',
        body: bedrockBody('hi'),
        h: harness({
          upstream: new FakeUpstream(undefined, { events: textEvents(['x'.repeat(30)]), failAt: 3 }),
        }),
      },
    ];
    const sink: unknown[] = [];
    for (const s of scenarios) {
      s.h.deps = { ...s.h.deps, sink: (r) => void sink.push(r) };
      const req = inbound(s.route, s.body, s.identity === null ? { identity: null } : {});
      const res = new FakeWriter();
      await serveInference(req, s.h.deps, res);
      expect(res.headers['request-id']).toBe(req.decisionId);
      expect(res.ended).toBe(true);
    }
    expect(sink).toHaveLength(scenarios.length);
  });

  test('a throwing engine still leaves one record and a 500 api_error', async () => {
    const h = harness();
    const engine = testEngine();
    engine.evaluateRequest = async () => {
      throw new Error('bug');
    };
    h.deps = { ...h.deps, engine };
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hi')), h.deps, res);
    expect(res.status).toBe(500);
    expect(res.json().error.type).toBe('api_error');
    expect(h.records).toHaveLength(1);
    expect(h.records[0]?.reason).toBe('internal_error');
  });
});

describe('serveInference — telemetry failures', () => {
  test('a throwing sink does not fail the request and is counted', async () => {
    const h = harness();
    h.deps = {
      ...h.deps,
      sink: () => {
        throw new Error('log pipe closed');
      },
    };
    const res = new FakeWriter();
    await expect(
      serveInference(inbound('messages', messagesBody('hi')), h.deps, res),
    ).resolves.toBeUndefined();
    expect(res.status).toBe(200);
    expect(h.metrics).toContainEqual({ name: 'PortErrors', value: 1, dimensions: { Port: 'telemetry' } });
  });
});
