import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** KMS actions that use key material (as opposed to managing the key). */
export const KMS_DATA_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:GenerateMac',
  'kms:VerifyMac',
] as const;

/**
 * KMS actions that manage a key. Listed one by one (no `kms:Create*`, which would include `kms:CreateGrant`): none
 * uses key material or hands its use out. The administrator can still change the key policy (`kms:PutKeyPolicy`),
 * which CloudTrail records; what it cannot do is decrypt with the key as it stands.
 */
export const KMS_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

/** Key-policy statement ids the tests and the compliance report look for. */
export const KEY_POLICY_SIDS = {
  administration: 'KeyAdministrationWithoutUse',
  grantsForAwsResources: 'GrantsForAwsResourcesOfThisAccount',
  /** Prefix of the use statements, one per distinct action set (`KeyUse1`, `KeyUse2`, …). */
  use: 'KeyUse',
} as const;

/**
 * A customer managed key whose policy separates administration from use.
 *
 * CDK's default key policy (`@aws-cdk/aws-kms:defaultKeyPolicies`, always on in CDK v2) gives the account root
 * `kms:*` and lets IAM policies hand out everything, key use included. Passing an explicit `policy` turns that
 * statement off; this class then writes three kinds of statements instead:
 *
 * - administration: the administrators, {@link KMS_ADMIN_ACTIONS} only;
 * - grants for AWS resources: the account may let AWS services create grants on its behalf (DynamoDB tables,
 *   SageMaker volumes, Firehose), only with `kms:GrantIsForAWSResource`;
 * - use: every role this stack grants key use to (through any `grant*` method of the key, including the ones
 *   CDK's L2 constructs call) is named, with exactly the actions granted. A role in another stack or a principal
 *   that is neither a role of this stack nor an AWS service is refused at synth.
 */
class SeparatedKey extends kms.Key {
  private readonly useStatements = new Map<
    string,
    { statement: iam.PolicyStatement; roles: Set<iam.Role> }
  >();

  constructor(
    scope: Construct,
    id: string,
    props: Omit<kms.KeyProps, 'admins' | 'policy'> & { readonly administrators: readonly iam.IPrincipal[] },
  ) {
    const { administrators, ...keyProps } = props;
    const stack = Stack.of(scope);
    super(scope, id, {
      ...keyProps,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: KEY_POLICY_SIDS.administration,
            principals: [...administrators],
            actions: [...KMS_ADMIN_ACTIONS],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: KEY_POLICY_SIDS.grantsForAwsResources,
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:CreateGrant'],
            resources: ['*'],
            conditions: {
              Bool: { 'kms:GrantIsForAWSResource': 'true' },
              StringEquals: { 'kms:CallerAccount': stack.account },
            },
          }),
        ],
      }),
    });
  }

  /** Every grant on this key also names its grantee in the key policy (see the class comment). */
  public override get grants(): kms.KeyGrants {
    const grants = kms.KeyGrants.fromKey(this, true);
    const grant = grants.actions.bind(grants);
    return Object.assign(grants, {
      actions: (grantee: iam.IGrantable, ...actions: string[]): iam.Grant => {
        this.allowUse(grantee, actions);
        return grant(grantee, ...actions);
      },
    });
  }

  private allowUse(grantee: iam.IGrantable, actions: readonly string[]): void {
    const principal = grantee.grantPrincipal;
    // An AWS service has no identity policy: CDK writes its grant into the key policy itself.
    if (principal instanceof iam.ServicePrincipal) return;
    // A CMK-encrypted Secrets Manager secret (CDK's Secret): the account may use the key only through Secrets
    // Manager in this region (`kms:ViaService`), which is how the secret is created and read; the reader still needs
    // its own GetSecretValue and a key grant of its own.
    if (principal instanceof kms.ViaServicePrincipal && isSecretsManagerVia(principal)) return;
    if (!(principal instanceof iam.Role) || Stack.of(principal) !== Stack.of(this)) {
      throw new Error(
        `${this.node.path}: key use can only be granted to a role of this stack or an AWS service ` +
          `(got ${principal.toString()}); grant the role, not a policy or an imported principal`,
      );
    }
    const sorted = [...new Set(actions)].sort();
    const id = sorted.join(',');
    let use = this.useStatements.get(id);
    if (!use) {
      use = {
        statement: new iam.PolicyStatement({
          sid: `${KEY_POLICY_SIDS.use}${this.useStatements.size + 1}`,
          actions: sorted,
          resources: ['*'],
        }),
        roles: new Set(),
      };
      this.useStatements.set(id, use);
      this.addToResourcePolicy(use.statement);
    }
    if (use.roles.has(principal)) return;
    use.roles.add(principal);
    use.statement.addArnPrincipal(principal.roleArn);
  }
}

/** Whether a via-service principal names Secrets Manager (the only service granted key use this way). */
const isSecretsManagerVia = (principal: kms.ViaServicePrincipal): boolean =>
  JSON.stringify(principal.policyFragment.conditions).includes('"kms:ViaService":"secretsmanager.');

