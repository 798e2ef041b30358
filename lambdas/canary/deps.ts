/**
 * The canary's dependencies: configuration read once from the environment (failing fast with the variable's
 * name) and the API-key provider, built once per instance. Does no network I/O.
 *
 * Environment (set by lib/constructs/canary.ts):
 * - `CANARY_API_URL`: base URL of the inference API (the stage URL), `https://` (or `http://` on loopback).
 * - `CANARY_API_KEY_SECRET_ID`: Secrets Manager id of the canary tenant's API key, read through the Parameters
 *   and Secrets Lambda extension (`localhost:2773`, authenticated with `AWS_SESSION_TOKEN`).
 * - `CANARY_MODEL`: the model the probes name (body of `/v1/messages`, path of the Bedrock routes).
 * - `CANARY_OUTPUT_PROBES` (`true` | `false`, default `false`): also run the output probes.
 * - `CANARY_PROBE_TIMEOUT_MS` (default 10000, 100–60000): deadline of one probe.
 * - `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`: read by Powertools.
 */
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import { extensionSecret } from '../adapters/upstream/secret';
import { defaultProbes, type ProbeSet } from '../core/canary';

/** The canary's validated configuration. */
export interface CanaryConfig {
  readonly apiUrl: string;
  readonly model: string;
  readonly outputProbes: boolean;
  readonly probeTimeoutMs: number;
}

/** A configuration error naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const required = (env: Env, name: string): string => {
  const v = env[name]?.trim();
  if (!v) throw new ConfigError(`canary: environment variable ${name} is required`);
  return v;
};

/** Reads and validates the canary's environment. @throws ConfigError naming the variable at fault. */
export function configFromEnv(env: Env): CanaryConfig {
  const apiUrl = required(env, 'CANARY_API_URL');
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new ConfigError('canary: environment variable CANARY_API_URL must be a URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError('canary: environment variable CANARY_API_URL must be an https:// URL');
  }
  const output = env['CANARY_OUTPUT_PROBES']?.trim() || 'false';
  if (output !== 'true' && output !== 'false') {
    throw new ConfigError(
      `canary: environment variable CANARY_OUTPUT_PROBES must be 'true' or 'false', got '${output}'`,
    );
  }
  const timeoutRaw = env['CANARY_PROBE_TIMEOUT_MS']?.trim();
  const probeTimeoutMs = timeoutRaw ? Number(timeoutRaw) : 10_000;
  if (!Number.isInteger(probeTimeoutMs) || probeTimeoutMs < 100 || probeTimeoutMs > 60_000) {
    throw new ConfigError(
      `canary: environment variable CANARY_PROBE_TIMEOUT_MS must be an integer from 100 to 60000, got '${timeoutRaw}'`,
    );
  }
  return { apiUrl, model: required(env, 'CANARY_MODEL'), outputProbes: output === 'true', probeTimeoutMs };
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
  const config = configFromEnv(env);
  return {
    config,
    probes: defaultProbes(),
    apiKey: extensionSecret({
      secretId: required(env, 'CANARY_API_KEY_SECRET_ID'),
      sessionToken: required(env, 'AWS_SESSION_TOKEN'),
    }),
    ...instrumentation,
  };
}
