/**
 * Residency rules over synthesized CloudFormation, as small pure functions. The `ResidencyGuard`
 * aspect runs them per resource at synth time (and fails synthesis); the compliance report runs
 * them over a whole template and lists what they find.
 */
import {
  findOutOfZoneProfiles,
  findRegionCodes,
  isRegionCode,
  isResidencyZone,
  zoneMismatch,
} from '../../config/regions';
import { checkContentFreeEdge } from './edge-rules';
import {
  asArray,
  type CfnResourceJson,
  type CfnTemplateJson,
  collectStrings,
  flatten,
  isObject,
  type Json,
  type JsonObject,
  OWN_REGION_PLACEHOLDER,
  prop,
  referencedLogicalIds,
} from './template';

/** What a residency check is evaluated against. */
export interface ResidencyContext {
  /** The stack's own region. */
  readonly region: string;
  /** Regions the zone allows, always including `region`. */
  readonly allowedRegions: ReadonlySet<string>;
  /** Whether the zone forbids content inspection at the edge (CloudFront / Lambda@Edge). */
  readonly residencyBound: boolean;
  /** Logical id → resource type of every resource in the same stack (hence the same region). */
  readonly localResources: ReadonlyMap<string, string>;
  /**
   * Regions the stack's Bedrock inference profile may route prompts to (config/regions.ts): Bedrock ARNs
   * (`foundation-model`, `inference-profile`) and profile ids in these regions are not findings. Nothing else is
   * allowed there.
   */
  readonly inferenceRegions: ReadonlySet<string>;
}

/** Identifier of the rule a finding comes from. */
export type ResidencyRule =
  | 'cross-region-arn'
  | 'cross-region-endpoint'
  | 'cross-region-service-principal'
  | 'cross-region-region-property'
  | 'cross-region-inference-profile'
  | 'cross-region-region-name'
  | 's3-replication'
  | 'dynamodb-global-table-replica'
  | 'log-destination'
  | 'firehose-destination'
  | 'kms-multi-region-key'
  | 'edge-inspection'
  | 'zone-geography'
  | 'edge-body-access'
  | 'edge-body-inspection'
  | 'edge-content-logging';

/** One residency violation, located in a resource. */
export interface ResidencyFinding {
  readonly rule: ResidencyRule;
  /** Logical id of the resource (or `Outputs.X` / `Parameters.X` for template-level scans). */
  readonly logicalId: string;
  /** Dotted path inside the resource (`Properties.DestinationArn`). */
  readonly path: string;
  /** The region the finding points to; `*` when it cannot be determined. */
  readonly region: string;
  /** The offending value (flattened; placeholders stand for tokens). */
  readonly value: string;
  /** Human-readable reason. */
  readonly message: string;
}

/** Builds a context, adding the stack's region to the allowed set. */
export function makeContext(
  region: string,
  allowedRegions: readonly string[] | undefined,
  localResources: ReadonlyMap<string, string>,
  residencyBound = true,
  inferenceRegions: readonly string[] = [],
): ResidencyContext {
  return {
    region,
    allowedRegions: new Set([region, ...(allowedRegions ?? [])]),
    residencyBound,
    localResources,
    inferenceRegions: new Set(inferenceRegions),
  };
}

/** Logical id → type for every resource of a template. */
export function localResourcesOf(template: CfnTemplateJson): Map<string, string> {
  return new Map(Object.entries(template.Resources).map(([id, r]) => [id, r.Type]));
}

