import type { Verdict } from '../../../../../lambdas/core/index';
import type { AnthropicStreamEvent } from '../../../../../lambdas/core/serving/anthropic';
import { StreamRelay } from '../../../../../lambdas/core/serving/stream-relay';
import type { WireEvent } from '../../../../../lambdas/core/serving/wire';

const HARMFUL = { triggered: ['harmful'] } as unknown as Verdict;

/** A monitor that holds each delta until the next push or the block's end, and blocks text containing BAD. */
function holdingMonitor() {
  let held = '';
  return {
    async push(delta: string) {
      if (delta.includes('BAD')) return { release: '', blocked: HARMFUL };
      const release = held;
      held = delta;
      return { release };
    },
    async end() {
      const release = held;
      held = '';
      return { release };
    },
  };
}

const ev = (e: Record<string, unknown>) => e as AnthropicStreamEvent;
const start = ev({ type: 'message_start', message: { id: 'm', usage: { input_tokens: 7 } } });
const blockStart = (index: number) =>
  ev({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
const delta = (index: number, text: string) =>
  ev({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });

async function relayAll(events: AnthropicStreamEvent[]) {
  const out: WireEvent[] = [];
  const relay = new StreamRelay(holdingMonitor(), (e) => out.push(e));
  let stopped = false;
  for (const e of events) {
    if (!(await relay.handle(e))) {
      stopped = true;
      break;
    }
  }
  if (!stopped) await relay.flush();
  return { relay, out, stopped };
}

describe('StreamRelay', () => {
  test('releases held text before the next non-text event and keeps usage and stop reason', async () => {
    const { relay, out } = await relayAll([
      start,
      blockStart(0),
      delta(0, 'Hello '),
      delta(0, 'world'),
      ev({ type: 'content_block_stop', index: 0 }),
      ev({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }),
      ev({ type: 'message_stop' }),
    ]);
    expect(out.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const texts = out
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => (e['delta'] as { text: string }).text);
    expect(texts).toEqual(['Hello ', 'world']);
    expect(relay.inputTokens).toBe(7);
    expect(relay.usageOutput).toBe(3);
    expect(relay.stopReason).toBe('end_turn');
    expect(relay.end).toBe('complete');
    expect(relay.blocked).toBeUndefined();
  });

  test('a blocked window stops the relay; the refusal closes the open block like first-party', async () => {
    const { relay, out, stopped } = await relayAll([
      start,
      blockStart(0),
      delta(0, 'Fine text '),
      delta(0, 'then BAD'),
      delta(0, 'never relayed'),
    ]);
    expect(stopped).toBe(true);
    expect(relay.blocked).toBe(HARMFUL);
    relay.closeRefused('dec_1');
    const tail = out.slice(-3);
    expect(tail[0]).toEqual({ type: 'content_block_stop', index: 0 });
    expect(tail[1]).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'refusal', stop_details: { type: 'refusal', category: 'harmful' } },
      usage: { output_tokens: 0 },
    });
    expect(tail[2]).toEqual({ type: 'message_stop' });
    expect(relay.stopReason).toBe('refusal');
    expect(JSON.stringify(out)).not.toContain('BAD');
    expect(JSON.stringify(out)).not.toContain('never relayed');
  });

  test('an upstream error event ends the relay as a typed failure (rate limit → throttled)', async () => {
    const { relay, stopped } = await relayAll([
      start,
      ev({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }),
    ]);
    expect(stopped).toBe(true);
    expect(relay.end).toEqual({ kind: 'upstream_throttled' });
  });

  test('text of a new block flushes what the monitor holds for the previous one first', async () => {
    const { out } = await relayAll([blockStart(0), delta(0, 'first'), delta(1, 'second')]);
    const deltas = out.filter((e) => e.type === 'content_block_delta');
    expect(deltas.map((e) => [e['index'], (e['delta'] as { text: string }).text])).toEqual([
      [0, 'first'],
      [1, 'second'],
    ]);
  });
});
