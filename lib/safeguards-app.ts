import type { App } from 'aws-cdk-lib';
import { inferenceProfileOf } from '../config/regions';
import { allowedModels, type SafeguardsConfig } from '../config/schema';
import { ResidencyGuard } from './aspects/residency-guard';
import { addNagChecks } from './nag';
import { CLOUDFRONT_REGION, EDGE_STACK_NAME, EdgeStack } from './stacks/edge-stack';
import { OVERVIEW_STACK_NAME, OverviewStack } from './stacks/overview-stack';
import { SafeguardsStack, stackNameFor } from './stacks/safeguards-stack';

/**
 * Adds one {@link SafeguardsStack} per configured region to `app`, guards each with the residency Aspect and
 * registers the cdk-nag checks. Shared by `bin/app.ts` and the infra tests, so both synthesize exactly the same
 * tree with the same acknowledgements.
 */
export interface AddSafeguardsStacksOptions {
  /**
   * Register the cdk-nag packs. Only template-assertion tests turn this off; the nag test and `bin/` keep it.
   *
   * @default true
   */
  readonly nagChecks?: boolean;
}

/**
 * The cross-region overview (metrics-only dashboard) in its own stack, guarded to exactly the regions it shows.
 * Not added when `overviewRegion` is null.
 */
export const addOverviewStack = (app: App, config: SafeguardsConfig): OverviewStack | undefined => {
  if (config.overviewRegion === null) return undefined;
  const region = config.overviewRegion ?? config.regions[0]!.region;
  const stack = new OverviewStack(app, OVERVIEW_STACK_NAME, {
    stackName: OVERVIEW_STACK_NAME,
    env: { account: config.account, region },
    regions: config.regions.map((r) => ({ region: r.region, zone: r.residencyZone })),
  });
  ResidencyGuard.apply(stack, {
    region,
    zone: 'OVERVIEW',
    allowedRegions: [...new Set([region, ...config.regions.map((r) => r.region)])],
  });
  return stack;
};

/**
 * The optional global entry (docs/edge.md) in us-east-1, as CloudFront requires. Its residency guard allows edge
 * compute only in the content-free form (lib/report/edge-rules.ts). Not added without an `edge` section.
 */
export const addEdgeStack = (app: App, config: SafeguardsConfig): EdgeStack | undefined => {
  const edge = config.edge;
  if (edge === undefined) return undefined;
  const region = CLOUDFRONT_REGION;
  const zones = new Map(config.regions.map((r) => [r.region, r.residencyZone]));
  const stack = new EdgeStack(app, EDGE_STACK_NAME, {
    stackName: EDGE_STACK_NAME,
    env: { account: config.account, region },
    description: `CSP Safeguards for ${config.partner}: global entry (content-free edge checks, home-region routing)`,
    hostname: edge.hostname,
    certificateArn: edge.certificateArn,
    requestsPer5MinPerIp: edge.limits.requestsPer5MinPerIp,
    settings: {
      origins: Object.fromEntries(
        edge.origins.map((o) => [o.region, { domainName: o.domainName, zone: zones.get(o.region) ?? '' }]),
      ),
      claimPublicKeys: edge.claimPublicKeys,
      maxBodyBytes: edge.limits.maxBodyBytes,
      maxHeaderBytes: edge.limits.maxHeaderBytes,
      originSigningSecretName: edge.originSigningSecretName,
    },
  });
  ResidencyGuard.apply(stack, { region, zone: 'EDGE', residencyBound: false });
  return stack;
};

export const addSafeguardsStacks = (
  app: App,
  config: SafeguardsConfig,
  options: AddSafeguardsStacksOptions = {},
): SafeguardsStack[] => {
  const stacks = config.regions.map((settings) => {
    const name = stackNameFor(settings.region);
    const origin = config.edge?.origins.find((o) => o.region === settings.region);
    const stack = new SafeguardsStack(app, name, {
      stackName: name,
      env: { account: config.account, region: settings.region },
      partner: config.partner,
      settings,
      ...(config.runbookBaseUrl ? { runbookBaseUrl: config.runbookBaseUrl } : {}),
      ...(config.keyAdministratorRoleArns
        ? { keyAdministratorRoleArns: config.keyAdministratorRoleArns }
        : {}),
      ...(origin && config.edge
        ? {
            edgeOrigin: {
              domainName: origin.domainName,
              certificateArn: origin.certificateArn,
              ...(config.edge.requireEdge ? { requiredAssertionKeys: config.edge.originPublicKeys } : {}),
            },
          }
        : {}),
    });
    // Strict: a stack may reference its own region only, even within its zone; a Bedrock inference profile (already
    // validated to lie in the zone) may in addition reach the profile's regions, through Bedrock ARNs only.
    const inferenceRegions =
      settings.upstream.kind === 'bedrock'
        ? [...new Set(allowedModels(settings).flatMap((m) => inferenceProfileOf(m)?.regions ?? []))]
        : [];
    ResidencyGuard.apply(stack, {
      region: settings.region,
      zone: settings.residencyZone,
      ...(inferenceRegions.length > 0 ? { inferenceRegions } : {}),
    });
    return stack;
  });
  addOverviewStack(app, config);
  addEdgeStack(app, config);
  if (options.nagChecks ?? true) addNagChecks(app);
  return stacks;
};
