/**
 * The deployment config schema: one document describes a partner's deployment, one entry per region.
 *
 * Pure (no I/O): `bin/load-config.ts` reads the file and calls {@link parseConfig}; constructs receive
 * narrow props derived from the parsed value, never the whole config.
 *
 * Secrets never appear here: credentials are referenced by the name of a Secrets Manager secret.
 * Objects are strict, so a stray `apiKey` or `password` field is rejected rather than ignored.
 */
import * as z from 'zod';
import { ModelAllowlist } from '../lambdas/core/models/identity';
import {
  CLOUDFRONT_CONTROL_REGION,
  isKnownRegion,
  isResidencyZone,
  KNOWN_REGIONS,
  nearestRegion,
  profileZoneProblem,
  zoneMismatch,
} from './regions';

/** Readonly all the way down: the parsed config is a value, not a mutable bag. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** SageMaker GPU hosting instance types: `ml.g5.xlarge`, `ml.g6e.2xlarge`, `ml.p4d.24xlarge`, ... */
export const GPU_INSTANCE_PATTERN = /^ml\.[gp]\d+[a-z]*\.(\d*x)?large$/;
/** Private ECR image: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>(:tag|@sha256:digest)`. */
export const ECR_IMAGE_PATTERN =
  /^(?<account>\d{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?\/(?<repository>[a-z0-9][a-z0-9._/-]*)(:[\w.-]{1,128}|@sha256:[a-f0-9]{64})$/;
/** `s3://bucket/key` with a non-empty key. */
export const S3_URL_PATTERN = /^s3:\/\/(?<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(?<key>.+)$/;

const quote = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

/** A string matching `re`; the error names what was expected and what was found. */
const matching = (re: RegExp, expected: string) =>
  z.string().superRefine((value, ctx) => {
    if (!re.test(value))
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${quote(value)}` });
  });

const positiveInt = z.number().int().min(1);

/** A region of the geography table (config/regions.ts), in its canonical lower-case form. */
const Region = z.string().superRefine((value, ctx) => {
  if (!isKnownRegion(value)) {
    const near = nearestRegion(value);
    ctx.addIssue({
      code: 'custom',
      message: near
        ? `expected a known AWS region (${KNOWN_REGIONS.length} listed in config/regions.ts), got ${quote(value)}; did you mean '${near}'?`
        : `expected a known AWS region (${KNOWN_REGIONS.length} listed in config/regions.ts, e.g. 'eu-west-1'), got ${quote(value)}`,
    });
  }
});

const Email = z.email({ error: (iss) => `expected an email address, got ${quote(iss.input)}` });

const HttpsUrl = z
  .url({ error: (iss) => `expected an https:// URL, got ${quote(iss.input)}` })
  .superRefine((value, ctx) => {
    const url = new URL(value);
    if (url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `expected an https:// URL, got ${quote(value)}` });
    }
    // Write hosts as they resolve: `%2D`, full-width hyphens or other non-ASCII look-alikes would make a region
    // name invisible to a reader and to the residency guard while fetch and SNS still resolve them.
    const written = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@]*@)?([^/?#]*)/.exec(value)?.[1] ?? '';
    if (/%|[^\x21-\x7e]/.test(written)) {
      ctx.addIssue({
        code: 'custom',
        message: `the host must be plain ASCII without percent-escapes, got ${quote(written)} (resolves to '${url.host}')`,
      });
    } else if (written.replace(/:\d*$/, '').toLowerCase() !== url.hostname) {
      ctx.addIssue({
        code: 'custom',
        message: `the host must be written as it resolves, got ${quote(written)} (resolves to '${url.host}')`,
      });
    }
    if (url.username || url.password || url.search) {
      ctx.addIssue({
        code: 'custom',
        message:
          'URLs must not carry credentials or query strings; reference a Secrets Manager secret instead',
      });
    }
  });

/** Name (not value) of a Secrets Manager secret. */
const SecretName = matching(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name');

/**
 * SageMaker data capture stores every sampled classifier input — the raw prompt text — in the telemetry bucket.
 * `false` (the default) is off; turning it on takes an object that acknowledges that explicitly and bounds how long
 * the captures are kept. Parsed to `null` (off) or the capture settings.
 */
export const DataCaptureSchema = z
  .union([
    z.boolean(),
    // The parsed form of "off", so that a parsed config parses again to itself.
    z.null(),
    z.strictObject({
      enabled: z.boolean(),
      /** Must be `true` when enabled: captures hold raw prompts and completions, unredacted. */
      acknowledgeRawPromptCapture: z.boolean().optional(),
      /** Days captured objects are kept (their own lifecycle rule on the capture prefix). */
      retentionDays: z.number().int().min(1).max(365),
      /** Percentage of invocations captured. */
      samplingPercentage: z.number().int().min(1).max(100).default(100),
    }),
  ])
  .default(false)
  .superRefine((value, ctx) => {
    if (value === true) {
      ctx.addIssue({
        code: 'custom',
        message:
          'data capture stores every classifier input (raw prompt text) in the telemetry bucket; to turn it on write { "enabled": true, "acknowledgeRawPromptCapture": true, "retentionDays": <1-365> }',
      });
    } else if (
      typeof value === 'object' &&
      value !== null &&
      value.enabled &&
      value.acknowledgeRawPromptCapture !== true
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['acknowledgeRawPromptCapture'],
        message:
          'must be true to enable data capture: SageMaker stores every sampled classifier input (raw prompt text, unredacted) in the telemetry bucket',
      });
    }
  })
  .transform((value) =>
    typeof value === 'object' && value !== null && value.enabled
      ? {
          enabled: true as const,
          acknowledgeRawPromptCapture: true as const,
          retentionDays: value.retentionDays,
          samplingPercentage: value.samplingPercentage,
        }
      : null,
  );

export const ClassifierSchema = z
  .strictObject({
    /** Container image implementing the SageMaker contract (`GET /ping`, `POST /invocations`). Private ECR. */
    imageUri: matching(
      ECR_IMAGE_PATTERN,
      'a private ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)',
    ),
    /** Model artifact (`model.tar.gz`) in S3. */
    modelDataUrl: matching(S3_URL_PATTERN, 'an s3://bucket/key URL'),
    instanceType: matching(GPU_INSTANCE_PATTERN, 'an ml.g*/ml.p* GPU instance type'),
    initialInstances: positiveInt,
    minInstances: positiveInt,
    maxInstances: positiveInt,
    /** Deadline for one classifier call from the proxy; past it the check times out and its fail mode applies. */
    invocationDeadlineMs: z.number().int().min(10).max(60_000),
    /**
     * In-flight invocations one instance must answer within `invocationDeadlineMs` at the p99: the load at
     * which the conformance suite (`npm run classifier:conformance`) measures an image.
     */
    invocationConcurrency: z.number().int().min(1).max(256).default(8),
    /** When tier 2 runs: on every request, only when tiers 0/1 are not confident, or never. */
    mode: z.enum(['always', 'cascade', 'never']),
    /** SageMaker data capture of the classifier's inputs (raw prompt text) and outputs; off unless acknowledged. */
    dataCapture: DataCaptureSchema,
  })
  .superRefine((c, ctx) => {
    if (c.minInstances > c.initialInstances || c.initialInstances > c.maxInstances) {
      ctx.addIssue({
        code: 'custom',
        path: ['initialInstances'],
        message: `expected minInstances <= initialInstances <= maxInstances, got ${c.minInstances} <= ${c.initialInstances} <= ${c.maxInstances}`,
      });
    }
  });

export const UpstreamSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('bedrock'),
    /**
     * A Bedrock model id served in the region (`anthropic.claude-…`) or a geographic inference profile whose regions
     * all lie in the region's residency zone (`eu.anthropic.claude-…` in `EU`); `global.` profiles are refused.
     * Current Claude models are served on demand only through a profile (config/regions.ts has the regions).
     */
    modelId: z.string().min(1),
  }),
  z.strictObject({
    kind: z.literal('sagemaker'),
    endpointName: matching(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'a SageMaker endpoint name'),
  }),
  z.strictObject({
    kind: z.literal('https'),
    baseUrl: HttpsUrl,
    /** Secrets Manager secret holding the upstream API key. */
    apiKeySecretName: SecretName.optional(),
  }),
]);

