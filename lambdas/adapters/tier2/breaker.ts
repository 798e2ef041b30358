/**
 * A consecutive-failure circuit breaker (closed → open after N consecutive failures → half-open after a
 * cool-down → closed on a successful probe, open again on a failed one). While open, calls fail fast with
 * {@link CircuitOpenError}; in half-open, one probe runs at a time and the others fail fast.
 *
 * Why not cockatiel: cockatiel 4 is ESM-only and declares `engines.node >= 22`; this repo runs Jest in
 * CommonJS on Node 20 and cannot load it without a shared Jest config change. The semantics here match
 * cockatiel's `ConsecutiveBreaker` + `halfOpenAfter`, and the {@link Breaker} interface lets a cockatiel
 * policy replace this class without touching the adapter. The clock is injected: tests need no sleeps.
 */

/** Thrown while the circuit is open; its name becomes the check's `reason` in the decision record. */
export class CircuitOpenError extends Error {
  override readonly name = 'circuit-open';
  constructor() {
    super('tier-2 circuit open');
  }
}

/** The state of a breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the tier-2 adapter needs from a circuit breaker. */
export interface Breaker {
  readonly state: BreakerState;
  /** Runs `fn` unless the circuit is open (then rejects with {@link CircuitOpenError}). */
  execute<T>(fn: () => Promise<T>): Promise<T>;
}

/** Options for {@link ConsecutiveFailureBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  readonly failureThreshold?: number;
  /** Milliseconds the circuit stays open before one half-open probe is let through. @default 10_000 */
  readonly halfOpenAfterMs?: number;
  /** Monotonic milliseconds. @default performance.now */
  readonly now?: () => number;
  /** Called on every state change (for logs/metrics). */
  readonly onStateChange?: (state: BreakerState) => void;
}

/** The default {@link Breaker}. One instance per classifier endpoint, per Lambda instance. */
export class ConsecutiveFailureBreaker implements Breaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly threshold: number;
  private readonly halfOpenAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? 5;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
    if (!(this.threshold >= 1))
      throw new Error(`breaker: failureThreshold must be >= 1, got ${this.threshold}`);
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.halfOpenAfterMs) return 'half-open';
    return this.current;
  }

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open') throw new CircuitOpenError();
    if (state === 'half-open') {
      if (this.probing) throw new CircuitOpenError();
      this.probing = true;
    }
    try {
      const out = await fn();
      this.succeeded();
      return out;
    } catch (e) {
      this.failed(state === 'half-open');
      throw e;
    } finally {
      if (state === 'half-open') this.probing = false;
    }
  }

  private set(state: BreakerState): void {
    if (this.current === state) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }

  private succeeded(): void {
    this.failures = 0;
    this.set('closed');
  }

  private failed(probe: boolean): void {
    this.failures += 1;
    if (probe || this.failures >= this.threshold) {
      this.openedAt = this.now();
      // Re-opening after a failed probe restarts the cool-down.
      this.current = 'closed';
      this.set('open');
    }
  }
}