/** Properties for {@link RegionalKeys}. */
export interface RegionalKeysProps {
  /**
   * Days a deleted key waits before it is destroyed.
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;

  /**
   * Whether CloudWatch Logs in this region may use the data key for log groups of this account.
   *
   * @default true
   */
  readonly allowCloudWatchLogs?: boolean;

  /**
   * What happens to the keys when the stack is deleted. Keys protect retained data: keep them.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Who administers the keys ({@link KMS_ADMIN_ACTIONS} only, no use of key material). The principal CloudFormation
   * deploys with must be able to administer them (KMS refuses a key policy that would lock its caller out).
   *
   * @default - the account (its IAM policies decide which administrator roles hold the admin actions)
   */
  readonly administrators?: readonly iam.IPrincipal[];
}

/**
 * The region's keys: a symmetric data key (rotation on) for every encrypted resource of the stack, and an
 * HMAC_256 key to pseudonymize identifiers (`kms:GenerateMac`).
 *
 * Both key policies separate administration from use (see {@link SeparatedKey}: administrators manage, the
 * roles granted use are named one by one), deny the use of key material by principals of another account and
 * through AWS services in another region, and deny any request outside this region. No literal region or
 * partition: everything is built from the stack's tokens.
 */
export class RegionalKeys extends Construct {
  /** Symmetric encryption key for tables, buckets, logs, streams, topics and volumes of this region. */
  public readonly dataKey: kms.Key;
  /**
   * HMAC_256 key for pseudonymizing tenant and request identifiers. KMS does not rotate HMAC keys automatically;
   * rotating it would change every pseudonym, so a rotation is a planned migration, not a schedule.
   */
  public readonly hmacKey: kms.Key;

  constructor(scope: Construct, id: string, props: RegionalKeysProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const pendingWindow = props.pendingWindow ?? Duration.days(30);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const admins = props.administrators?.length ? props.administrators : [new iam.AccountRootPrincipal()];

    this.dataKey = new SeparatedKey(this, 'DataKey', {
      administrators: admins,
      description: `Safeguards data key (${stack.stackName}): telemetry, tables, logs, topics, volumes`,
      enableKeyRotation: true,
      pendingWindow,
      removalPolicy,
    });
    this.hmacKey = new SeparatedKey(this, 'HmacKey', {
      administrators: admins,
      description: `Safeguards HMAC key (${stack.stackName}): pseudonymized identifiers`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      pendingWindow,
      removalPolicy,
    });

    for (const key of [this.dataKey, this.hmacKey]) {
      addResidencyStatements(key);
    }

    if (props.allowCloudWatchLogs ?? true) {
      this.dataKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
          principals: [new iam.ServicePrincipal('logs.amazonaws.com')],
          actions: [
            'kms:Encrypt*',
            'kms:Decrypt*',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:Describe*',
          ],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
                service: 'logs',
                resource: 'log-group',
                resourceName: '*',
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
          },
        }),
      );
    }
  }

  /** Lets `grantee` pseudonymize identifiers with the HMAC key (`kms:GenerateMac`). */
  public grantGenerateMac(grantee: iam.IGrantable): iam.Grant {
    return this.hmacKey.grant(grantee, 'kms:GenerateMac');
  }

  /** Lets `grantee` check a pseudonym against an identifier (`kms:VerifyMac`). */
  public grantVerifyMac(grantee: iam.IGrantable): iam.Grant {
    return this.hmacKey.grant(grantee, 'kms:VerifyMac');
  }

  /** Lets `grantee` encrypt and decrypt with the data key. */
  public grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.dataKey.grantEncryptDecrypt(grantee);
  }
}

/**
 * Deny statements that keep a key's material inside this account and region. Management actions stay with the
 * administrators (the `KeyAdministrationWithoutUse` statement), so the key can never become unmanageable.
 */
const addResidencyStatements = (key: kms.Key): void => {
  const stack = Stack.of(key);
  const actions = [...KMS_DATA_ACTIONS];
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyPrincipalsOfOtherAccounts',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions,
      resources: ['*'],
      conditions: {
        StringNotEquals: { 'aws:PrincipalAccount': stack.account },
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyRequestsOutsideThisRegion',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions,
      resources: ['*'],
      conditions: { StringNotEquals: { 'aws:RequestedRegion': stack.region } },
    }),
  );
  // Grants are how AWS services (DynamoDB, SageMaker, Firehose, CloudWatch Logs) use the key on a caller's
  // behalf; a grant made for anything else would be a second, unaudited way to hand out key use
  // (Control Tower CT.KMS.PR.3).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsNotForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyUseThroughServicesInOtherRegions',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions,
      resources: ['*'],
      conditions: {
        Null: { 'kms:ViaService': 'false' },
        StringNotLike: { 'kms:ViaService': `*.${stack.region}.${stack.urlSuffix}` },
      },
    }),
  );
};
