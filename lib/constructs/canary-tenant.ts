import * as path from 'node:path';
import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { API_KEY_BODY_LENGTH } from '../../lambdas/core/enforcement/keys';
import { toEnvironment } from '../../lambdas/shared/environment';
import { acknowledge, acknowledgeGuard, nagResource } from '../nag';
import type { EnforcementTables } from './enforcement-tables';
import { acknowledgeRuntimePin, DEFAULT_BUNDLING } from './serving-functions';

/** Repository root: the handler entry and the lockfile live under it (local esbuild bundling). */
const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** Handler entry of the provisioning function. */
export const CANARY_TENANT_ENTRY = path.join(PROJECT_ROOT, 'lambdas/canary-tenant/handler.ts');

/** Tenant id of the canary tenant a stack provisions. */
export const CANARY_TENANT_ID = 'safeguards-canary';

/**
 * `secretsmanager:GetSecretValue` on one secret for one role, and `kms:Decrypt` on the secret's key when it has one
 * (named in that key's policy, like every key use of this stack). Nothing else: no `DescribeSecret`, no other secret.
 */
export const grantSecretRead = (secret: secretsmanager.ISecret, role: iam.Role): void => {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    }),
  );
  secret.encryptionKey?.grant(role, 'kms:Decrypt');
};

/** Properties for {@link CanaryTenant}. */
export interface CanaryTenantProps {
  /** The region's enforcement tables: the key's hash goes into `tenants`. */
  readonly tables: EnforcementTables;
  /** The region's data key: encrypts the secret and the function's log group. */
  readonly encryptionKey: kms.IKey;
  /** Residency zone stored on the tenant (the region's `residencyZone`). */
  readonly zone: string;
  /**
   * Generation of the key. Raising it rotates the key: a new secret with a new generated key, its hash stored,
   * the canary switched to it, then the previous key revoked and its secret deleted (docs/runbooks/enforcement-live.md).
   *
   * @default 1
   */
  readonly keyGeneration?: number;
  /** @default CANARY_TENANT_ID */
  readonly tenantId?: string;
  /**
   * Bundling options merged over the serving defaults.
   *
   * @default - DEFAULT_BUNDLING
   */
  readonly bundling?: nodejs.BundlingOptions;
  /**
   * What happens to the function's log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The canary tenant and its API key, provisioned at deploy time with no manual step.
 *
 * - **Key.** A Secrets Manager secret of the stack, encrypted with the region's data key, whose value Secrets
 *   Manager generates at deploy time: 32 letters and digits, the API key being `csk_` + that value. The key never
 *   appears in the template, in a parameter or in a custom-resource response.
 * - **Tenant.** A custom resource (CDK provider framework; handler lambdas/canary-tenant/provision.ts) reads the secret and
 *   writes the SHA-256 of the key — hashed by the code the authorizer uses — to the `tenants` table as a key of the
 *   tenant `safeguards-canary`, tier `canary` (its blocks are never ladder strikes). Delete revokes that key.
 * - **Rotation.** `keyGeneration` + 1 creates a new secret; the custom resource stores the new key's hash and returns
 *   a new physical id, the canary is updated to the new secret, and in the clean-up phase CloudFormation deletes the
 *   old resource (the old key is revoked) and the old secret.
 *
 * Least privilege: the provisioning function may read this one secret (and decrypt it through Secrets Manager) and
 * get, put, delete and query (byTenant) items of the tenants table; the framework's function may only invoke it.
 */
export class CanaryTenant extends Construct {
  public readonly secret: secretsmanager.Secret;
  public readonly function: nodejs.NodejsFunction;
  public readonly resource: CustomResource;
  public readonly tenantId: string;

  constructor(scope: Construct, id: string, props: CanaryTenantProps) {
    super(scope, id);
    const generation = props.keyGeneration ?? 1;
    if (!Number.isInteger(generation) || generation < 1) {
      throw new Error(`CanaryTenant: keyGeneration must be a positive integer, got ${generation}`);
    }
    this.tenantId = props.tenantId ?? CANARY_TENANT_ID;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.secret = new secretsmanager.Secret(this, `ApiKeyG${generation}`, {
      description: `Safeguards canary API key, generation ${generation}: the key is csk_ followed by this value`,
      encryptionKey: props.encryptionKey,
      generateSecretString: {
        passwordLength: API_KEY_BODY_LENGTH,
        excludePunctuation: true,
        includeSpace: false,
      },
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.TWO_WEEKS,
      removalPolicy,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Safeguards canary tenant provisioning',
    });
    logGroup.grantWrite(role);
    grantSecretRead(this.secret, role);
    props.tables.grantTenantKeyProvisioning(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Safeguards canary tenant: stores the hash of the generated canary key (custom resource)',
      entry: CANARY_TENANT_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      role,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: { ...DEFAULT_BUNDLING, ...props.bundling },
      environment: toEnvironment('canaryTenant', { tenantsTable: props.tables.tenants.tableName }),
    });

