import { AspectPriority, Aspects, CfnResource, type IAspect, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { IConstruct } from 'constructs';
import { isResidencyZone, zoneMismatch } from '../../config/regions';
import { checkResource, makeContext, type ResidencyContext } from '../report/residency-rules';
import type { CfnResourceJson, CfnTemplateJson } from '../report/template';

/** Props of {@link ResidencyGuard}. */
export interface ResidencyGuardProps {
  /** The region the guarded stack is deployed to (must match the stack's `env.region` when that is set). */
  readonly region: string;
  /**
   * The residency zone the region belongs to (e.g. `EU`, `US`); used in messages and the report. A zone of the
   * geography table (config/regions.ts) must contain `region` and every allowed region; any other label (such as
   * `OVERVIEW` for a metrics-only stack) is taken as given.
   */
  readonly zone: string;
  /**
   * Regions the zone allows resources of this stack to reference or send data to. With a zone of the geography
   * table, each must be in that zone.
   *
   * @default - only `region` itself
   */
  readonly allowedRegions?: readonly string[];
  /**
   * Whether the zone forbids content inspection at the edge (CloudFront functions, Lambda@Edge).
   *
   * @default true
   */
  readonly residencyBound?: boolean;
  /**
   * Regions the stack's Bedrock inference profile may route prompts to: Bedrock foundation-model and
   * inference-profile ARNs and profile ids in these regions pass, nothing else does. Each must lie in the zone.
   *
   * @default - none (Bedrock in the stack's region only)
   */
  readonly inferenceRegions?: readonly string[];
}

/** Construct metadata type under which the guard records the zone for the compliance report. */
export const RESIDENCY_METADATA_TYPE = 'csp:residency';

/** Shape of the {@link RESIDENCY_METADATA_TYPE} metadata entry on the stack. */
export interface ResidencyMetadata {
  readonly region: string;
  readonly zone: string;
  readonly allowedRegions: readonly string[];
  readonly residencyBound: boolean;
  readonly inferenceRegions: readonly string[];
}

/**
 * Refuses to synthesize a stack that references another region or zone or places content
 * inspection at the edge.
 *
 * The aspect attaches a validation to every `CfnResource` (L1, so L2 and raw L1 alike) and to the
 * stack. CDK runs validations after all aspects and `prepare`, on the final resolved properties, and
 * `app.synth()` (hence `cdk synth`) throws one error listing every violation as
 * `[construct/path] residency(ZONE/region) rule: reason`. See docs/adr/0003-residency-guard.md.
 *
 * @example
 * ResidencyGuard.apply(stack, { region: 'eu-central-1', zone: 'EU', allowedRegions: ['eu-west-1'] });
 */
export class ResidencyGuard implements IAspect {
  /**
   * Adds a guard to `stack` with read-only priority (after mutating aspects such as cdk-nag 2.x
   * or tagging), so it sees the final tree.
   */
  public static apply(stack: Stack, props: ResidencyGuardProps): ResidencyGuard {
    const guard = new ResidencyGuard(props);
    Aspects.of(stack).add(guard, { priority: AspectPriority.READONLY });
    return guard;
  }

  private readonly props: Required<ResidencyGuardProps>;
  private readonly localResources = new WeakMap<Stack, ReadonlyMap<string, string>>();

  public constructor(props: ResidencyGuardProps) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(props.region)) {
      throw new Error(`ResidencyGuard: region must be a literal region code, got '${props.region}'`);
    }
    if (isResidencyZone(props.zone)) {
      const outside = [props.region, ...(props.allowedRegions ?? [])]
        .map((r) => zoneMismatch(r, props.zone))
        .filter((m) => m !== undefined);
      if (outside.length > 0) throw new Error(`ResidencyGuard: ${outside.join('; ')}`);
    }
    this.props = {
      region: props.region,
      zone: props.zone,
      allowedRegions: [...new Set([props.region, ...(props.allowedRegions ?? [])])],
      residencyBound: props.residencyBound ?? true,
      inferenceRegions: [...(props.inferenceRegions ?? [])],
    };
  }

  /** Called by CDK for every construct under the scope the aspect was added to; registers the validations. */
  public visit(node: IConstruct): void {
    if (Stack.isStack(node)) {
      this.guardStack(node);
    } else if (CfnResource.isCfnResource(node)) {
      const resource = node;
      resource.node.addValidation({ validate: () => this.validateResource(resource) });
    } else if (node instanceof cloudfront.experimental.EdgeFunction && this.props.residencyBound) {
      node.node.addValidation({
        validate: () => [
          this.message(
            'edge-inspection',
            'Lambda@Edge function: runs in every edge location, outside the zone',
          ),
        ],
      });
    }
  }

  private guardStack(stack: Stack): void {
    const metadata: ResidencyMetadata = { ...this.props };
    stack.node.addMetadata(RESIDENCY_METADATA_TYPE, metadata);
    stack.node.addValidation({
      validate: () =>
        !Token.isUnresolved(stack.region) && stack.region !== this.props.region
          ? [
              this.message(
                'stack-region',
                `stack is deployed to '${stack.region}', the guard expects '${this.props.region}'`,
              ),
            ]
          : [],
    });
  }

  private validateResource(resource: CfnResource): string[] {
    const stack = Stack.of(resource);
    const template = stack.resolve(resource._toCloudFormation()) as Partial<CfnTemplateJson>;
    const ctx = this.context(stack);
    return Object.entries(template.Resources ?? {}).flatMap(([logicalId, json]: [string, CfnResourceJson]) =>
      checkResource(logicalId, json, ctx).map((f) =>
        this.message(f.rule, `${f.message} at ${logicalId}.${f.path} = ${truncate(f.value)}`),
      ),
    );
  }

  private context(stack: Stack): ResidencyContext {
    let local = this.localResources.get(stack);
    if (local === undefined) {
      local = new Map(
        stack.node
          .findAll()
          .filter(CfnResource.isCfnResource)
          .filter((r) => Stack.of(r) === stack)
          .map((r) => [stack.resolve(r.logicalId) as string, r.cfnResourceType]),
      );
      this.localResources.set(stack, local);
    }
    return makeContext(
      this.props.region,
      this.props.allowedRegions,
      local,
      this.props.residencyBound,
      this.props.inferenceRegions,
    );
  }

  private message(rule: string, reason: string): string {
    return `residency(${this.props.zone}/${this.props.region}) ${rule}: ${reason}`;
  }
}

function truncate(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
