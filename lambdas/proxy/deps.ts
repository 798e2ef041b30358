/**
 * The proxy's dependencies: configuration read once from the environment (failing fast with the
 * variable's name) and clients/adapters built once per instance. Does no network I/O.
 *
 * Environment (see docs/serving.md):
 * - `AWS_REGION` (set by Lambda): the serving region, and the region of every client.
 * - `POLICY` (default `default`): the embedded policy; no other source is supported yet.
 * - `UPSTREAM_KIND`: `bedrock` | `sagemaker` | `anthropic`.
 * - `UPSTREAM_TARGET`: bedrock — default model id (optional); sagemaker — endpoint name; anthropic — https base URL.
 * - `ALLOWED_MODELS`: comma-separated model ids the region serves (config `regions[].models`), matched in
 *   canonical form and forwarded as written; optional for bedrock (default: `UPSTREAM_TARGET`).
 * - `UPSTREAM_MODEL_MAP` (bedrock, optional): JSON object, requested model → Bedrock model id / inference profile.
 * - `UPSTREAM_API_KEY_SECRET_ID` (anthropic, optional): Secrets Manager id of the API key, read via the
 *   Parameters and Secrets extension; absent → no `x-api-key` (an endpoint that needs none).
 * - `CLASSIFIER_ENDPOINT_NAME`: tier-2 SageMaker endpoint; required unless `CLASSIFIER_MODE=never`.
 * - `CLASSIFIER_MODE` (optional): `always` | `cascade` | `never`, overrides the policy's tier-2 mode.
 * - `CLASSIFIER_DEADLINE_MS` (optional): overrides the policy's tier-2 deadline (1–10000).
 * - `CLASSIFIER_FAILURE_THRESHOLD` (default 5), `CLASSIFIER_HALF_OPEN_MS` (default 10000): circuit breaker.
 * - `HMAC_KEY_ID`: the region's KMS HMAC_256 key (id or ARN).
 * - `LIMITS_TABLE` (optional): token admission against the `limits` table; absent → no token admission.
 * - `RATE_LIMIT_LEASE_MS` (default 1000; 0 = no leases).
 * - `MAX_BODY_BYTES` (optional): request body limit (default 2 MiB).
 * - `TENANTS_TABLE`, `VIOLATIONS_TABLE`, `AUDIT_TABLE` (optional, all three or none): the enforcement ladder
 *   and the regional kill switch (the `control#region` item of the tenants table, cached 2 s per instance)
 *   (strikes on blocks → throttle/suspend/ban, audited). Status-change notifications are log lines
 *   (`enforcement status change`) and, with `ALARM_TOPIC_ARN`, messages on the region's SNS topic.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { KMSClient } from '@aws-sdk/client-kms';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { DynamoAuditLog } from '../adapters/dynamo/audit-log';
import { createDocumentClient } from '../adapters/dynamo/client';
import { DynamoControlsStore } from '../adapters/dynamo/controls-store';
import { DynamoEnforcementLadder, type Notifier } from '../adapters/dynamo/ladder-store';
import { LeasedRateLimiter } from '../adapters/dynamo/leased-rate-limiter';
import { DynamoRateLimiter, type RateLimiter } from '../adapters/dynamo/rate-limiter';
import { DynamoTenantStore } from '../adapters/dynamo/tenant-store';
import { kmsPseudonymizer } from '../adapters/hmac';
import { fanOut, snsNotifier } from '../adapters/notify/sns';
import { SageMakerTier2 } from '../adapters/tier2';
import {
  anthropicHttpUpstream,
  bedrockUpstream,
  extensionSecret,
  sagemakerUpstream,
} from '../adapters/upstream';
import { compilePolicy, createEngine, defaultPolicy, type Policy } from '../core/index';
import { ModelAllowlist } from '../core/models/identity';
import { MODEL_ID_RE } from '../core/request/patterns';
import type { Controls, ServeDeps, Upstream, Violations } from '../core/serving/types';
import { logger, loggerSink, metrics, portLog, powertoolsMetrics } from './instrumentation';
import { ladderViolations, rateLimiterAdmission } from './ports';

/** Upstream configuration. */
export type UpstreamConfig =
  | {
      readonly kind: 'bedrock';
      readonly defaultModelId?: string;
      readonly modelMap?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'sagemaker'; readonly endpointName: string }
  | { readonly kind: 'anthropic'; readonly baseUrl: string; readonly apiKeySecretId?: string };