export const TelemetrySchema = z.strictObject({
  /** Days decision records are kept in the telemetry bucket (and at most 14 in the proxy's log group). */
  retentionDays: z.number().int().min(1).max(3650),
});

export const OnCallSchema = z.strictObject({
  emails: z.array(Email).default([]),
  httpsEndpoints: z.array(HttpsUrl).default([]),
});

/**
 * The enforcement canary (lib/constructs/canary.ts) and its tenant (lib/constructs/canary-tenant.ts). On by
 * default: the stack generates the canary's API key into a Secrets Manager secret, stores its hash as the
 * `canary`-tier tenant and runs the probes every minute, so the `EnforcementLive` alarm pages on a dead canary.
 * `{ "enabled": false }` opts out (no canary, no key; the alarm then ignores missing data).
 */
export const CanarySchema = z.strictObject({
  /** Whether the region deploys the canary and its tenant. */
  enabled: z.boolean().default(true),
  /** Model the probes name. Defaults to the region's first model (`models[0]`, or the Bedrock upstream's `modelId`). */
  model: z.string().min(1).max(256).optional(),
  /** Also run the output probes: only for an upstream known to answer them with harmful text. */
  outputProbes: z.boolean().default(false),
  /**
   * Generation of the canary's API key: raising it rotates the key on the next deploy (a new generated secret, the
   * new key stored, the old one revoked; docs/runbooks/enforcement-live.md).
   */
  keyGeneration: z.number().int().min(1).max(1_000_000).default(1),
});

