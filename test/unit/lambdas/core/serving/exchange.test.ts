import { serveInference } from '../../../../../lambdas/core/serving';
import {
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

/** Output escalation to tier 2 is off in the default policy (ADR 0013); these tests turn it on. */
const policy = () =>
  testPolicy((d) => {
    d.output.exchange.tier2 = true;
  });

// The fake tier 1 scores any text containing "borderline" as an uncertain harmful (UNCERTAIN_SCORE):
// inside the tier-2 band, so such an output window escalates.
const QUESTION = 'Tell me about chemistry.';

describe('serving: output checks are exchange checks', () => {
  test('each stream window escalated to tier 2 carries the request as prompt; a harmful verdict stops the stream', async () => {
    const tier2 = new FakeTier2('harmful');
    const upstream = new FakeUpstream(undefined, {
      events: textEvents(['Here is a borderline ', 'answer that goes on ', 'for a while.']),
    });
    const h = harness({ engine: testEngine({ tier2, policy: policy() }), upstream });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody(QUESTION, { stream: true })), h.deps, res);

    expect(tier2.calls).toBeGreaterThanOrEqual(1);
    // The input check sent the request alone; every output window sent the request as context.
    const outputCalls = tier2.sent.filter((s) => s.context !== undefined);
    expect(outputCalls.length).toBeGreaterThanOrEqual(1);
    for (const c of outputCalls) expect(c.context).toEqual({ prompt: QUESTION });
    expect(outputCalls[0]?.text).toContain('borderline');
    const deltas = res.sse().filter((e) => e.event === 'message_delta');
    expect(deltas.at(-1)?.data.delta.stop_reason).toBe('refusal');
    expect(res.text()).not.toContain('for a while');
    expect(h.records[0]?.output).toEqual(
      expect.objectContaining({ action: 'block', tier2: { calls: outputCalls.length, failures: [] } }),
    );
  });

  test('non-streaming: a tier-2 timeout on the completion applies the fail mode, recorded and counted', async () => {
    const tier2 = new FakeTier2('hang');
    const upstream = new FakeUpstream(message('A borderline answer.'));
    const h = harness({ engine: testEngine({ tier2, policy: policy() }), upstream });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody(QUESTION)), h.deps, res);

    // harmful fails closed: the completion is withheld.
    expect(res.json().stop_reason).toBe('refusal');
    expect(tier2.sent.at(-1)).toEqual({ text: 'A borderline answer.', context: { prompt: QUESTION } });
    const out = h.records[0]?.output;
    expect(out?.tier2).toEqual({
      calls: 1,
      failures: [expect.objectContaining({ check: 'tier2', outcome: 'timeout', failMode: 'closed' })],
    });
    expect(h.metrics).toContainEqual({
      name: 'FailClosed',
      value: 1,
      dimensions: { Reason: 'output-tier2-timeout' },
    });
    expect(h.metrics).toContainEqual(expect.objectContaining({ name: 'Tier2Timeouts', value: 1 }));
  });

  test('a confident benign completion makes no tier-2 call and leaves the record as before', async () => {
    const tier2 = new FakeTier2('harmful');
    const h = harness({ engine: testEngine({ tier2, policy: policy() }) });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('What is the capital of France?')), h.deps, res);
    expect(res.json().content[0].text).toBe('Paris is the capital of France.');
    expect(tier2.calls).toBe(0);
    expect(h.records[0]?.output).not.toHaveProperty('tier2');
  });
});