/** The proxy's validated configuration. */
export interface ProxyConfig {
  readonly region: string;
  readonly policy: Policy;
  readonly upstream: UpstreamConfig;
  /** Allowed model ids, as configured (at least one). */
  readonly models: readonly string[];
  readonly classifier:
    | { readonly mode: 'never' }
    | {
        readonly mode: 'always' | 'cascade';
        readonly endpointName: string;
        readonly failureThreshold: number;
        readonly halfOpenAfterMs: number;
      };
  readonly hmacKeyId: string;
  readonly limits?: { readonly table: string; readonly leaseMs: number };
  readonly ladder?: {
    readonly tenantsTable: string;
    readonly violationsTable: string;
    readonly auditTable: string;
  };
  readonly maxBodyBytes?: number;
  /** SNS topic for enforcement notifications (trust & safety). */
  readonly alarmTopicArn?: string;
}

/** A configuration error naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new ConfigError(`proxy: environment variable ${name} is required`);
  return v;
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`proxy: environment variable ${name} must be an integer >= ${min}, got '${raw}'`);
  }
  return n;
}

function oneOf<T extends string>(name: string, values: readonly T[], value: string): T {
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(
      `proxy: environment variable ${name} must be one of ${values.join(', ')}, got '${value}'`,
    );
  }
  return value as T;
}

const modelMapSchema = z.record(z.string().min(1), z.string().min(1));

/** Reads and validates the proxy's environment. @throws ConfigError naming the variable at fault. */
export function configFromEnv(env: Env): ProxyConfig {
  const region = required(env, 'AWS_REGION');
  const policyName = optional(env, 'POLICY') ?? 'default';
  if (policyName !== 'default') {
    throw new ConfigError(
      `proxy: environment variable POLICY must be 'default' (embedded policy), got '${policyName}'`,
    );
  }
  let policy = defaultPolicy();
  const modeRaw = optional(env, 'CLASSIFIER_MODE');
  const deadlineRaw = optional(env, 'CLASSIFIER_DEADLINE_MS');
  if (modeRaw !== undefined || deadlineRaw !== undefined) {
    const tier2 = { ...policy.document.tier2 };
    if (modeRaw !== undefined)
      tier2.mode = oneOf('CLASSIFIER_MODE', ['always', 'cascade', 'never'] as const, modeRaw);
    if (deadlineRaw !== undefined) {
      tier2.deadlineMs = int(env, 'CLASSIFIER_DEADLINE_MS', 0, 1);
      if (tier2.deadlineMs > 10_000) {
        throw new ConfigError(
          `proxy: environment variable CLASSIFIER_DEADLINE_MS must be <= 10000, got '${deadlineRaw}'`,
        );
      }
    }
    // The effective policy is recompiled, so its version (content hash) in every record reflects the overrides.
    policy = compilePolicy(
      { ...policy.document, tier2 },
      `config/policies/${policyName}.json (CLASSIFIER_MODE / CLASSIFIER_DEADLINE_MS)`,
    );
  }

  const kind = oneOf(
    'UPSTREAM_KIND',
    ['bedrock', 'sagemaker', 'anthropic'] as const,
    required(env, 'UPSTREAM_KIND'),
  );
  let upstream: UpstreamConfig;
  if (kind === 'bedrock') {
    const mapRaw = optional(env, 'UPSTREAM_MODEL_MAP');
    let modelMap: Record<string, string> | undefined;
    if (mapRaw !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(mapRaw);
      } catch {
        throw new ConfigError('proxy: environment variable UPSTREAM_MODEL_MAP must be a JSON object');
      }
      const parsed = modelMapSchema.safeParse(json);
      if (!parsed.success) {
        throw new ConfigError(
          'proxy: environment variable UPSTREAM_MODEL_MAP must map model names to model ids',
        );
      }
      modelMap = parsed.data;
    }
    const target = optional(env, 'UPSTREAM_TARGET');
    upstream = { kind, ...(target ? { defaultModelId: target } : {}), ...(modelMap ? { modelMap } : {}) };
  } else if (kind === 'sagemaker') {
    upstream = { kind, endpointName: required(env, 'UPSTREAM_TARGET') };
  } else {
    const baseUrl = required(env, 'UPSTREAM_TARGET');
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new ConfigError('proxy: environment variable UPSTREAM_TARGET must be an https URL');
    }
    if (url.protocol !== 'https:') {
      throw new ConfigError('proxy: environment variable UPSTREAM_TARGET must be an https URL');
    }
    const apiKeySecretId = optional(env, 'UPSTREAM_API_KEY_SECRET_ID');
    upstream = { kind, baseUrl, ...(apiKeySecretId ? { apiKeySecretId } : {}) };
  }

  const models = allowedModels(env, upstream);

  const effectiveMode = policy.document.tier2.mode;
  const classifier: ProxyConfig['classifier'] =
    effectiveMode === 'never'
      ? { mode: 'never' }
      : {
          mode: effectiveMode,
          endpointName: required(env, 'CLASSIFIER_ENDPOINT_NAME'),
          failureThreshold: int(env, 'CLASSIFIER_FAILURE_THRESHOLD', 5, 1),
          halfOpenAfterMs: int(env, 'CLASSIFIER_HALF_OPEN_MS', 10_000, 0),
        };

  const limitsTable = optional(env, 'LIMITS_TABLE');
  const ladderNames = ['TENANTS_TABLE', 'VIOLATIONS_TABLE', 'AUDIT_TABLE'] as const;
  const ladderSet = ladderNames.filter((n) => optional(env, n) !== undefined);
  if (ladderSet.length > 0 && ladderSet.length < ladderNames.length) {
    const missing = ladderNames.find((n) => optional(env, n) === undefined);
    throw new ConfigError(
      `proxy: environment variable ${missing} is required when any of ${ladderNames.join(', ')} is set`,
    );
  }
  const maxBodyBytes =
    optional(env, 'MAX_BODY_BYTES') === undefined ? undefined : int(env, 'MAX_BODY_BYTES', 0, 1);
  return {
    region,
    policy,
    upstream,
    models,
    classifier,
    hmacKeyId: required(env, 'HMAC_KEY_ID'),
    ...(limitsTable
      ? { limits: { table: limitsTable, leaseMs: int(env, 'RATE_LIMIT_LEASE_MS', 1_000, 0) } }
      : {}),
    ...(ladderSet.length === ladderNames.length
      ? {
          ladder: {
            tenantsTable: required(env, 'TENANTS_TABLE'),
            violationsTable: required(env, 'VIOLATIONS_TABLE'),
            auditTable: required(env, 'AUDIT_TABLE'),
          },
        }
      : {}),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(optional(env, 'ALARM_TOPIC_ARN')
      ? { alarmTopicArn: optional(env, 'ALARM_TOPIC_ARN') as string }
      : {}),
  };
}

