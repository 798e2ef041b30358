import * as z from 'zod';
import type { CategoryScores, CheckOutcome } from '../types';
import { CATEGORIES } from '../types';

/**
 * The remote (tier-2) classifier as the engine sees it. Adapters implement it over the SageMaker
 * runtime client (AWS) or the reference classifier server (local). The engine owns the deadline and
 * validates the answer; the adapter may add a circuit breaker and must honour `signal`.
 */
export interface Tier2Classifier {
  /**
   * Returns the raw, unvalidated response body parsed as JSON. With `context.prompt`, `text` is model
   * output to judge against that request (an exchange; the wire field `prompt`).
   */
  classify(text: string, signal: AbortSignal, context?: Tier2Context): Promise<unknown>;
}

/** What an exchange (output) check sends along with the output text. */
export interface Tier2Context {
  /** The request the output answers, bounded (policy `output.exchange.promptChars`). */
  readonly prompt: string;
}

/**
 * The tier-2 wire contract (docs/classifier-contract.md): `{"scores": {"harmful": 0.93, ...}}`
 * with probabilities in [0, 1]. Unknown category keys are ignored; anything else is garbage.
 */
export const tier2ResponseSchema = z.object({
  scores: z.partialRecord(z.enum(CATEGORIES), z.number().min(0).max(1)),
});

export interface Tier2Outcome {
  readonly outcome: CheckOutcome;
  readonly scores: CategoryScores;
  readonly latencyMs: number;
  /** Short machine-readable reason for timeout/error outcomes: `deadline`, `invalid-response`, `Error`… */
  readonly reason?: string;
}

/** Calls tier 2 under a deadline. Never throws: failures come back as `timeout` or `error` outcomes. */
export async function callTier2(
  client: Tier2Classifier,
  text: string,
  deadlineMs: number,
  now: () => number,
  context?: Tier2Context,
): Promise<Tier2Outcome> {
  const start = now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  try {
    const raced = await Promise.race([client.classify(text, controller.signal, context), deadline]);
    if (raced === 'deadline') {
      controller.abort();
      return { outcome: 'timeout', scores: {}, latencyMs: now() - start, reason: 'deadline' };
    }
    const parsed = tier2ResponseSchema.safeParse(raced);
    if (!parsed.success) {
      return { outcome: 'error', scores: {}, latencyMs: now() - start, reason: 'invalid-response' };
    }
    return { outcome: 'ok', scores: parsed.data.scores, latencyMs: now() - start };
  } catch (e) {
    const name = e instanceof Error ? e.name : 'unknown';
    const outcome: CheckOutcome = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error';
    return { outcome, scores: {}, latencyMs: now() - start, reason: name.slice(0, 64) };
  } finally {
    clearTimeout(timer);
  }
}
