/**
 * The canary's dependencies: configuration read once from the environment through the one contract
 * (lambdas/shared/environment.ts, written by lib/constructs/canary.ts; failing fast naming every variable at
 * fault) and the API-key provider, built once per instance. Does no network I/O.
 *
 * `CANARY_API_URL` (https://, or http:// on loopback), `CANARY_API_KEY_SECRET_ID` (the canary tenant's key,
 * generated at deploy time: 32 letters and digits, the API key being `csk_` + those; read through the Parameters and
 * Secrets extension with `AWS_SESSION_TOKEN`), `CANARY_MODEL`, `CANARY_OUTPUT_PROBES` (default `false`),
 * `CANARY_PROBE_TIMEOUT_MS` (default 10000, 100–60000).
 */
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import { extensionSecret } from '../adapters/upstream/secret';
import { defaultProbes, type ProbeSet } from '../core/canary';
import { apiKeyFromGeneratedSecret } from '../core/enforcement/keys';
import { type CanarySettings, fromEnvironment } from '../shared/environment';

/** The canary's validated configuration. */
export interface CanaryConfig {
  readonly apiUrl: string;
  readonly model: string;
  readonly outputProbes: boolean;
  readonly probeTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The run configuration of the canary's settings (defaults: output probes off, 10 s per probe). */
const configOf = (s: CanarySettings): CanaryConfig => ({
  apiUrl: s.apiUrl,
  model: s.model,
  outputProbes: s.outputProbes ?? false,
  probeTimeoutMs: s.probeTimeoutMs ?? 10_000,
});

/** Reads and validates the canary's environment. @throws ConfigError naming every variable at fault. */
export function configFromEnv(env: Env): CanaryConfig {
  return configOf(fromEnvironment('canary', env));
}

/** A Powertools metric unit. */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The surface of Powertools Metrics the canary uses. */
export interface CanaryMetrics {
  addMetric(name: string, unit: Unit, value: number): unknown;
  singleMetric(): {
    addDimension(name: string, value: string): unknown;
    addMetric(name: string, unit: Unit, value: number): unknown;
  };
  publishStoredMetrics(): void;
}

/** The surface of Powertools Logger the canary uses. */
export interface CanaryLogger {
  info(message: string, extra: Readonly<Record<string, unknown>>): void;
  error(message: string, extra: Readonly<Record<string, unknown>>): void;
}

/** Everything the handler needs. */
export interface CanaryDeps {
  readonly config: CanaryConfig;
  readonly probes: ProbeSet;
  /** The canary tenant's API key (cached by the provider). */
  readonly apiKey: () => Promise<string>;
  readonly logger: CanaryLogger;
  readonly metrics: CanaryMetrics;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Builds the deps from the environment: the shipped probes and the key through the secrets extension. */
export function depsFromEnv(
  env: Env,
  instrumentation: { logger: CanaryLogger; metrics: CanaryMetrics },
): CanaryDeps {
  const settings = fromEnvironment('canary', env);
  const secret = extensionSecret({ secretId: settings.apiKeySecretId, sessionToken: settings.sessionToken });
  return {
    config: configOf(settings),
    probes: defaultProbes(),
    apiKey: async () => apiKeyFromGeneratedSecret(await secret()),
    ...instrumentation,
  };
}
