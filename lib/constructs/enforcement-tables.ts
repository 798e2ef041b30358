import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { type KeyAttribute, TABLE_DEFINITIONS, TABLE_NAMES, type TableName } from './table-definitions';

/**
 * CloudFormation logical ids of the tables. Pinned: renaming or moving a construct must never replace a table
 * (a replacement would drop enforcement state). `test/infra` asserts them.
 */
export const TABLE_LOGICAL_IDS: { readonly [K in TableName]: string } = {
  tenants: 'EnforcementTenantsTable',
  limits: 'EnforcementLimitsTable',
  violations: 'EnforcementViolationsTable',
  audit: 'EnforcementAuditTable',
};

/** Properties for {@link EnforcementTables}. */
export interface EnforcementTablesProps {
  /** The region's data key (customer managed); every table is encrypted with it. */
  readonly encryptionKey: kms.IKey;

  /**
   * Whether the tables refuse deletion (CloudFormation and API).
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * What happens to the tables when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const attribute = (a: KeyAttribute): dynamodb.Attribute => ({
  name: a.name,
  type: {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  }[a.type],
});

/**
 * Enforcement state of one region: `tenants`, `limits`, `violations`, `audit` (key schemas in
 * `table-definitions.ts`). On-demand, encrypted with the region's key, point-in-time recovery, deletion
 * protection, retained on stack deletion, no replicas.
 *
 * Access goes through the grant methods, which also grant the key.
 */
export class EnforcementTables extends Construct {
  public readonly tenants: dynamodb.Table;
  public readonly limits: dynamodb.Table;
  public readonly violations: dynamodb.Table;
  public readonly audit: dynamodb.Table;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: EnforcementTablesProps) {
    super(scope, id);
    this.key = props.encryptionKey;
    const make = (name: TableName): dynamodb.Table => {
      const def = TABLE_DEFINITIONS[name];
      const table = new dynamodb.Table(this, name.charAt(0).toUpperCase() + name.slice(1), {
        partitionKey: attribute(def.partitionKey),
        ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
        ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.encryptionKey,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: props.deletionProtection ?? true,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      for (const index of def.globalIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      (table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId(TABLE_LOGICAL_IDS[name]);
      acknowledge(table, {
        id: 'NIST.800.53.R5-DynamoDBInBackupPlan',
        reason:
          "Point-in-time recovery (35 days, in-region) is on and the table is retained with deletion protection; an AWS Backup plan is left to the partner's backup policy (no cross-region copies allowed).",
      });
      return table;
    };
    const [tenants, limits, violations, audit] = TABLE_NAMES.map(make);
    this.tenants = tenants!;
    this.limits = limits!;
    this.violations = violations!;
    this.audit = audit!;
  }

  /** Authorizer: look a tenant up by key hash or id (GetItem, Query, incl. the `byTenant` index). */
  public grantTenantRead(grantee: iam.IGrantable): iam.Grant {
    return this.tenants.grantReadData(grantee);
  }

  /** Operator API: create tenants and change their status. */
  public grantTenantWrite(grantee: iam.IGrantable): iam.Grant {
    return this.tenants.grantReadWriteData(grantee);
  }

  /** Rate limiter: read and conditionally update token buckets and leases. */
  public grantRateLimit(grantee: iam.IGrantable): iam.Grant {
    this.key.grantEncryptDecrypt(grantee);
    return this.limits.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  }

  /** Enforcement: count strikes (conditional `ADD`) and read the windows of a tenant. */
  public grantViolations(grantee: iam.IGrantable): iam.Grant {
    this.key.grantEncryptDecrypt(grantee);
    return this.violations.grant(grantee, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query');
  }

  /** Append-only writers of the audit log: `PutItem` only, no update, no delete. */
  public grantAuditAppend(grantee: iam.IGrantable): iam.Grant {
    this.key.grantEncrypt(grantee);
    this.key.grant(grantee, 'kms:Decrypt');
    return this.audit.grant(grantee, 'dynamodb:PutItem');
  }

  /** Operators and reviewers reading the audit log. */
  public grantAuditRead(grantee: iam.IGrantable): iam.Grant {
    return this.audit.grantReadData(grantee);
  }
}
