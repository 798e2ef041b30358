/**
 * Canary evaluation: what each probe came out as, whether that is what it must come out as, and whether
 * enforcement is live on each route (`EnforcementLive` = 1 only when every probe on the route came out right).
 * A probe that errored (network, timeout, 5xx, refused for another reason than policy) counts as not live: the
 * canary cannot tell that enforcement works, so it must not say it does. Pure.
 */
import type { Expectation, Probe } from './probes';
import { CANARY_ROUTES, type CanaryRoute } from './requests';
import type { ProbeResponse } from './responses';

/** What a probe came out as. */
export type Observed = Expectation | 'error';

/** The message of an input block (docs/serving.md: 400, `request blocked by policy (decision <id>)`). */
export const BLOCKED_BY_POLICY = /blocked by policy/i;

/** A probe that produced no HTTP response (network error, timeout). */
export interface ProbeFailure {
  /** `timeout` or `network` (never the error's message: it may echo the URL). */
  readonly failure: 'timeout' | 'network';
}

/** How a probe came out, and a short reason code for the log (no response content). */
export interface Observation {
  readonly observed: Observed;
  /** `blocked-400`, `allowed-end_turn`, `refused`, `http-503`, `timeout`, `stream-error-overloaded_error`, … */
  readonly detail: string;
}

/** Classifies a probe's response. */
export function observe(response: ProbeResponse | ProbeFailure): Observation {
  if ('failure' in response) return { observed: 'error', detail: response.failure };
  const { status } = response;
  if (status >= 400 && status < 500) {
    // Only the policy's refusal counts as a block; 401/403/404/429 and other 4xx say nothing about enforcement.
    if (status === 400 && BLOCKED_BY_POLICY.test(response.errorMessage ?? '')) {
      return { observed: 'blocked', detail: `blocked-${status}` };
    }
    return { observed: 'error', detail: `http-${status}` };
  }
  if (status < 200 || status >= 300) return { observed: 'error', detail: `http-${status}` };
  if (response.streamError !== undefined) {
    return { observed: 'error', detail: `stream-error-${response.streamError}` };
  }
  if (response.stopReason === 'refusal') return { observed: 'refused', detail: 'refused' };
  if (!response.complete) return { observed: 'error', detail: 'incomplete' };
  return { observed: 'allowed', detail: `allowed-${response.stopReason ?? 'none'}` };
}

/** One probe on one route. */
export interface ProbeResult {
  readonly probe: string;
  readonly route: CanaryRoute;
  readonly expected: Expectation;
  readonly observed: Observed;
  /** `observed === expected`. */
  readonly pass: boolean;
  readonly detail: string;
  /** HTTP status, when there was a response. */
  readonly status?: number;
  /** The response's `request-id` (the decision id of the probe's decision record). */
  readonly decisionId?: string;
  readonly latencyMs: number;
}

/** Inputs of {@link probeResult}. */
export interface ProbeOutcome {
  readonly probe: Pick<Probe, 'id' | 'expect'>;
  readonly route: CanaryRoute;
  readonly response: ProbeResponse | ProbeFailure;
  readonly decisionId?: string;
  readonly latencyMs: number;
}

/** The result of one probe on one route. */
export function probeResult(outcome: ProbeOutcome): ProbeResult {
  const { observed, detail } = observe(outcome.response);
  return {
    probe: outcome.probe.id,
    route: outcome.route,
    expected: outcome.probe.expect,
    observed,
    pass: observed === outcome.probe.expect,
    detail,
    ...('status' in outcome.response ? { status: outcome.response.status } : {}),
    ...(outcome.decisionId ? { decisionId: outcome.decisionId } : {}),
    latencyMs: outcome.latencyMs,
  };
}

/** A run's verdict. */
export interface CanaryVerdict {
  /** `EnforcementLive` per route: 1 when every probe on the route passed (and the route had probes), else 0. */
  readonly routes: Readonly<Record<CanaryRoute, 0 | 1>>;
  /** The minimum over the routes: what the `EnforcementLive` alarm reads. */
  readonly live: 0 | 1;
  readonly results: readonly ProbeResult[];
}

/** Per-route and overall liveness of a run's results. A route with no result is not live. */
export function evaluateRun(results: readonly ProbeResult[]): CanaryVerdict {
  const routes = {} as Record<CanaryRoute, 0 | 1>;
  for (const route of CANARY_ROUTES) {
    const own = results.filter((r) => r.route === route);
    routes[route] = own.length > 0 && own.every((r) => r.pass) ? 1 : 0;
  }
  const live = CANARY_ROUTES.every((r) => routes[r] === 1) ? 1 : 0;
  return { routes, live, results };
}
