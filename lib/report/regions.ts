/**
 * Region-name recognition and the Bedrock cross-region inference geographies, shared by the
 * residency guard and the compliance report. Pure data and functions; no AWS calls.
 */

/** Matches an AWS region code (commercial, China, GovCloud, ISO, European Sovereign Cloud). */
export const REGION_PATTERN =
  /(?<![a-z0-9])((?:us-gov|us-isob|us-isof|us-iso|eu-isoe|eusc-de|us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2})(?![0-9])/g;

/** True when `text` is exactly one region code. */
export function isRegionCode(text: string): boolean {
  return new RegExp(`^${REGION_PATTERN.source}$`).test(text);
}

/** Every region code mentioned in `text`, with its offset. */
export function findRegionCodes(text: string): { readonly region: string; readonly index: number }[] {
  return [...text.matchAll(REGION_PATTERN)].map((m) => ({ region: m[1] ?? m[0], index: m.index ?? 0 }));
}

/**
 * Destination regions Bedrock may route a system-defined cross-region inference profile to, by
 * profile prefix. A conservative superset taken from the Bedrock user guide (2026-11); `undefined`
 * means "any commercial region" (global profiles). Destination lists change per model over time;
 * ids with a prefix missing here are not recognised (see docs/residency-model.md, limits).
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

/** Matches a system-defined inference profile id such as `eu.anthropic.claude-sonnet-4-5-20250929-v1:0`. */
export const INFERENCE_PROFILE_PATTERN =
  /(?<![A-Za-z0-9-])(global|us-gov|us|eu|apac|jp|au|ca)\.(anthropic|amazon|meta|mistral|cohere|deepseek|writer|ai21|twelvelabs|openai|qwen|stability|luma|google|nvidia|minimax|moonshot)\.[A-Za-z0-9._:-]+/g;

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
    const prefix = m[1] ?? '';
    const destinations = Object.hasOwn(INFERENCE_PROFILE_GEOGRAPHIES, prefix)
      ? INFERENCE_PROFILE_GEOGRAPHIES[prefix]
      : undefined;
    const outside = destinations === undefined ? ['*'] : destinations.filter((r) => !allowed.has(r));
    if (outside.length > 0) out.push({ profileId: m[0], prefix, outside });
  }
  return out;
}
