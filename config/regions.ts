/**
 * AWS regions and residency zones: the one geography table used by config validation, the residency guard
 * (lib/aspects/residency-guard.ts), the compliance report (lib/report/*) and the Bedrock inference-profile
 * rules. Pure data and functions, no AWS calls and no AWS SDK import, so bin/, lib/, lambdas/ and scripts/ can
 * all import it.
 *
 * Source: the region list and descriptions of the AWS SDK for JavaScript v3 endpoint partitions
 * (`@aws-sdk/core` 3.981.2, `partitions.json`) and the AWS CDK region table (`aws-cdk-lib/region-info`
 * 2.276.0), reviewed 2026-12-07. `test/infra/config/regions.test.ts` fails when either lists a region of the
 * `aws`, `aws-cn`, `aws-us-gov` or `aws-eusc` partition that this table does not classify.
 *
 * Zones are jurisdictions: `EU` is the regions in EU member states only (London is `UK`, Zurich is `CH`); other
 * public regions form one zone per country (ISO 3166 alpha-2 code, except `UK`); GovCloud (`US-GOV`), China
 * (`CN`) and the European Sovereign Cloud (`EUSC`) are zones of their own because they are separate partitions.
 * The isolated (ISO) partitions are not listed. See docs/residency-model.md (zones) and docs/adr/0008-residency-zones.md.
 */

import { closest, distance } from 'fastest-levenshtein';

/** A residency zone: the jurisdiction a region's data stays in. */
export type ResidencyZone =
  | 'US'
  | 'US-GOV'
  | 'CA'
  | 'MX'
  | 'BR'
  | 'CL'
  | 'EU'
  | 'UK'
  | 'CH'
  | 'EUSC'
  | 'IL'
  | 'AE'
  | 'BH'
  | 'SA'
  | 'ZA'
  | 'IN'
  | 'JP'
  | 'KR'
  | 'SG'
  | 'AU'
  | 'NZ'
  | 'ID'
  | 'MY'
  | 'TH'
  | 'HK'
  | 'TW'
  | 'CN';

/** AWS partition of a region. */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-eusc';

/** One row of the geography table. */
export interface RegionInfo {
  readonly region: string;
  /** AWS's name for the region (`Europe (Frankfurt)`). */
  readonly name: string;
  readonly partition: Partition;
  readonly zone: ResidencyZone;
}

const row = (
  region: string,
  name: string,
  zone: ResidencyZone,
  partition: Partition = 'aws',
): RegionInfo => ({
  region,
  name,
  partition,
  zone,
});