/** A model id as the request parser accepts it (letters, digits and `.:_-/@`, 1–256 characters). */
export const ModelId = matching(/^[A-Za-z0-9._:/@-]{1,256}$/, 'a model id (letters, digits and .:_-/@)');

export const RegionSchema = z
  .strictObject({
    region: Region,
    /**
     * Residency zone the region belongs to, e.g. `EU`, `US`: must be the region's zone in config/regions.ts.
     * Signals never leave their zone.
     */
    residencyZone: matching(/^[A-Z][A-Z0-9-]{1,15}$/, "an upper-case residency zone like 'EU' or 'US'"),
    classifier: ClassifierSchema,
    upstream: UpstreamSchema,
    /**
     * Models this region serves, as sent upstream (a Bedrock model or inference-profile id, a model name of an
     * HTTPS or SageMaker upstream). Requests are matched in canonical form (case, ARN and inference-profile
     * forms, documented aliases: lambdas/core/models/identity.ts); any other model is answered 404 and never
     * forwarded. Default: the Bedrock upstream's `modelId`; required for other upstreams.
     */
    models: z.array(ModelId).min(1).max(32).optional(),
    telemetry: TelemetrySchema,
    onCall: OnCallSchema,
    /** The enforcement canary: on unless `{ "enabled": false }`. */
    canary: CanarySchema.prefault({}),
  })
  .superRefine((r, ctx) => {
    const capture = r.classifier.dataCapture;
    if (capture && capture.retentionDays > r.telemetry.retentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['classifier', 'dataCapture', 'retentionDays'],
        message: `expected at most telemetry.retentionDays (${r.telemetry.retentionDays}): the telemetry bucket expires every object after that, got ${capture.retentionDays}`,
      });
    }
    const mismatch = isKnownRegion(r.region) ? zoneMismatch(r.region, r.residencyZone) : undefined;
    if (mismatch !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['residencyZone'], message: mismatch });
    }
    if (r.models === undefined && r.upstream.kind !== 'bedrock') {
      ctx.addIssue({
        code: 'custom',
        path: ['models'],
        message: `required when the upstream is '${r.upstream.kind}' (only a bedrock upstream provides a default model)`,
      });
    }
    const models = allowedModels(r);
    if (r.canary.model !== undefined && models.length > 0) {
      if (!new ModelAllowlist(models, r.region).resolve(r.canary.model).ok) {
        ctx.addIssue({
          code: 'custom',
          path: ['canary', 'model'],
          message: `expected one of the region's models (${models.join(', ')}), got ${quote(r.canary.model)}: the proxy answers any other model 404`,
        });
      }
    }
    const image = ECR_IMAGE_PATTERN.exec(r.classifier.imageUri)?.groups;
    if (image && image['region'] !== r.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['classifier', 'imageUri'],
        message: `expected an ECR image in ${quote(r.region)} (residency), got one in ${quote(image['region'])}`,
      });
    }
  });