/** `ALLOWED_MODELS`, checked with the request parser's model-id pattern; a Bedrock upstream defaults to its model. */
function allowedModels(env: Env, upstream: UpstreamConfig): readonly string[] {
  const raw = optional(env, 'ALLOWED_MODELS');
  if (raw === undefined) {
    if (upstream.kind === 'bedrock' && upstream.defaultModelId) return [upstream.defaultModelId];
    throw new ConfigError('proxy: environment variable ALLOWED_MODELS is required');
  }
  const ids = raw.split(',').map((m) => m.trim());
  const bad = ids.find((m) => !MODEL_ID_RE.test(m));
  if (bad !== undefined) {
    throw new ConfigError(
      `proxy: environment variable ALLOWED_MODELS must be comma-separated model ids, got '${bad}'`,
    );
  }
  return ids;
}

function buildUpstream(config: ProxyConfig, env: Env, sagemaker: () => SageMakerRuntimeClient): Upstream {
  const u = config.upstream;
  switch (u.kind) {
    case 'bedrock':
      return bedrockUpstream(new BedrockRuntimeClient({ region: config.region }), {
        ...(u.defaultModelId ? { defaultModelId: u.defaultModelId } : {}),
        ...(u.modelMap ? { modelMap: u.modelMap } : {}),
      });
    case 'sagemaker':
      return sagemakerUpstream(sagemaker(), { endpointName: u.endpointName });
    case 'anthropic':
      return anthropicHttpUpstream({
        baseUrl: u.baseUrl,
        ...(u.apiKeySecretId
          ? {
              apiKey: extensionSecret({
                secretId: u.apiKeySecretId,
                sessionToken: required(env, 'AWS_SESSION_TOKEN'),
              }),
            }
          : {}),
      });
  }
}

