/**
 * The contract between the constructs and the functions: every environment variable a safeguards function reads,
 * declared once with its name and its codec. A construct writes a function's environment with
 * {@link toEnvironment}; the function reads it back, once at init, with {@link fromEnvironment}. Values that come
 * from the deployment config are validated with the config's own schemas (config/schema.ts), so a concept has one
 * spelling from the config file to the running function (the upstream is `{"kind":"https",…}` everywhere).
 *
 * Nothing here reads `process.env`: the caller passes the environment.
 */
import * as z from 'zod';
import { ClassifierSchema, ConfigError, ModelId, UpstreamSchema } from '../../config/schema';
import { type FunctionName, METRICS_NAMESPACE, SERVICE_NAMES } from './names';

/** One environment variable: its name and the codec between its text and its value. */
export interface Variable<T> {
  readonly name: string;
  readonly codec: z.ZodType<T, string>;
  /** Absent is allowed (the reader gets `undefined`). */
  readonly optional?: true;
  /** Set by the Lambda runtime (`AWS_REGION`, `AWS_SESSION_TOKEN`): read, never written by a construct. */
  readonly runtime?: true;
}

// biome-ignore lint/suspicious/noExplicitAny: a spec maps field names to variables of any value type
type Spec = Readonly<Record<string, Variable<any>>>;
type ValueOf<V> = V extends Variable<infer T> ? T : never;
type RequiredKeys<S extends Spec> = { [K in keyof S]: S[K] extends { optional: true } ? never : K }[keyof S];
type OptionalKeys<S extends Spec> = Exclude<keyof S, RequiredKeys<S>>;

/** What {@link fromEnvironment} returns for a spec. */
export type Settings<S extends Spec> = { readonly [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  readonly [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};
type WritableKeys<S extends Spec> = { [K in keyof S]: S[K] extends { runtime: true } ? never : K }[keyof S];
/** What {@link toEnvironment} takes for a spec: everything but the runtime's variables. */
export type Written<S extends Spec> = Pick<Settings<S>, WritableKeys<S> & keyof Settings<S>>;

const variable = <T>(name: string, codec: z.ZodType<T, string>): Variable<T> => ({ name, codec });
const optional = <T>(name: string, codec: z.ZodType<T, string>): Variable<T> & { optional: true } => ({
  name,
  codec,
  optional: true,
});
const runtime = <T>(name: string, codec: z.ZodType<T, string>): Variable<T> & { runtime: true } => ({
  name,
  codec,
  runtime: true,
});

/** A non-empty name, id or ARN (CloudFormation fills most of them in at deploy time). */
const text = z.string().trim().min(1);

/** A whole number written in decimal. */
const integer = (value: z.ZodNumber) =>
  z.codec(z.string().regex(/^\d+$/, 'expected a whole number'), value, {
    decode: (s) => Number(s),
    encode: (n) => String(n),
  });

/** `true` or `false`. */
const flag = z.codec(z.enum(['true', 'false']), z.boolean(), {
  decode: (s) => s === 'true',
  encode: (b) => (b ? 'true' : 'false'),
});

/** A comma-separated list (items never contain a comma). */
const list = <T>(item: z.ZodType<T, string>) =>
  z.codec(z.string(), z.array(item).min(1).readonly(), {
    decode: (s) => s.split(',').map((x) => x.trim()),
    encode: (items) => items.join(','),
  });

/** A JSON document checked with `schema`. */
const json = <T>(schema: z.ZodType<T>) =>
  z.codec(z.string(), schema, {
    decode: (s, ctx) => {
      try {
        return JSON.parse(s);
      } catch {
        ctx.issues.push({ code: 'invalid_format', format: 'json', input: s, message: 'expected JSON' });
        return z.NEVER;
      }
    },
    encode: (value) => JSON.stringify(value),
  });

/** An https:// URL, or http:// on loopback (the local runtime and its tests). */
const serviceUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a URL' });
    return;
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    ctx.addIssue({ code: 'custom', message: 'expected an https:// URL' });
  }
});

/** Variables the Lambda runtime sets. */
const RUNTIME = {
  region: runtime('AWS_REGION', text),
};

