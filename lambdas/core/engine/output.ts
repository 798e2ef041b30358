import type { FailureApplied, Verdict } from './evaluate';

/** What the output monitor returns for each pushed delta. */
export interface OutputStep {
  /** Text now safe to release to the client (already classified). */
  readonly release: string;
  /** Set once a window was blocked: the stream must end with `stop_reason: "refusal"`. */
  readonly blocked?: Verdict;
}

/** Summary of a moderated output, for the decision record. */
export interface OutputSummary {
  readonly windows: number;
  readonly releasedChars: number;
  readonly heldChars: number;
  readonly blocked: boolean;
  readonly blockedVerdict?: Verdict;
  /** Slowest window check, milliseconds. */
  readonly maxWindowMs: number;
  /** All window checks together, milliseconds: what output moderation cost the request. */
  readonly totalWindowMs: number;
  /** Windows escalated to tier 2 (exchange checks), and the outcome of those that failed. */
  readonly tier2?: { readonly calls: number; readonly failures: readonly FailureApplied[] };
}

/** Failures kept per output (the count is exact; the list is bounded). */
const MAX_FAILURES = 16;

export interface OutputMonitorOptions {
  /** Characters kept unreleased behind the classified point. */
  readonly holdbackChars: number;
  /** New characters that trigger a window check. */
  readonly windowChars: number;
  /** Classifies a window of text (in-process tiers, and tier 2 when the policy escalates the window). */
  readonly check: (text: string) => Verdict | Promise<Verdict>;
  /** Monotonic milliseconds. */
  readonly now: () => number;
}

/**
 * Moderates a streamed completion. Text is released only after a window covering it was
 * classified, and the last `holdbackChars` stay held so that a phrase straddling a window boundary
 * is seen whole by the next window before it is released. Cost is linear: each character is in at
 * most two windows (its own and, as overlap, the next one).
 */
export class OutputMonitor {
  private buffer = '';
  /** Index in `buffer` up to which text was released. */
  private released = 0;
  /** Index in `buffer` up to which text was classified. */
  private classified = 0;
  private windows = 0;
  private maxWindowMs = 0;
  private totalWindowMs = 0;
  private blockedVerdict: Verdict | undefined;
  private tier2Calls = 0;
  private readonly tier2Failures: FailureApplied[] = [];
  /** Characters dropped from the front of `buffer` after release (memory stays bounded). */
  private releasedOffset = 0;

  constructor(private readonly options: OutputMonitorOptions) {}

  /** Adds a delta of model output and returns what may be released now. */
  async push(delta: string): Promise<OutputStep> {
    if (this.blockedVerdict) return { release: '', blocked: this.blockedVerdict };
    this.buffer += delta;
    if (this.buffer.length - this.classified < this.options.windowChars) return { release: '' };
    return this.classifyAndRelease(false);
  }

  /** Ends the stream: classifies what is left and releases it unless blocked. */
  async end(): Promise<OutputStep> {
    if (this.blockedVerdict) return { release: '', blocked: this.blockedVerdict };
    if (this.classified === this.buffer.length && this.released === this.buffer.length)
      return { release: '' };
    return this.classifyAndRelease(true);
  }

  summary(): OutputSummary {
    return {
      windows: this.windows,
      releasedChars: this.releasedOffset + this.released,
      heldChars: this.buffer.length - this.released,
      blocked: this.blockedVerdict !== undefined,
      ...(this.blockedVerdict ? { blockedVerdict: this.blockedVerdict } : {}),
      maxWindowMs: this.maxWindowMs,
      totalWindowMs: this.totalWindowMs,
      ...(this.tier2Calls > 0
        ? { tier2: { calls: this.tier2Calls, failures: [...this.tier2Failures] } }
        : {}),
    };
  }

  private async classifyAndRelease(final: boolean): Promise<OutputStep> {
    // The window covers the held (unreleased) text, the new text, and `holdbackChars` of already
    // released text as context, so a phrase straddling two windows is seen whole.
    const start = Math.max(0, this.released - this.options.holdbackChars);
    const window = this.buffer.slice(start);
    const t = this.options.now();
    const verdict = await this.options.check(window);
    const took = this.options.now() - t;
    if (verdict.tier2.called) {
      this.tier2Calls += 1;
      for (const f of verdict.failures) {
        if (f.check === 'tier2' && this.tier2Failures.length < MAX_FAILURES) this.tier2Failures.push(f);
      }
    }
    this.maxWindowMs = Math.max(this.maxWindowMs, took);
    this.totalWindowMs += took;
    this.windows += 1;
    this.classified = this.buffer.length;
    if (verdict.action === 'block') {
      this.blockedVerdict = verdict;
      return { release: '', blocked: verdict };
    }
    const upTo = final
      ? this.buffer.length
      : Math.max(this.released, this.buffer.length - this.options.holdbackChars);
    const release = this.buffer.slice(this.released, upTo);
    this.released = upTo;
    // Drop text that can no longer be part of a window, keeping memory bounded by the window.
    const keepFrom = Math.max(0, this.released - this.options.holdbackChars);
    if (keepFrom > this.options.windowChars * 4) {
      this.buffer = this.buffer.slice(keepFrom);
      this.released -= keepFrom;
      this.classified -= keepFrom;
      this.releasedOffset += keepFrom;
    }
    return { release };
  }
}
