/**
 * The residency and IAM report of one stack: a pure function of the synthesized template and the
 * stack's region/zone. Everything in it is computed from the template, nothing is asserted.
 */
import { type AccessGrant, collectAccess, collectPrincipals, type PrincipalFacts } from './access';
import { collectPromptProcessing, type PromptProcessing } from './prompt-processing';
import {
  checkTemplateStructure,
  checkZoneGeography,
  localResourcesOf,
  makeContext,
  type ResidencyFinding,
  scanTemplateReferences,
} from './residency-rules';
import { collectRawContentStores, collectStores, type RawContentStore, type StoreFacts } from './stores';
import type { CfnTemplateJson } from './template';

/** Version of the JSON report schema; bump on any breaking change to {@link ResidencyReport}. */
export const REPORT_SCHEMA_VERSION = 1;

/** Where the stack is and which regions its zone allows. */
export interface ReportTarget {
  readonly stackName: string;
  /** The stack's region, from the cloud assembly environment (`aws://account/region`). */
  readonly region: string;
  /** The residency zone (from the guard's stack metadata or the stack's zone tag), `unknown` when absent. */
  readonly zone: string;
  /**
   * Regions the zone allows.
   *
   * @default - only `region`
   */
  readonly allowedRegions?: readonly string[];
  /**
   * Whether edge inspection is forbidden.
   *
   * @default true
   */
  readonly residencyBound?: boolean;
  /**
   * Regions the stack's Bedrock inference profile may route prompts to (from the guard's metadata).
   *
   * @default - none
   */
  readonly inferenceRegions?: readonly string[];
}

/** One row of the summary table. */
export interface StoreSummaryRow {
  readonly store: string;
  readonly type: string;
  readonly encryption: string;
  readonly keyRotation: boolean | null;
  readonly tlsOnly: boolean | null;
  readonly deletionPolicy: string;
  readonly readers: number;
  readonly writers: number;
  readonly admins: number;
}

/** Machine-readable residency and IAM report of one stack (schema {@link REPORT_SCHEMA_VERSION}). */
export interface ResidencyReport {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly stackName: string;
  readonly region: string;
  readonly zone: string;
  readonly allowedRegions: readonly string[];
  readonly summary: {
    readonly resources: number;
    readonly stores: number;
    /** Stores without encryption at rest. */
    readonly unencryptedStores: readonly string[];
    /** Stores encrypted with a customer managed key of this stack whose rotation is off. */
    readonly storesWithoutKeyRotation: readonly string[];
    /** Grants whose statement used `Resource: "*"`, `NotAction` or `Principal: "*"`. */
    readonly wildcardGrants: number;
    readonly crossRegionReferences: number;
    readonly residencyRuleFindings: number;
    readonly rows: readonly StoreSummaryRow[];
  };
  readonly stores: readonly StoreFacts[];
  /** Where raw prompt content is stored (SageMaker data capture prefixes), with retention. */
  readonly rawContentStores: readonly RawContentStore[];
  readonly access: readonly AccessGrant[];
  readonly principals: readonly PrincipalFacts[];
  /** References to other regions found in any string of Resources, Outputs and Parameters. */
  readonly crossRegionReferences: readonly ResidencyFinding[];
  /** Zone geography, replication, replicas, destinations, edge compute and multi-region keys. */
  readonly residencyRuleFindings: readonly ResidencyFinding[];
  /** Regions that may process prompts, from the stack's model-invocation grants. */
  readonly promptProcessing: PromptProcessing;
}

function encryptionLabel(store: StoreFacts): string {
  const e = store.encryption;
  const key = e.keyLogicalId ?? e.keyReference;
  switch (e.type) {
    case 'kms-cmk':
      return `KMS CMK ${key ?? ''}`.trim();
    case 'kms-aws-managed':
      return 'KMS AWS managed key';
    case 'service-default':
      return e.detail;
    case 'none':
      return 'NONE';
    case 'not-applicable':
      return 'n/a';
  }
}

function countLevel(access: readonly AccessGrant[], store: string, level: string): number {
  return access.filter((g) => g.store === store && g.levels.includes(level as AccessGrant['levels'][number]))
    .length;
}

/** Builds the report of one stack from its parsed template. */
export function buildResidencyReport(template: CfnTemplateJson, target: ReportTarget): ResidencyReport {
  const ctx = makeContext(
    target.region,
    target.allowedRegions,
    localResourcesOf(template),
    target.residencyBound,
    target.inferenceRegions,
  );
  const stores = collectStores(template);
  const access = collectAccess(template);
  const crossRegionReferences = scanTemplateReferences(template, ctx);
  const residencyRuleFindings = [
    ...checkZoneGeography(target.zone, ctx),
    ...checkTemplateStructure(template, ctx),
  ];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    stackName: target.stackName,
    region: target.region,
    zone: target.zone,
    allowedRegions: [...ctx.allowedRegions].sort(),
    summary: {
      resources: Object.keys(template.Resources).length,
      stores: stores.length,
      unencryptedStores: stores.filter((s) => s.encryption.type === 'none').map((s) => s.logicalId),
      storesWithoutKeyRotation: stores
        .filter((s) => s.encryption.keyLogicalId !== undefined && s.keyRotation === false)
        .map((s) => s.logicalId),
      wildcardGrants: access.filter((g) => g.wildcard).length,
      crossRegionReferences: crossRegionReferences.length,
      residencyRuleFindings: residencyRuleFindings.length,
      rows: stores.map((s) => ({
        store: s.logicalId,
        type: s.type,
        encryption: encryptionLabel(s),
        keyRotation: s.keyRotation,
        tlsOnly: s.tlsOnly,
        deletionPolicy: s.deletionPolicy,
        readers: countLevel(access, s.logicalId, 'read'),
        writers: countLevel(access, s.logicalId, 'write'),
        admins: countLevel(access, s.logicalId, 'admin'),
      })),
    },
    stores,
    rawContentStores: collectRawContentStores(template),
    access,
    principals: collectPrincipals(template),
    promptProcessing: collectPromptProcessing(template, target.region),
    crossRegionReferences,
    residencyRuleFindings,
  };
}