/**
 * The inference proxy (lambdas/proxy): the region's upstream, models and tier-2 settings from the config, and the
 * names of the resources the stack created for it.
 */
export const PROXY_ENVIRONMENT = {
  ...RUNTIME,
  /** Needed to read the upstream API key through the Parameters and Secrets extension. */
  sessionToken: { ...runtime('AWS_SESSION_TOKEN', text), optional: true as const },
  /** `regions[].upstream`, as written in the config. */
  upstream: variable('UPSTREAM', json(UpstreamSchema)),
  /** `regions[].models` (or the Bedrock upstream's model): compared in canonical form, forwarded as written. */
  models: variable('ALLOWED_MODELS', list(ModelId)),
  /** `regions[].classifier.mode` (overrides the policy's tier-2 mode). */
  classifierMode: variable('CLASSIFIER_MODE', ClassifierSchema.shape.mode),
  /** `regions[].classifier.invocationDeadlineMs` (overrides the policy's tier-2 deadline). */
  classifierDeadlineMs: variable(
    'CLASSIFIER_DEADLINE_MS',
    integer(ClassifierSchema.shape.invocationDeadlineMs),
  ),
  /** The region's tier-2 endpoint; absent when the mode is `never`. */
  classifierEndpointName: optional('CLASSIFIER_ENDPOINT_NAME', text),
  /** The region's KMS HMAC_256 key (pseudonyms in decision records). */
  hmacKeyId: variable('HMAC_KEY_ID', text),
  limitsTable: variable('LIMITS_TABLE', text),
  tenantsTable: variable('TENANTS_TABLE', text),
  violationsTable: variable('VIOLATIONS_TABLE', text),
  auditTable: variable('AUDIT_TABLE', text),
  /** On-call topic for enforcement status changes. */
  alarmTopicArn: variable('ALARM_TOPIC_ARN', text),
  /** Rate-limit lease length (0 = every request reads the limits table). */
  rateLimitLeaseMs: variable('RATE_LIMIT_LEASE_MS', integer(z.number().int().min(0).max(60_000))),
} as const;

/** The REQUEST authorizer (lambdas/authorizer). */
export const AUTHORIZER_ENVIRONMENT = {
  ...RUNTIME,
  tenantsTable: variable('TENANTS_TABLE', text),
  limitsTable: variable('LIMITS_TABLE', text),
  /** How long a tenant's status is cached in memory: the status propagation bound. */
  tenantCacheTtlMs: optional('TENANT_CACHE_TTL_MS', integer(z.number().int().min(0).max(60_000))),
  rateLimitLeaseMs: optional('RATE_LIMIT_LEASE_MS', integer(z.number().int().min(0).max(60_000))),
  /** `flag`: over-rate requests pass with a flag and the proxy answers 429; `deny` (default): a Deny (403). */
  rateLimitResponse: optional('RATE_LIMIT_RESPONSE', z.enum(['deny', 'flag'])),
  /** `edge.originPublicKeys` when the region requires the edge: requests without a valid assertion are refused. */
  edgeOriginPublicKeys: optional('EDGE_ORIGIN_PUBLIC_KEYS', list(text)),
} as const;

/** The operator API (lambdas/operator). */
export const OPERATOR_ENVIRONMENT = {
  tenantsTable: variable('TENANTS_TABLE', text),
  violationsTable: variable('VIOLATIONS_TABLE', text),
  auditTable: variable('AUDIT_TABLE', text),
  /** Status changes are announced on the on-call topic, with pseudonyms from the region's HMAC key. */
  alarmTopicArn: variable('ALARM_TOPIC_ARN', text),
  hmacKeyId: variable('HMAC_KEY_ID', text),
} as const;

/** The enforcement canary (lambdas/canary). */
export const CANARY_ENVIRONMENT = {
  /** Needed to read the API key through the Parameters and Secrets extension. */
  sessionToken: runtime('AWS_SESSION_TOKEN', text),
  /** Base URL of the region's inference API (the stage URL). */
  apiUrl: variable('CANARY_API_URL', serviceUrl),
  /** The secret the stack generates the canary's key into (lib/constructs/canary-tenant.ts). */
  apiKeySecretId: variable('CANARY_API_KEY_SECRET_ID', text),
  /** `regions[].canary.model` (or the region's first model). */
  model: variable('CANARY_MODEL', ModelId),
  /** `regions[].canary.outputProbes` (default `false`). */
  outputProbes: optional('CANARY_OUTPUT_PROBES', flag),
  /** Deadline of one probe (default 10 s). */
  probeTimeoutMs: optional('CANARY_PROBE_TIMEOUT_MS', integer(z.number().int().min(100).max(60_000))),
} as const satisfies Spec;

