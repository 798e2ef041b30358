import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
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

/** The tenants table's index from tenant id to its keys. */
const BY_TENANT = ((): string => {
  const index = TABLE_DEFINITIONS.tenants.globalIndexes?.[0];
  if (!index) throw new Error('EnforcementTables: the tenants table definition has no index');
  return index.indexName;
})();

/** DynamoDB actions that write an item (the caller then needs data keys, not only decrypt). */
const WRITE_ACTIONS: ReadonlySet<string> = new Set([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
]);

/** Key actions of a table reader (CDK's `grantReadData` set). */
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

/** Key actions of a table writer (CDK's `grantReadWriteData` set). */
const KEY_WRITE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
];

/** One caller's access to one table or index: exactly these actions, optionally on these partition keys only. */
interface TableAccess {
  readonly table: TableName;
  readonly index?: string;
  readonly actions: readonly string[];
  /** `dynamodb:LeadingKeys`: the partition key values the caller may touch. */
  readonly leadingKeys?: readonly string[];
}

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
 * Access goes through one grant method per caller (authorizer, proxy, operator API), each with exactly the
 * actions, tables and index its code calls (`lambdas/adapters/dynamo/`), and the key actions those need.
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

  /**
   * Authorizer: looks a key up by its hash (`GetItem` on `tenants`) and admits requests against its token bucket
   * and leases (`GetItem`, `UpdateItem` on `limits`). Nothing else: no index, no write to `tenants`.
   */
  public grantAuthorizer(grantee: iam.IGrantable): void {
    this.grantAccess(grantee, [
      { table: 'tenants', actions: ['dynamodb:GetItem'] },
      { table: 'limits', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
    ]);
  }

  /**
   * Proxy: reads the regional controls (`GetItem` on `tenants`), settles token buckets (`limits`), counts strikes and
   * reads a tenant's windows (`violations`), finds a tenant's keys through the `byTenant` index and updates their
   * status (the ladder; a status update whose condition failed without the item returned, i.e. a key deleted meanwhile,
   * reads the key item back: `GetItem`, docs/adr/0057), and appends audit events (`PutItem` only). `GetItem` on key
   * items reads nothing the index does not already give the proxy (it projects every attribute).
   */
  public grantProxy(grantee: iam.IGrantable): void {
    this.grantAccess(grantee, [
      { table: 'tenants', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      { table: 'tenants', index: BY_TENANT, actions: ['dynamodb:Query'] },
      { table: 'limits', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      { table: 'violations', actions: ['dynamodb:Query', 'dynamodb:UpdateItem'] },
      { table: 'audit', actions: ['dynamodb:PutItem'] },
    ]);
  }

  /**
   * Operator API (`lambdas/operator/handler.ts` routes): reads and writes the regional controls item (`GetItem`,
   * `PutItem`), creates tenants and their first key (`PutItem`), finds a tenant's keys through the `byTenant`
   * index and changes their status, limits or overrides (`UpdateItem`), resolves a `tn_` pseudonym by listing the
   * tenants (`Scan`), resets strikes on reinstatement and counts suspensions (`GetItem` of the strike item, `UpdateItem` on
   * `violations`), appends and reads audit events. No delete anywhere, never `limits`.
   */
  public grantOperator(grantee: iam.IGrantable): void {
    this.grantAccess(grantee, [
      {
        table: 'tenants',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      },
      { table: 'tenants', index: BY_TENANT, actions: ['dynamodb:Query'] },
      { table: 'violations', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      { table: 'audit', actions: ['dynamodb:PutItem', 'dynamodb:Query'] },
    ]);
  }

  /**
   * Canary-tenant provisioning (deploy time, lambdas/canary-tenant): read a key item, add one (conditional
   * `PutItem`), revoke one (conditional `DeleteItem`) and list a tenant's keys through the `byTenant` index. No scan,
   * no update, no other table.
   */
  public grantTenantKeyProvisioning(grantee: iam.IGrantable): void {
    this.grantAccess(grantee, [
      { table: 'tenants', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] },
      { table: 'tenants', index: BY_TENANT, actions: ['dynamodb:Query'] },
    ]);
  }

  /**
   * One statement per table (or index) with exactly `actions`, and the key actions DynamoDB needs for them: reads
   * decrypt, writes also generate data keys. The key grant goes through the key, so its policy names the caller.
   */
  private grantAccess(grantee: iam.IGrantable, access: readonly TableAccess[]): void {
    for (const a of access) {
      const tableArn = this[a.table].tableArn;
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...a.actions],
          resources: [a.index ? `${tableArn}/index/${a.index}` : tableArn],
          ...(a.leadingKeys
            ? { conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...a.leadingKeys] } } }
            : {}),
        }),
      );
    }
    const writes = access.some((a) => a.actions.some((x) => WRITE_ACTIONS.has(x)));
    this.key.grant(grantee, ...(writes ? KEY_WRITE_ACTIONS : KEY_READ_ACTIONS));
  }
}