const ARN_PATTERN = /arn:([^:\s"]*):([^:\s"]*):([^:\s"]*):/g;
/** A Bedrock foundation-model or inference-profile ARN (the only ARNs {@link ResidencyContext.inferenceRegions} admits). */
const BEDROCK_INFERENCE_RESOURCE =
  /^arn:[^:\s"]*:bedrock:[^:\s"]*:[^:\s"]*:(?:foundation-model|inference-profile)\//;
const ENDPOINT_SUFFIX = /^\.(?:amazonaws\.com(?:\.cn)?|api\.aws|on\.aws|amazonaws\.eu)\b/;

/** A Bedrock foundation-model or inference-profile ARN in one of the context's inference regions. */
function isInferenceArn(ctx: ResidencyContext, service: string, region: string, fromArn: string): boolean {
  return (
    service.toLowerCase() === 'bedrock' &&
    ctx.inferenceRegions.has(region) &&
    BEDROCK_INFERENCE_RESOURCE.test(fromArn)
  );
}

function isAllowed(ctx: ResidencyContext, region: string): boolean {
  return ctx.allowedRegions.has(region);
}

/** True for a `{{Ref.X}}` placeholder where X is not a resource of the stack (a template parameter). */
function isParameterRef(placeholder: string, ctx: ResidencyContext): boolean {
  const name = /^\{\{Ref\.([^}]+)\}\}$/.exec(placeholder)?.[1];
  return name !== undefined && !ctx.localResources.has(name);
}

const URL_SHAPED = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/giu;
const PERCENT_ESCAPE = /%[0-9a-f]{2}/i;

/** Decodes percent-escapes until none is left (double encoding included), leaving malformed ones as they are. */
function percentDecode(text: string): string {
  let out = text;
  for (let i = 0; i < 4 && PERCENT_ESCAPE.test(out); i++) {
    out = out.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        );
      }
    });
  }
  return out;
}

/**
 * The forms of `text` that AWS, `fetch` or SNS may resolve it to, other than `text` itself: the host of every
 * URL-shaped value as the WHATWG URL parser resolves it (lower case, percent-decoded, IDNA/UTS-46 mapped, so
 * `US%2DEAST%2D1`, full-width hyphens and ideographic dots become `us-east-1` and `.`), and the whole string
 * lower-cased, percent-decoded and NFKC-normalized with every dash-like character read as `-` (fail-closed for
 * region names outside URLs).
 */
export function resolvedForms(text: string): string[] {
  const forms = new Set<string>();
  for (const m of text.matchAll(URL_SHAPED)) {
    for (const candidate of [m[0], percentDecode(m[0])]) {
      try {
        forms.add(new URL(candidate).hostname);
      } catch {
        // Not a parseable URL: the whole-string form below still covers it.
      }
    }
  }
  forms.add(
    percentDecode(text)
      .normalize('NFKC')
      .toLowerCase()
      .replace(/\p{Pd}/gu, '-'),
  );
  forms.delete(text);
  return [...forms];
}

/** Findings for one located string: ARNs, endpoints, principals, profile ids, bare region names. */
export function scanString(
  logicalId: string,
  path: string,
  key: string,
  text: string,
  ctx: ResidencyContext,
): ResidencyFinding[] {
  const findings: ResidencyFinding[] = [];
  const seen = new Set<number>();
  /** Regions already reported for this string, so a resolved form does not report them twice. */
  const named = new Set<string>();
  const add = (rule: ResidencyRule, region: string, message: string): void => {
    findings.push({ rule, logicalId, path, region, value: text, message });
  };
  for (const m of text.matchAll(ARN_PATTERN)) {
    const region = m[3] ?? '';
    seen.add((m.index ?? 0) + 6 + (m[1] ?? '').length + (m[2] ?? '').length);
    if (region === '' || region === OWN_REGION_PLACEHOLDER || isAllowed(ctx, region)) continue;
    if (isInferenceArn(ctx, m[2] ?? '', region, text.slice(m.index ?? 0))) continue;
    if (isRegionCode(region)) {
      named.add(region);
      add('cross-region-arn', region, `ARN in region '${region}' (${m[2]}), outside the zone`);
    } else if (isParameterRef(region, ctx)) {
      add('cross-region-arn', '*', `ARN whose region is the parameter ${region}, not the stack's region`);
    }
  }
  const scanRegionNames = (form: string, skip: ReadonlySet<number>, note: string): void => {
    // The region field of a Bedrock model ARN in an inference region, in this form too.
    const admitted = new Set(
      [...form.matchAll(ARN_PATTERN)]
        .filter((m) => isInferenceArn(ctx, m[2] ?? '', m[3] ?? '', form.slice(m.index ?? 0)))
        .map((m) => (m.index ?? 0) + 6 + (m[1] ?? '').length + (m[2] ?? '').length),
    );
    for (const { region, index } of findRegionCodes(form)) {
      if (admitted.has(index)) continue;
      if (skip.has(index) || isAllowed(ctx, region) || named.has(region)) continue;
      named.add(region);
      const after = form.slice(index + region.length);
      if (ENDPOINT_SUFFIX.test(after)) {
        if (/principal/i.test(path)) {
          add('cross-region-service-principal', region, `service principal of region '${region}'${note}`);
        } else {
          add('cross-region-endpoint', region, `endpoint hostname in region '${region}'${note}`);
        }
      } else if (/region$/i.test(key)) {
        add('cross-region-region-property', region, `${key} is '${region}', not the stack's region${note}`);
      } else {
        add('cross-region-region-name', region, `mentions region '${region}'${note}`);
      }
    }
  };
  const resolved = resolvedForms(text);
  scanRegionNames(text, seen, '');
  for (const form of resolved) scanRegionNames(form, new Set(), ` (as resolved: '${form}')`);
  const profiles = new Set<string>();
  for (const form of [text, ...resolved]) {
    for (const p of findOutOfZoneProfiles(form, new Set([...ctx.allowedRegions, ...ctx.inferenceRegions]))) {
      if (profiles.has(p.profileId.toLowerCase())) continue;
      profiles.add(p.profileId.toLowerCase());
      add(
        'cross-region-inference-profile',
        p.outside.join(','),
        `inference profile '${p.profileId}' routes to regions outside the zone (${p.outside.join(', ')})`,
      );
    }
  }
  return findings;
}