/** The canary-tenant custom resource (lambdas/canary-tenant): stores the canary key's hash. */
export const CANARY_TENANT_ENVIRONMENT = {
  tenantsTable: variable('TENANTS_TABLE', text),
} as const satisfies Spec;

export type ProxySettings = Settings<typeof PROXY_ENVIRONMENT>;
export type AuthorizerSettings = Settings<typeof AUTHORIZER_ENVIRONMENT>;
export type OperatorSettings = Settings<typeof OPERATOR_ENVIRONMENT>;
export type CanarySettings = Settings<typeof CANARY_ENVIRONMENT>;

/** The contract of each function. */
export const ENVIRONMENTS = {
  proxy: PROXY_ENVIRONMENT,
  authorizer: AUTHORIZER_ENVIRONMENT,
  operator: OPERATOR_ENVIRONMENT,
  canary: CANARY_ENVIRONMENT,
  canaryTenant: CANARY_TENANT_ENVIRONMENT,
} as const satisfies Record<FunctionName, Spec>;

/**
 * Reads a function's settings from its environment, once at init.
 *
 * @throws ConfigError naming every variable at fault (`proxy environment: ALLOWED_MODELS: …`)
 */
export function fromEnvironment<F extends FunctionName>(
  fn: F,
  env: Readonly<Record<string, string | undefined>>,
): Settings<(typeof ENVIRONMENTS)[F]> {
  const spec: Spec = ENVIRONMENTS[fn];
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, v] of Object.entries(spec)) {
    const raw = env[v.name]?.trim();
    if (raw === undefined || raw === '') {
      if (!v.optional) problems.push(`${v.name}: required`);
      continue;
    }
    const parsed = z.safeDecode(v.codec, raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(...parsed.error.issues.map((i) => `${v.name}: ${i.message}`));
  }
  if (problems.length > 0) throw new ConfigError(`${fn} environment`, problems);
  return out as Settings<(typeof ENVIRONMENTS)[F]>;
}

/** A CDK token in a string (`${Token[TOKEN.42]}`): a value CloudFormation fills in at deploy time. */
const CDK_TOKEN = /\$\{Token\[[^\]]+\]\}/;

/**
 * A function's environment for its settings, plus the Powertools service name and metrics namespace and source
 * maps. Values that hold CloudFormation tokens (table names, ARNs, the API's URL) are written as they are and
 * checked when the function reads them; every other value is checked here.
 *
 * @throws Error naming the variable when a value does not fit its codec (a construct bug, caught at synth)
 */
export function toEnvironment<F extends FunctionName>(
  fn: F,
  settings: Written<(typeof ENVIRONMENTS)[F]>,
): Record<string, string> {
  const spec: Spec = ENVIRONMENTS[fn];
  const values = settings as Readonly<Record<string, unknown>>;
  const env: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAMES[fn],
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };
  for (const [key, v] of Object.entries(spec)) {
    if (v.runtime) continue;
    const value = values[key];
    if (value === undefined) {
      if (!v.optional) throw new Error(`${fn} environment: ${v.name} (${key}) is required`);
      continue;
    }
    if (typeof value === 'string' && CDK_TOKEN.test(value)) {
      env[v.name] = value;
      continue;
    }
    const encoded = z.safeEncode(v.codec, value);
    if (!encoded.success) {
      throw new Error(
        `${fn} environment: ${v.name}: ${encoded.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
    env[v.name] = encoded.data;
  }
  return env;
}

/** Every variable name a function reads (for the tests that walk the contract). */
export const variableNames = (fn: FunctionName): readonly string[] =>
  Object.values(ENVIRONMENTS[fn] as Spec).map((v) => v.name);