    const frameworkLogs = new logs.LogGroup(this, 'ProviderLogs', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.TWO_WEEKS,
      removalPolicy,
    });
    // The framework's own role: invoke this one function, write its log group; no AWS managed policy.
    const frameworkRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Safeguards canary tenant provisioning: custom resource provider framework',
    });
    frameworkLogs.grantWrite(frameworkRole);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogs,
    });
    this.acknowledgeFindings(role, frameworkRole, provider, [logGroup, frameworkLogs]);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SafeguardsCanaryTenant',
      properties: { SecretId: this.secret.secretArn, TenantId: this.tenantId, Zone: props.zone },
    });
  }

  /** Findings on the secret, the two functions and their roles, with the decision behind each. */
  private acknowledgeFindings(
    role: iam.Role,
    frameworkRole: iam.Role,
    provider: cr.Provider,
    logGroups: readonly logs.LogGroup[],
  ): void {
    const rotation =
      'Rotated by raising regions[].canary.keyGeneration and deploying (a new generated secret, the new key stored, the old key revoked; docs/runbooks/enforcement-live.md): the key is only valid once its hash is in the tenants table, which a Secrets Manager rotation function would have to write as well.';
    acknowledge(
      this.secret,
      { id: 'AwsSolutions-SMG4', reason: rotation },
      { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: rotation },
    );
    const deployTime =
      'Runs only during deployments (CloudFormation custom resource), one invocation per stack operation; ';
    const framework = provider.node.findChild('framework-onEvent');
    const outsideVpc = `${deployTime}it reaches Secrets Manager, DynamoDB and (framework) the CloudFormation response URL in S3 over the public AWS endpoints; the isolated subnets have no Secrets Manager endpoint unless an HTTPS upstream needs one. It handles no customer data.`;
    for (const fn of [this.function, framework]) {
      acknowledgeGuard(fn, 'lambda_inside_vpc_check', outsideVpc);
      acknowledge(
        fn,
        { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: outsideVpc },
        {
          id: 'NIST.800.53.R5-LambdaConcurrency',
          reason: `${deployTime}reserved concurrency would carve capacity out of the account pool for nothing.`,
        },
        {
          id: 'NIST.800.53.R5-LambdaDLQ',
          reason: `${deployTime}invoked synchronously; a failure fails the stack operation, which CloudFormation reports and rolls back.`,
        },
        {
          id: 'Serverless-LambdaDLQ',
          reason: `${deployTime}invoked synchronously; a failure fails the stack operation, which CloudFormation reports and rolls back.`,
        },
        {
          id: 'Serverless-LambdaTracing',
          reason: `${deployTime}its outcome is in the stack events and its log group; traces would add an X-Ray grant for nothing.`,
        },
      );
    }
    acknowledgeRuntimePin(this.function);
    acknowledge(framework, {
      id: 'Serverless-LambdaDefaultMemorySize',
      reason:
        "The CDK provider framework's own function (forwards the event, answers CloudFormation); its size is CDK's.",
    });
    for (const logGroup of logGroups) {
      acknowledgeGuard(
        logGroup,
        'cloudwatch_log_group_retention_period_check',
        'Deploy-time provisioning lines only (tenant id, physical id; never the key); the stack events keep the outcome. Two weeks.',
      );
    }
    acknowledge(
      role,
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'CDK-generated default policy of the provisioning role: attached to that one role, scoped to its log group, its one secret, the tenants table and its byTenant index, and the data key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "Table grants on the region's data key only.",
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: "Table grants on the region's data key only.",
      },
    );
    acknowledge(
      frameworkRole,
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'CDK-generated default policy of the framework role: invoke of the provisioning function and writes to its own log group only.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, `${this.function.functionArn}:*`)}]`,
        reason:
          'The CDK provider framework may invoke every version and alias of the one provisioning function (lambda:InvokeFunction on <function ARN>:*).',
      },
    );
  }
}