/** A DNS hostname in its canonical form: lower-case ASCII labels, no trailing dot, no port. */
const Hostname = matching(
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
  "a lower-case DNS hostname like 'api.example.com'",
);

/** ACM certificate ARN; its region is checked where it is used. */
export const ACM_CERTIFICATE_PATTERN =
  /^arn:aws(?:-[a-z]+)*:acm:(?<region>[a-z0-9-]+):(?<account>\d{12}):certificate\/[0-9a-f-]{36}$/;
const AcmCertificateArn = matching(ACM_CERTIFICATE_PATTERN, 'an ACM certificate ARN');

/** Ed25519 public key as the JWK `x` value (base64url of the raw 32 bytes). */
const Ed25519PublicKey = matching(/^[A-Za-z0-9_-]{43}$/, 'an Ed25519 public key (43 base64url characters)');

/** One regional API the edge fronts, through a custom domain served by that region's stack. */
export const EdgeOriginSchema = z.strictObject({
  region: Region,
  /** Custom domain of the region's serving API (created by the regional stack), e.g. `eu-west-1.origin.api.example.com`. */
  domainName: Hostname,
  /** ACM certificate for `domainName`, in that region (regional API custom domains take a same-region certificate). */
  certificateArn: AcmCertificateArn,
});

/**
 * Optional global entry: one hostname in front of the regional APIs, with content-free Lambda@Edge checks that
 * route every tenant to its home region (docs/edge.md). Absent: no edge stack, nothing else changes.
 */
export const EdgeSchema = z.strictObject({
  /** Public hostname of the global endpoint, e.g. `api.example.com`. */
  hostname: Hostname,
  /** ACM certificate for `hostname`, in us-east-1 (CloudFront requires it there). Referenced, not created. */
  certificateArn: AcmCertificateArn,
  /** The regional APIs behind the edge; each must be a configured region. */
  origins: z.array(EdgeOriginSchema).min(1),
  /** Public keys that verify home-region claims in API keys (current first; two during a rotation). */
  claimPublicKeys: z.array(Ed25519PublicKey).min(1).max(4),
  /** Public keys that verify the edge's origin assertions at the regional APIs (two during a rotation). */
  originPublicKeys: z.array(Ed25519PublicKey).min(1).max(4),
  /** Secrets Manager secret (us-east-1) holding the edge's origin-signing private key (PKCS#8 PEM). */
  originSigningSecretName: SecretName,
  /** Whether the fronted regional APIs refuse requests that did not come through the edge. */
  requireEdge: z.boolean().default(false),
  limits: z
    .strictObject({
      /** Largest declared request body (bytes); the regional APIs' own limit still applies behind it. */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(10 * 1024 * 1024)
        .default(6 * 1024 * 1024),
      /** Largest total request-header size (bytes). */
      maxHeaderBytes: z.number().int().min(1024).max(20_480).default(16_384),
      /** WAF rate rule: requests per client IP in any 5-minute window. */
      requestsPer5MinPerIp: z.number().int().min(100).max(2_000_000_000).default(3000),
    })
    .prefault({}),
});