/** Every region this project can be deployed to, with its zone. Reviewed 2026-12-07 (see the module comment). */
export const REGIONS: readonly RegionInfo[] = [
  row('us-east-1', 'US East (N. Virginia)', 'US'),
  row('us-east-2', 'US East (Ohio)', 'US'),
  row('us-west-1', 'US West (N. California)', 'US'),
  row('us-west-2', 'US West (Oregon)', 'US'),
  row('us-gov-east-1', 'AWS GovCloud (US-East)', 'US-GOV', 'aws-us-gov'),
  row('us-gov-west-1', 'AWS GovCloud (US-West)', 'US-GOV', 'aws-us-gov'),
  row('ca-central-1', 'Canada (Central)', 'CA'),
  row('ca-west-1', 'Canada West (Calgary)', 'CA'),
  row('mx-central-1', 'Mexico (Central)', 'MX'),
  row('sa-east-1', 'South America (Sao Paulo)', 'BR'),
  row('sa-west-1', 'South America (Chile)', 'CL'),
  row('eu-central-1', 'Europe (Frankfurt)', 'EU'),
  row('eu-north-1', 'Europe (Stockholm)', 'EU'),
  row('eu-south-1', 'Europe (Milan)', 'EU'),
  row('eu-south-2', 'Europe (Spain)', 'EU'),
  row('eu-west-1', 'Europe (Ireland)', 'EU'),
  row('eu-west-3', 'Europe (Paris)', 'EU'),
  row('eu-west-2', 'Europe (London)', 'UK'),
  row('eu-central-2', 'Europe (Zurich)', 'CH'),
  row('eusc-de-east-1', 'AWS European Sovereign Cloud (Germany)', 'EUSC', 'aws-eusc'),
  row('il-central-1', 'Israel (Tel Aviv)', 'IL'),
  row('me-central-1', 'Middle East (UAE)', 'AE'),
  row('me-south-1', 'Middle East (Bahrain)', 'BH'),
  row('me-west-1', 'Middle East (Saudi Arabia)', 'SA'),
  row('af-south-1', 'Africa (Cape Town)', 'ZA'),
  row('ap-south-1', 'Asia Pacific (Mumbai)', 'IN'),
  row('ap-south-2', 'Asia Pacific (Hyderabad)', 'IN'),
  row('ap-northeast-1', 'Asia Pacific (Tokyo)', 'JP'),
  row('ap-northeast-3', 'Asia Pacific (Osaka)', 'JP'),
  row('ap-northeast-2', 'Asia Pacific (Seoul)', 'KR'),
  row('ap-southeast-1', 'Asia Pacific (Singapore)', 'SG'),
  row('ap-southeast-2', 'Asia Pacific (Sydney)', 'AU'),
  row('ap-southeast-4', 'Asia Pacific (Melbourne)', 'AU'),
  row('ap-southeast-6', 'Asia Pacific (New Zealand)', 'NZ'),
  row('ap-southeast-3', 'Asia Pacific (Jakarta)', 'ID'),
  row('ap-southeast-5', 'Asia Pacific (Malaysia)', 'MY'),
  row('ap-southeast-7', 'Asia Pacific (Thailand)', 'TH'),
  row('ap-east-1', 'Asia Pacific (Hong Kong)', 'HK'),
  row('ap-east-2', 'Asia Pacific (Taipei)', 'TW'),
  row('cn-north-1', 'China (Beijing)', 'CN', 'aws-cn'),
  row('cn-northwest-1', 'China (Ningxia)', 'CN', 'aws-cn'),
];

const BY_REGION: ReadonlyMap<string, RegionInfo> = new Map(REGIONS.map((r) => [r.region, r]));

/** Every known region code, in table order. */
/**
 * Where CloudFront distributions, their ACM certificates and Lambda@Edge functions are created (AWS requires
 * us-east-1 for all three; source: CloudFront developer guide, "Requirements for Lambda@Edge", 2026-12-07).
 */
export const CLOUDFRONT_CONTROL_REGION = 'us-east-1';

export const KNOWN_REGIONS: readonly string[] = REGIONS.map((r) => r.region);

/** Every residency zone, in table order of first appearance. */
export const RESIDENCY_ZONES: readonly ResidencyZone[] = [...new Set(REGIONS.map((r) => r.zone))];

/** True when `region` is a region of the table (exact, canonical lower-case code). */
export const isKnownRegion = (region: string): boolean => BY_REGION.has(region);

/**
 * The known region closest to `value` when `value` is plausibly a typo of it (at most 2 edits after
 * lower-casing and turning `_` into `-`), else `undefined`: the "did you mean" of config errors.
 */
export const nearestRegion = (value: string): string | undefined => {
  const candidate = value.trim().toLowerCase().replaceAll('_', '-');
  if (candidate === '') return undefined;
  const near = closest(candidate, KNOWN_REGIONS as string[]);
  return distance(candidate, near) <= 2 ? near : undefined;
};

/** True when `zone` is one of {@link RESIDENCY_ZONES}. */
export const isResidencyZone = (zone: string): zone is ResidencyZone =>
  (RESIDENCY_ZONES as readonly string[]).includes(zone);

/** The table row of `region`, or `undefined` for a region the table does not know. */
export const regionInfo = (region: string): RegionInfo | undefined => BY_REGION.get(region);

/** The residency zone of `region`, or `undefined` for a region the table does not know. */
export const zoneOf = (region: string): ResidencyZone | undefined => BY_REGION.get(region)?.zone;

