/**
 * Table calls made off the request path (refreshes ahead of expiry, lease renewals, counter cleanup) have no caller
 * to fail: their failures are reported here instead of being dropped. Each is counted (the caller's metrics port,
 * e.g. serving's `PortErrors` with the port as dimension) and logged, at most one line per port per interval (the
 * line carries how many failed since the last one), so an outage neither goes unseen nor floods the log.
 */

/** The background table calls whose failures are reported. */
export type BackgroundPort = 'tenant-refresh' | 'controls-refresh' | 'lease-renewal' | 'ladder-cleanup';

/** Receives every background failure. */
export type BackgroundFailureReporter = (port: BackgroundPort, error: unknown) => void;

/** Options of {@link backgroundFailureReporter}. */
export interface BackgroundFailureOptions {
  /** Counts one failure (a metric). */
  readonly count: (port: BackgroundPort) => void;
  /** Writes one log line. */
  readonly log: (message: string, details: Readonly<Record<string, string | number>>) => void;
  /** Shortest time between two log lines of one port. @default 60000 ms */
  readonly logIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A reporter that counts every failure and logs at most one line per port per `logIntervalMs`. */
export function backgroundFailureReporter(options: BackgroundFailureOptions): BackgroundFailureReporter {
  const interval = options.logIntervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const lastLogged = new Map<BackgroundPort, number>();
  const unlogged = new Map<BackgroundPort, number>();
  return (port, error) => {
    options.count(port);
    const failures = (unlogged.get(port) ?? 0) + 1;
    const t = now();
    const last = lastLogged.get(port);
    if (last !== undefined && t - last < interval) {
      unlogged.set(port, failures);
      return;
    }
    lastLogged.set(port, t);
    unlogged.delete(port);
    options.log('background table call failed', {
      port,
      failures,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  };
}

/** Where stores report when built without a reporter: a rate-limited line on stderr (never silent). */
export const logBackgroundFailures: BackgroundFailureReporter = backgroundFailureReporter({
  count: () => undefined,
  log: (message, details) => console.error(`${message} ${JSON.stringify(details)}`),
});