export const ConfigSchema = z
  .strictObject({
    /** Human-readable partner name, used in tags and descriptions. */
    partner: z.string().min(1).max(64),
    account: matching(/^\d{12}$/, 'a 12-digit AWS account id'),
    regions: z.array(RegionSchema).min(1),
    /**
     * Region of the cross-region overview dashboard stack (metrics only). Default: the first region;
     * `null` deploys no overview.
     */
    overviewRegion: Region.nullable().optional(),
    /**
     * Base URL of the runbooks, ending in `/` (e.g. the repository's browse URL of `docs/runbooks/`): every alarm
     * description ends with `Runbook: <runbookBaseUrl><runbook>.md`. Default: the repository path `docs/runbooks/`.
     */
    runbookBaseUrl: HttpsUrl.refine((u) => u.endsWith('/'), {
      error: (iss) => `expected a URL ending in '/', got ${quote(iss.input)}`,
    }).optional(),
    /**
     * Residency zones whose prompts must be processed in the region that received them: a Bedrock upstream there may
     * not name a cross-region inference profile (only in-region model ids). Default: none.
     */
    strictInRegionZones: z
      .array(
        z.string().refine(isResidencyZone, {
          error: (iss) => `expected a residency zone of config/regions.ts, got ${quote(iss.input)}`,
        }),
      )
      .default([]),
    /** Optional: the global edge in front of some or all regions (docs/edge.md). */
    edge: EdgeSchema.optional(),
    /**
     * IAM roles of this account that administer the regional KMS keys (manage only: no encrypt/decrypt, ADR 0014).
     * Must include the role CloudFormation deploys with (CDK bootstrap: `cdk-<qualifier>-cfn-exec-role-…`): KMS
     * refuses a key policy that would lock its caller out. Default: the account, whose IAM policies decide.
     */
    keyAdministratorRoleArns: z
      .array(
        matching(
          /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
          'an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
        ),
      )
      .min(1)
      .max(10)
      .optional(),
  })
  .superRefine((c, ctx) => {
    c.regions.forEach((r, i) => {
      // A zone that does not fit its region is reported on residencyZone; judging the profile against it adds noise.
      if (r.upstream.kind !== 'bedrock' || zoneMismatch(r.region, r.residencyZone) !== undefined) return;
      const strict = (c.strictInRegionZones as readonly string[]).includes(r.residencyZone);
      const checked: [string, (string | number)[]][] = [
        [r.upstream.modelId, ['regions', i, 'upstream', 'modelId']],
        ...(r.models ?? []).map((m, j): [string, (string | number)[]] => [m, ['regions', i, 'models', j]]),
      ];
      for (const [modelId, path] of checked) {
        const problem = profileZoneProblem(modelId, r.residencyZone, strict);
        if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
      }
    });
    c.keyAdministratorRoleArns?.forEach((arn, i) => {
      const account = arn.split(':')[4];
      if (account !== c.account) {
        ctx.addIssue({
          code: 'custom',
          path: ['keyAdministratorRoleArns', i],
          message: `expected a role of account ${c.account}, got ${quote(arn)} (account ${quote(account ?? '')})`,
        });
      }
    });
    const seen = new Map<string, number>();
    c.regions.forEach((r, i) => {
      const first = seen.get(r.region);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', i, 'region'],
          message: `duplicate region ${quote(r.region)} (already at regions[${first}])`,
        });
      } else {
        seen.set(r.region, i);
      }
    });
    checkEdge(c, ctx);
  });

