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
}

/**
 * The region's keys: a symmetric data key (rotation on) for every encrypted resource of the stack, and an
 * HMAC_256 key to pseudonymize identifiers (`kms:GenerateMac`).
 *
 * Both key policies deny the use of key material by principals of another account and through AWS services
 * in another region, and deny any request outside this region. No literal region or partition: everything is
 * built from the stack's tokens.
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

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `Safeguards data key (${stack.stackName}): telemetry, tables, logs, topics, volumes`,
      enableKeyRotation: true,
      pendingWindow,
      removalPolicy,
    });
    this.hmacKey = new kms.Key(this, 'HmacKey', {
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
 * Deny statements that keep a key's material inside this account and region. `kms:*` management actions stay
 * with the account (the CDK default admin statement), so the key can never become unmanageable.
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
