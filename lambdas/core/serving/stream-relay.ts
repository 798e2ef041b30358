/**
 * The stream relay: turns the upstream's Anthropic stream events into the events released to the client.
 * Text deltas go through the output monitor (only classified text is released, per text block); every other
 * event passes once the held text before it is released. It owns the relay's state (open block, text block,
 * released characters, usage, stop reason, block verdict, how the stream ended) and writes through `emit`, so it
 * is tested without HTTP (test/unit/lambdas/core/serving/stream-relay.test.ts).
 */
import type { OutputMonitor } from '../engine/output';
import type { Verdict } from '../index';
import type { AnthropicStreamEvent } from './anthropic';
import type { ServeFailure } from './errors';
import { estimateTokens } from './tokens';
import type { WireEvent } from './wire';

/** How a relayed stream ended. */
export type RelayEnd = 'complete' | 'client_aborted' | ServeFailure;

/**
 * `stop_details` as the first-party API sends it with a streaming-classifier refusal
 * (`{type: "refusal", category, explanation}`); the explanation names the decision id.
 */
export function refusalDetails(
  v: Verdict,
  decisionId: string,
): { type: 'refusal'; category: string | null; explanation: string } {
  return {
    type: 'refusal',
    category: v.triggered[0] ?? null,
    explanation: `This response was stopped by the safeguards policy (decision ${decisionId}).`,
  };
}

export class StreamRelay {
  /** The content block the client has open (a refusal closes it). */
  private openBlock: number | undefined;
  /** The text block whose deltas the monitor holds. */
  private textBlock: number | undefined;
  private releasedChars = 0;
  /** `usage.output_tokens` from the upstream's `message_delta`, when sent. */
  usageOutput: number | undefined;
  /** `usage.input_tokens` from the upstream's `message_start`, when sent. */
  inputTokens: number | undefined;
  stopReason: string | null = null;
  /** The output verdict that stopped the stream, if one did. */
  blocked: Verdict | undefined;
  end: RelayEnd = 'complete';

  constructor(
    private readonly monitor: Pick<OutputMonitor, 'push' | 'end'>,
    private readonly emit: (event: WireEvent) => void,
  ) {}

  /** Tokens released to the client so far (estimated from characters). */
  get releasedTokens(): number {
    return estimateTokens(this.releasedChars);
  }

  private release(index: number, text: string): void {
    if (text === '') return;
    this.releasedChars += text.length;
    this.emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
  }

  /** Releases what the monitor still holds for the current text block; false when that was blocked. */
  async flush(): Promise<boolean> {
    if (this.textBlock === undefined) return true;
    const step = await this.monitor.end();
    this.release(this.textBlock, step.release);
    this.textBlock = undefined;
    if (step.blocked) this.blocked = step.blocked;
    return !step.blocked;
  }

  /** Relays one upstream event; false to stop the stream (blocked, or the upstream sent an error). */
  async handle(event: AnthropicStreamEvent): Promise<boolean> {
    switch (event.type) {
      case 'content_block_delta': {
        const text = event.delta.text;
        if (event.delta.type === 'text_delta' && typeof text === 'string') {
          if (this.textBlock !== undefined && this.textBlock !== event.index && !(await this.flush()))
            return false;
          this.textBlock = event.index;
          const step = await this.monitor.push(text);
          this.release(event.index, step.release);
          if (step.blocked) {
            this.blocked = step.blocked;
            return false;
          }
          return true;
        }
        break;
      }
      case 'ping':
        this.emit(event);
        return true;
      case 'error':
        if (!(await this.flush())) return false;
        this.end = {
          kind: event.error.type === 'rate_limit_error' ? 'upstream_throttled' : 'upstream_unavailable',
        };
        return false;
      default:
        break;
    }
    if (!(await this.flush())) return false;
    if (event.type === 'content_block_start') this.openBlock = event.index;
    if (event.type === 'content_block_stop') this.openBlock = undefined;
    if (event.type === 'message_start')
      this.inputTokens = event.message.usage?.input_tokens ?? this.inputTokens;
    if (event.type === 'message_delta') {
      this.usageOutput = event.usage?.output_tokens ?? this.usageOutput;
      const sr = event.delta['stop_reason'];
      if (typeof sr === 'string') this.stopReason = sr;
    }
    this.emit(event);
    return true;
  }

  /**
   * After a block: stop like first-party — close the open block, then `message_delta` (stop_reason refusal,
   * the released tokens) and `message_stop`.
   */
  closeRefused(decisionId: string): void {
    if (!this.blocked) return;
    if (this.openBlock !== undefined) this.emit({ type: 'content_block_stop', index: this.openBlock });
    this.emit({
      type: 'message_delta',
      delta: {
        stop_reason: 'refusal',
        stop_sequence: null,
        stop_details: refusalDetails(this.blocked, decisionId),
      },
      usage: { output_tokens: this.releasedTokens },
    });
    this.emit({ type: 'message_stop' });
    this.stopReason = 'refusal';
  }
}