/** The regions of `zone` in table order (empty for an unknown zone). */
export const regionsInZone = (zone: string): readonly string[] =>
  REGIONS.filter((r) => r.zone === zone).map((r) => r.region);

/**
 * Why `zone` does not fit `region`, or `undefined` when it does. The message names both:
 * `'EU' does not contain us-west-2 (zone of us-west-2: US)`.
 */
export const zoneMismatch = (region: string, zone: string): string | undefined => {
  const actual = zoneOf(region);
  if (actual === undefined) return `unknown region '${region}'`;
  return actual === zone ? undefined : `'${zone}' does not contain ${region} (zone of ${region}: ${actual})`;
};

/** Matches an AWS region code (commercial, China, GovCloud, ISO, European Sovereign Cloud) inside text. */
export const REGION_PATTERN =
  /(?<![a-z0-9])((?:us-gov|us-isob|us-isof|us-iso|eu-isoe|eusc-de|us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2})(?![0-9])/g;

/** True when `text` is exactly one region code (known or merely region-shaped). */
export function isRegionCode(text: string): boolean {
  return new RegExp(`^${REGION_PATTERN.source}$`).test(text);
}

/** Every region code mentioned in `text`, with its offset. */
export function findRegionCodes(text: string): { readonly region: string; readonly index: number }[] {
  return [...text.matchAll(REGION_PATTERN)].map((m) => ({ region: m[1] ?? m[0], index: m.index ?? 0 }));
}

/**
 * Destination regions Bedrock may route a system-defined cross-region inference profile to, by
 * profile prefix, for any model publisher: a conservative superset taken from the Bedrock user guide
 * ("Supported Regions and models for inference profiles", 2026-11). `undefined` means "any commercial
 * region" (`global.` profiles). Destination lists differ per model; {@link CLAUDE_PROFILE_GEOGRAPHIES}
 * narrows them for the Claude profiles this product serves.
 */
export const INFERENCE_PROFILE_GEOGRAPHIES: Readonly<Record<string, readonly string[] | undefined>> = {
  global: undefined,
  us: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  'us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  ca: ['ca-central-1', 'ca-west-1'],
  eu: [
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
  ],
  apac: [
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-7',
  ],
  jp: ['ap-northeast-1', 'ap-northeast-3'],
  au: ['ap-southeast-2', 'ap-southeast-4'],
};

/**
 * The reviewed profile → regions table of the Anthropic Claude geographic profiles (`<prefix>.anthropic.claude-…`):
 * the regions Bedrock may route a Claude request to, and exactly the regions the proxy's IAM grant lists. Where a
 * prefix is missing here, {@link INFERENCE_PROFILE_GEOGRAPHIES} applies.
 *
 * Source: Amazon Bedrock user guide, "Supported Regions and models for inference profiles" and the Claude model
 * cards (EU Anthropic Claude 4.x profiles: eu-central-1, eu-north-1, eu-south-1, eu-south-2, eu-west-1,
 * eu-west-3 — no London or Zurich), cross-checked with a public IAM fix for `eu.anthropic.*`
 * (github.com/javaBin/platform#47, 2026-03). Reviewed 2026-12-07. Verify a new profile before deploying it:
 * `aws bedrock get-inference-profile --inference-profile-identifier <id>` lists one model ARN per destination.
 *
 * Fail mode when Bedrock adds a destination not listed here: the proxy's role is not granted that region's
 * foundation model, so Bedrock refuses the invocation (AccessDenied → the client gets an upstream error): prompts
 * never reach an unlisted region, at the price of availability until this table is updated.
 */
export const CLAUDE_PROFILE_GEOGRAPHIES: Readonly<Record<string, readonly string[]>> = {
  us: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  eu: ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'],
  jp: ['ap-northeast-1', 'ap-northeast-3'],
  au: ['ap-southeast-2', 'ap-southeast-4'],
};