/** Status-change notifications as log lines (always), plus the region's SNS topic when ALARM_TOPIC_ARN is set. */
const logNotifier: Notifier = {
  async notify(n) {
    logger.warn('enforcement status change', {
      auditEventId: n.auditEventId,
      actor: n.actor,
      after: n.after.status,
      reason: n.reason,
    });
  },
};

/**
 * Builds the serving dependencies once per instance: engine (with tier 2 unless mode `never`), upstream,
 * token admission (with `LIMITS_TABLE`), enforcement ladder (with the three ladder tables), KMS
 * pseudonyms, the log-line record sink and EMF metrics. `extra` overrides any of them.
 */
export function buildServeDeps(config: ProxyConfig, env: Env, extra: Partial<ServeDeps> = {}): ServeDeps {
  let smClient: SageMakerRuntimeClient | undefined;
  const sagemaker = () => {
    smClient ??= new SageMakerRuntimeClient({ region: config.region });
    return smClient;
  };
  const c = config.classifier;
  const tier2 =
    c.mode === 'never'
      ? undefined
      : new SageMakerTier2(sagemaker(), {
          endpointName: c.endpointName,
          failureThreshold: c.failureThreshold,
          halfOpenAfterMs: c.halfOpenAfterMs,
          onStateChange: (state) => logger.warn('tier-2 circuit state changed', { state }),
        });
  let limiter: RateLimiter | undefined;
  if (config.limits) {
    const base = new DynamoRateLimiter({
      client: createDocumentClient({ region: config.region }),
      tableName: config.limits.table,
    });
    limiter =
      config.limits.leaseMs > 0 ? new LeasedRateLimiter(base, { leaseMs: config.limits.leaseMs }) : base;
  }
  const pseudonymize = kmsPseudonymizer(new KMSClient({ region: config.region }), config.hmacKeyId);
  let violations: Violations | undefined;
  let controls: Controls | undefined;
  if (config.ladder) {
    const client = createDocumentClient({ region: config.region });
    controls = new DynamoControlsStore({ client, tableName: config.ladder.tenantsTable });
    violations = ladderViolations(
      new DynamoEnforcementLadder({
        client,
        violationsTable: config.ladder.violationsTable,
        tenants: new DynamoTenantStore({ client, tableName: config.ladder.tenantsTable }),
        audit: new DynamoAuditLog({ client, tableName: config.ladder.auditTable }),
        notifier: config.alarmTopicArn
          ? fanOut(
              logNotifier,
              snsNotifier(new SNSClient({ region: config.region }), config.alarmTopicArn, pseudonymize),
            )
          : logNotifier,
      }),
    );
  }
  return {
    engine: createEngine({ policy: config.policy, ...(tier2 ? { tier2 } : {}) }),
    ...(violations ? { violations } : {}),
    ...(controls ? { controls } : {}),
    region: config.region,
    upstream: buildUpstream(config, env, sagemaker),
    models: new ModelAllowlist(config.models, config.region),
    ...(limiter ? { admission: rateLimiterAdmission(limiter) } : {}),
    pseudonymize,
    sink: loggerSink(logger),
    metrics: powertoolsMetrics(metrics),
    log: portLog(logger),
    ...(config.maxBodyBytes === undefined ? {} : { maxBodyBytes: config.maxBodyBytes }),
    ...extra,
  };
}