/** Cross-field rules of the `edge` section: origins are configured regions, certificates sit where AWS needs them. */
function checkEdge(
  c: {
    readonly regions: readonly { readonly region: string; readonly canary: { readonly enabled: boolean } }[];
    readonly edge?: z.output<typeof EdgeSchema>;
  },
  ctx: z.RefinementCtx,
): void {
  const edge = c.edge;
  if (edge === undefined) return;
  const cert = ACM_CERTIFICATE_PATTERN.exec(edge.certificateArn)?.groups;
  if (cert && cert['region'] !== CLOUDFRONT_CONTROL_REGION) {
    ctx.addIssue({
      code: 'custom',
      path: ['edge', 'certificateArn'],
      message: `expected a certificate in ${quote(CLOUDFRONT_CONTROL_REGION)} (CloudFront), got one in ${quote(cert['region'])}`,
    });
  }
  const configured = new Set(c.regions.map((r) => r.region));
  const seenOrigins = new Set<string>();
  const seenDomains = new Map<string, string>();
  edge.origins.forEach((o, i) => {
    if (!configured.has(o.region)) {
      ctx.addIssue({
        code: 'custom',
        path: ['edge', 'origins', i, 'region'],
        message: `expected one of the configured regions (${[...configured].join(', ')}), got ${quote(o.region)}`,
      });
    }
    const sharing = seenDomains.get(o.domainName);
    if (sharing !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['edge', 'origins', i, 'domainName'],
        message: `${quote(o.domainName)} is already the origin of ${quote(sharing)}: one domain can resolve to one region only, so tenants of one would land in the other`,
      });
    }
    seenDomains.set(o.domainName, o.region);
    if (seenOrigins.has(o.region)) {
      ctx.addIssue({
        code: 'custom',
        path: ['edge', 'origins', i, 'region'],
        message: `duplicate origin region ${quote(o.region)}`,
      });
    }
    seenOrigins.add(o.region);
    const oc = ACM_CERTIFICATE_PATTERN.exec(o.certificateArn)?.groups;
    if (oc && oc['region'] !== o.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['edge', 'origins', i, 'certificateArn'],
        message: `expected a certificate in ${quote(o.region)} (regional API custom domain), got one in ${quote(oc['region'])}`,
      });
    }
    const fronted = c.regions.findIndex((r) => r.region === o.region);
    if (edge.requireEdge && fronted >= 0 && c.regions[fronted]?.canary.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['regions', fronted, 'canary', 'enabled'],
        message:
          'expected false while edge.requireEdge is true: the canary probes the regional API directly, which then refuses every request that did not come through the edge (set "canary": { "enabled": false } for this region)',
      });
    }
    if (o.domainName === edge.hostname) {
      ctx.addIssue({
        code: 'custom',
        path: ['edge', 'origins', i, 'domainName'],
        message: 'an origin domain must differ from the edge hostname',
      });
    }
  });
}

export type SafeguardsConfig = DeepReadonly<z.output<typeof ConfigSchema>>;
export type RegionConfig = SafeguardsConfig['regions'][number];
export type ClassifierConfig = RegionConfig['classifier'];
export type DataCaptureConfig = NonNullable<ClassifierConfig['dataCapture']>;
export type UpstreamConfig = RegionConfig['upstream'];
export type TelemetryConfig = RegionConfig['telemetry'];
export type OnCallConfig = RegionConfig['onCall'];
export type CanaryConfig = RegionConfig['canary'];
export type EdgeConfig = NonNullable<SafeguardsConfig['edge']>;

/** The models a region serves: `models`, or the Bedrock upstream's model (the one place this default lives). */
export const allowedModels = (r: RegionConfig): readonly string[] =>
  r.models ?? (r.upstream.kind === 'bedrock' ? [r.upstream.modelId] : []);

/** The model the region's canary probes name: `canary.model`, else the region's first model. */
export const canaryModel = (r: RegionConfig): string | undefined => r.canary.model ?? allowedModels(r)[0];

/** Thrown for an invalid config; the message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(problems.map((p) => `${source}: ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `['regions', 2, 'classifier']` → `regions[2].classifier`. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc === '' ? String(key) : `${acc}.${String(key)}`;
  }, '');

/**
 * Validate an already-decoded document.
 *
 * @param input the decoded JSON document
 * @param source where it came from, used as the prefix of every error line (e.g. the file path)
 * @param locate optional: where a document path is in the source text (`line L, column C`), prefixed to its error
 * @throws ConfigError naming the source, the path and the problem for every issue found
 */
export const parseConfig = (
  input: unknown,
  source: string,
  locate: (path: readonly PropertyKey[]) => string | undefined = () => undefined,
): SafeguardsConfig => {
  const result = ConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.map((issue) => {
      const at = locate(issue.path);
      return `${at ? `${at}: ` : ''}${formatPath(issue.path) || '(root)'}: ${issue.message}`;
    }),
  );
};