/** Findings for `Region`-like keys whose value is a token that is not the stack's own region. */
function scanRegionTokens(logicalId: string, value: Json | undefined, path: string): ResidencyFinding[] {
  if (Array.isArray(value)) {
    return (value as readonly Json[]).flatMap((v, i) => scanRegionTokens(logicalId, v, `${path}.${i}`));
  }
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const here = path === '' ? k : `${path}.${k}`;
    if (/region$/i.test(k) && isObject(v)) {
      const flat = flatten(v);
      if (flat === OWN_REGION_PLACEHOLDER) return [];
      if (flat === undefined || !flat.includes(OWN_REGION_PLACEHOLDER)) {
        const shown = flat ?? JSON.stringify(v);
        return [
          {
            rule: 'cross-region-region-property' as const,
            logicalId,
            path: here,
            region: '*',
            value: shown,
            message: `${k} is ${shown}, which cannot be proven to be the stack's region`,
          },
        ];
      }
      return [];
    }
    return scanRegionTokens(logicalId, v, here);
  });
}

/** Cross-region references anywhere in a resource's properties (strings and Region-like tokens). */
export function scanReferences(
  logicalId: string,
  resource: CfnResourceJson,
  ctx: ResidencyContext,
): ResidencyFinding[] {
  const props = resource.Properties;
  const strings = collectStrings(props, 'Properties').flatMap((s) =>
    scanString(logicalId, s.path, s.key, s.text, ctx),
  );
  return [...strings, ...scanRegionTokens(logicalId, props, 'Properties')];
}

/** True when `value` references (Ref/GetAtt) a resource of `type` in the same stack. */
function isLocalRef(value: Json | undefined, type: string, ctx: ResidencyContext): boolean {
  const ids = [...referencedLogicalIds(value)];
  return ids.length > 0 && ids.every((id) => ctx.localResources.get(id) === type);
}

function finding(
  rule: ResidencyRule,
  logicalId: string,
  path: string,
  value: Json | undefined,
  message: string,
  region = '*',
): ResidencyFinding {
  return { rule, logicalId, path, region, value: flatten(value ?? '') ?? JSON.stringify(value), message };
}

/** S3 replication must target a bucket of the same stack: S3 bucket ARNs carry no region. */
function checkS3Replication(id: string, props: JsonObject, ctx: ResidencyContext): ResidencyFinding[] {
  const rules = asArray(prop(props['ReplicationConfiguration'], 'Rules'));
  return rules.flatMap((rule, i) => {
    const bucket = prop(prop(rule, 'Destination'), 'Bucket');
    if (isLocalRef(bucket, 'AWS::S3::Bucket', ctx)) return [];
    return [
      finding(
        's3-replication',
        id,
        `Properties.ReplicationConfiguration.Rules.${i}.Destination.Bucket`,
        bucket,
        'replicates to a bucket outside this stack; S3 ARNs carry no region, so the destination cannot be proven in-region',
      ),
    ];
  });
}