/** Matches a system-defined inference profile id such as `eu.anthropic.claude-sonnet-4-6`. */
export const INFERENCE_PROFILE_PATTERN =
  /(?<![A-Za-z0-9-])(global|us-gov|us|eu|apac|jp|au|ca)\.(anthropic|amazon|meta|mistral|cohere|deepseek|writer|ai21|twelvelabs|openai|qwen|stability|luma|google|nvidia|minimax|moonshot)\.[A-Za-z0-9._:-]+/g;

/** A system-defined (cross-region) inference profile id, parsed. */
export interface InferenceProfile {
  readonly profileId: string;
  /** `eu`, `us`, `global`, ... */
  readonly prefix: string;
  /** The model publisher (`anthropic`). */
  readonly publisher: string;
  /** The foundation model id without the prefix (`anthropic.claude-sonnet-4-6`). */
  readonly baseModelId: string;
  /** Regions Bedrock may route it to; `undefined` = any commercial region (global or unknown prefix). */
  readonly regions: readonly string[] | undefined;
}

/** The profile `modelId` names when it is exactly one system-defined inference profile id, else `undefined`. */
export const inferenceProfileOf = (modelId: string): InferenceProfile | undefined => {
  const m = new RegExp(`^${INFERENCE_PROFILE_PATTERN.source}$`).exec(modelId);
  if (!m) return undefined;
  return profileFromMatch(m[0], m[1] ?? '', m[2] ?? '');
};

const profileFromMatch = (profileId: string, prefix: string, publisher: string): InferenceProfile => {
  const claude = publisher === 'anthropic' && Object.hasOwn(CLAUDE_PROFILE_GEOGRAPHIES, prefix);
  const regions = claude
    ? CLAUDE_PROFILE_GEOGRAPHIES[prefix]
    : Object.hasOwn(INFERENCE_PROFILE_GEOGRAPHIES, prefix)
      ? INFERENCE_PROFILE_GEOGRAPHIES[prefix]
      : undefined;
  return { profileId, prefix, publisher, baseModelId: profileId.slice(prefix.length + 1), regions };
};

/**
 * Why `modelId` may not serve a region of `zone`, or `undefined` when it may. A plain (in-region) model id always
 * may; a geographic profile may when every region it reaches lies in the zone and the zone does not demand strict
 * in-region processing; `global.` never may. The message names the regions outside the zone.
 */
export const profileZoneProblem = (
  modelId: string,
  zone: string,
  strictInRegion: boolean,
): string | undefined => {
  const profile = inferenceProfileOf(modelId);
  if (profile === undefined) return undefined;
  if (strictInRegion) {
    return `zone ${zone} requires in-region processing: inference profile '${modelId}' routes to ${profile.regions?.join(', ') ?? 'any commercial region'}; name the in-region model id instead`;
  }
  if (profile.regions === undefined) {
    return `inference profile '${modelId}' routes to any commercial region, outside zone ${zone}`;
  }
  const outside = profile.regions.filter((r) => zoneOf(r) !== zone);
  return outside.length === 0
    ? undefined
    : `inference profile '${modelId}' routes to ${outside.join(', ')}, outside zone ${zone} (zone ${zone}: ${regionsInZone(zone).join(', ')})`;
};

/** Result of checking one inference profile id against the regions a zone allows. */
export interface ProfileCheck {
  readonly profileId: string;
  readonly prefix: string;
  /** Regions the profile may route to that the zone does not allow (`['*']` for global/unknown). */
  readonly outside: readonly string[];
}

/** Checks every inference profile id in `text`; returns only those spanning outside `allowed`. */
export function findOutOfZoneProfiles(text: string, allowed: ReadonlySet<string>): ProfileCheck[] {
  const out: ProfileCheck[] = [];
  for (const m of text.matchAll(INFERENCE_PROFILE_PATTERN)) {
    const profile = profileFromMatch(m[0], m[1] ?? '', m[2] ?? '');
    const outside = profile.regions === undefined ? ['*'] : profile.regions.filter((r) => !allowed.has(r));
    if (outside.length > 0) out.push({ profileId: m[0], prefix: profile.prefix, outside });
  }
  return out;
}
