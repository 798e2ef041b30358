/**
 * One canary run: every selected probe on every route, all in parallel, each under its own deadline (the
 * request and the whole body). Network I/O only through the injected `fetch`; the evaluation is the pure core's.
 */
import {
  buildProbeRequest,
  CANARY_ROUTES,
  type CanaryVerdict,
  evaluateRun,
  type Probe,
  type ProbeFailure,
  type ProbeResponse,
  type ProbeTarget,
  probeResult,
  summarizeResponse,
} from '../core/canary';

/** Options of {@link runCanary}. */
export interface RunOptions {
  readonly probes: readonly Probe[];
  readonly target: ProbeTarget;
  /** Deadline of one probe (request, response head and whole body). */
  readonly timeoutMs: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The abort reason of `AbortSignal.timeout` is a `TimeoutError` DOMException (not always an `Error` instance). */
const isTimeout = (e: unknown): boolean =>
  typeof e === 'object' &&
  e !== null &&
  'name' in e &&
  (e.name === 'TimeoutError' || e.name === 'AbortError');

/** Sends every probe on every route and evaluates the results. Never throws for a failed probe. */
export async function runCanary(options: RunOptions): Promise<CanaryVerdict> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const jobs = CANARY_ROUTES.flatMap((route) =>
    options.probes.map(async (probe) => {
      const request = buildProbeRequest(route, probe, options.target);
      const started = now();
      let response: ProbeResponse | ProbeFailure;
      let decisionId: string | undefined;
      try {
        const res = await doFetch(request.url, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        decisionId = res.headers.get('request-id') ?? res.headers.get('x-amzn-requestid') ?? undefined;
        const body = new Uint8Array(await res.arrayBuffer());
        response = summarizeResponse(res.status, request.framing, body);
      } catch (e) {
        response = { failure: isTimeout(e) ? 'timeout' : 'network' };
      }
      return probeResult({
        probe,
        route,
        response,
        ...(decisionId ? { decisionId } : {}),
        latencyMs: now() - started,
      });
    }),
  );
  return evaluateRun(await Promise.all(jobs));
}