function checkGlobalTable(id: string, props: JsonObject, ctx: ResidencyContext): ResidencyFinding[] {
  return asArray(props['Replicas']).flatMap((replica, i) => {
    const region = prop(replica, 'Region');
    const flat = region === undefined ? undefined : flatten(region);
    if (flat === OWN_REGION_PLACEHOLDER || (flat !== undefined && isAllowed(ctx, flat))) return [];
    return [
      finding(
        'dynamodb-global-table-replica',
        id,
        `Properties.Replicas.${i}.Region`,
        region,
        `global table replica in '${flat ?? '?'}', outside the zone`,
        flat ?? '*',
      ),
    ];
  });
}

/** A log destination is in-region when it is a resource of this stack or an ARN of an allowed region. */
function checkLogDestination(
  id: string,
  key: string,
  props: JsonObject,
  ctx: ResidencyContext,
): ResidencyFinding[] {
  const dest = props[key];
  if (dest === undefined || referencedLogicalIds(dest).size > 0) return [];
  const flat = flatten(dest) ?? '';
  const region = /^arn:[^:]*:[^:]*:([^:]*):/.exec(flat)?.[1];
  if (region === OWN_REGION_PLACEHOLDER || (region !== undefined && isAllowed(ctx, region))) return [];
  return [
    finding(
      'log-destination',
      id,
      `Properties.${key}`,
      dest,
      `log destination '${flat}' is not in an allowed region`,
      region ?? '*',
    ),
  ];
}

const FIREHOSE_EXTERNAL_DESTINATIONS = [
  'HttpEndpointDestinationConfiguration',
  'SplunkDestinationConfiguration',
  'SnowflakeDestinationConfiguration',
  'MongoDBAtlasDestinationConfiguration',
] as const;

function checkFirehose(id: string, props: JsonObject, ctx: ResidencyContext): ResidencyFinding[] {
  const out: ResidencyFinding[] = [];
  for (const key of ['S3DestinationConfiguration', 'ExtendedS3DestinationConfiguration'] as const) {
    const bucketArn = prop(props[key], 'BucketARN');
    if (bucketArn !== undefined && !isLocalRef(bucketArn, 'AWS::S3::Bucket', ctx)) {
      out.push(
        finding(
          'firehose-destination',
          id,
          `Properties.${key}.BucketARN`,
          bucketArn,
          'delivers to a bucket outside this stack; S3 ARNs carry no region, so the destination cannot be proven in-region',
        ),
      );
    }
  }
  for (const key of FIREHOSE_EXTERNAL_DESTINATIONS) {
    if (props[key] !== undefined) {
      out.push(
        finding(
          'firehose-destination',
          id,
          `Properties.${key}`,
          key,
          `delivers outside AWS (${key}); the destination cannot be proven in-region`,
        ),
      );
    }
  }
  return out;
}

function checkDistribution(id: string, props: JsonObject): ResidencyFinding[] {
  const config = props['DistributionConfig'];
  const behaviors = [prop(config, 'DefaultCacheBehavior'), ...asArray(prop(config, 'CacheBehaviors'))];
  return behaviors.flatMap((behavior, i) =>
    (['LambdaFunctionAssociations', 'FunctionAssociations'] as const)
      .filter((key) => asArray(prop(behavior, key)).length > 0)
      .map((key) =>
        finding(
          'edge-inspection',
          id,
          i === 0
            ? `Properties.DistributionConfig.DefaultCacheBehavior.${key}`
            : `Properties.DistributionConfig.CacheBehaviors.${i - 1}.${key}`,
          key,
          `${key} run code on requests at every CloudFront edge location, outside the residency zone`,
        ),
      ),
  );
}

function checkEdgeRole(id: string, props: JsonObject): ResidencyFinding[] {
  const trusts = collectStrings(props['AssumeRolePolicyDocument']).some((s) =>
    /^edgelambda\.amazonaws\.com$/.test(s.text),
  );
  return trusts
    ? [
        finding(
          'edge-inspection',
          id,
          'Properties.AssumeRolePolicyDocument',
          'edgelambda.amazonaws.com',
          'role trusts edgelambda.amazonaws.com (Lambda@Edge runs in every edge location)',
        ),
      ]
    : [];
}

/**
 * Structural rules: replication, replicas, log and stream destinations, edge compute, multi-region keys; in a
 * stack that allows edge compute, the content-free edge rules (edge-rules.ts) instead of the edge ban.
 */
export function checkStructure(
  logicalId: string,
  resource: CfnResourceJson,
  ctx: ResidencyContext,
): ResidencyFinding[] {
  const edge = ctx.residencyBound
    ? []
    : checkContentFreeEdge(resource).map((v) => finding(v.rule, logicalId, v.path, v.value, v.message));
  return [...edge, ...structural(logicalId, resource, ctx)];
}

function structural(logicalId: string, resource: CfnResourceJson, ctx: ResidencyContext): ResidencyFinding[] {
  const props = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return checkS3Replication(logicalId, props, ctx);
    case 'AWS::DynamoDB::GlobalTable':
      return checkGlobalTable(logicalId, props, ctx);
    case 'AWS::Logs::SubscriptionFilter':
      return checkLogDestination(logicalId, 'DestinationArn', props, ctx);
    case 'AWS::Logs::Destination':
      return checkLogDestination(logicalId, 'TargetArn', props, ctx);
    case 'AWS::KinesisFirehose::DeliveryStream':
      return checkFirehose(logicalId, props, ctx);
    case 'AWS::KMS::Key':
      return props['MultiRegion'] === true
        ? [
            finding(
              'kms-multi-region-key',
              logicalId,
              'Properties.MultiRegion',
              true,
              'multi-Region key: key material can be replicated to other regions',
            ),
          ]
        : [];
    case 'AWS::CloudFront::Distribution':
      return ctx.residencyBound ? checkDistribution(logicalId, props) : [];
    case 'AWS::CloudFront::Function':
      return ctx.residencyBound
        ? [
            finding(
              'edge-inspection',
              logicalId,
              'Properties',
              resource.Type,
              'CloudFront Functions run at every edge location',
            ),
          ]
        : [];
    case 'AWS::IAM::Role':
      return ctx.residencyBound ? checkEdgeRole(logicalId, props) : [];
    default:
      return [];
  }
}

/** Every residency finding of one resource: references to other regions plus structural rules. */
export function checkResource(
  logicalId: string,
  resource: CfnResourceJson,
  ctx: ResidencyContext,
): ResidencyFinding[] {
  return [...scanReferences(logicalId, resource, ctx), ...checkStructure(logicalId, resource, ctx)];
}

/**
 * Cross-region references in a whole template: every string of `Resources`, `Outputs` and
 * `Parameters`. `Mappings` entries keyed by a region only apply when deployed there and are skipped.
 */
export function scanTemplateReferences(template: CfnTemplateJson, ctx: ResidencyContext): ResidencyFinding[] {
  const resources = Object.entries(template.Resources).flatMap(([id, r]) => scanReferences(id, r, ctx));
  const sections = (['Outputs', 'Parameters'] as const).flatMap((section) =>
    Object.entries(template[section] ?? {}).flatMap(([id, v]) =>
      collectStrings(v).flatMap((s) => scanString(`${section}.${id}`, s.path, s.key, s.text, ctx)),
    ),
  );
  return [...resources, ...sections];
}

/** Structural findings (replication, replicas, destinations, edge, multi-region keys) of a whole template. */
export function checkTemplateStructure(template: CfnTemplateJson, ctx: ResidencyContext): ResidencyFinding[] {
  return Object.entries(template.Resources).flatMap(([id, r]) => checkStructure(id, r, ctx));
}

/**
 * The stack's region and allowed regions checked against the geography table (config/regions.ts) when `zone` is
 * one of its zones: a stack labelled `EU` in `us-west-2` is a finding, not a report that says "EU/us-west-2".
 */
export function checkZoneGeography(zone: string, ctx: ResidencyContext): ResidencyFinding[] {
  if (!isResidencyZone(zone)) return [];
  return [...new Set([...ctx.allowedRegions, ...ctx.inferenceRegions])].flatMap((region) => {
    const message = zoneMismatch(region, zone);
    return message === undefined
      ? []
      : [
          {
            rule: 'zone-geography' as const,
            logicalId: '(stack)',
            path: 'zone',
            region,
            value: zone,
            message,
          },
        ];
  });
}
