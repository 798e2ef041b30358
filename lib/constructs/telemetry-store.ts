import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeGuard, nagResource } from '../nag';

/** Prefix under which Firehose writes decision records, partitioned by delivery date (UTC). */
export const DECISIONS_PREFIX = 'decisions/';
/** Prefix under which Firehose writes records it could not deliver. */
export const ERRORS_PREFIX = 'errors/';

/** Properties for {@link TelemetryStore}. */
export interface TelemetryStoreProps {
  /** The region's data key: bucket (SSE-KMS with bucket key), stream and log group are encrypted with it. */
  readonly encryptionKey: kms.IKey;

  /** How long decision records are kept; objects (and noncurrent versions) expire after it. */
  readonly retention: Duration;

  /**
   * How long S3 server access logs are kept.
   *
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;

  /**
   * Retention of the delivery stream's error log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly deliveryLogRetention?: logs.RetentionDays;

  /**
   * How long Firehose buffers before writing an object.
   *
   * @default Duration.seconds(60)
   */
  readonly bufferingInterval?: Duration;

  /**
   * What happens to the buckets and log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where decision records land: a KMS-encrypted, versioned, private S3 bucket with lifecycle expiry, fed by a
 * KMS-encrypted Firehose delivery stream (date-partitioned prefix, separate error prefix, own encrypted log group).
 *
 * The serving path subscribes its log groups to {@link deliveryStream} (see {@link grantPutRecords}).
 */
export class TelemetryStore extends Construct {
  /** Decision records and (when enabled) classifier data capture. */
  public readonly bucket: s3.Bucket;
  /** Server access logs of {@link bucket}. */
  public readonly accessLogBucket: s3.Bucket;
  /** Firehose stream writing into {@link bucket}. */
  public readonly deliveryStream: firehose.DeliveryStream;
  /** Firehose delivery error logs. */
  public readonly deliveryLogGroup: logs.LogGroup;
  /** Role Firehose assumes to write into {@link bucket}; it is denied every delete. */
  public readonly deliveryRole: iam.Role;

  constructor(scope: Construct, id: string, props: TelemetryStoreProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key = props.encryptionKey;

    // S3 server access logging cannot deliver to an SSE-KMS target bucket: this bucket uses SSE-S3 and
    // only ever holds access logs (no decision records, no content).
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: props.accessLogRetention ?? Duration.days(365),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
    acknowledgeGuard(
      this.accessLogBucket,
      's3_bucket_default_encryption_kms_check',
      'S3 server access logging does not support SSE-KMS target buckets; SSE-S3 is the strongest option.',
    );
    acknowledgeGuard(
      this.accessLogBucket,
      's3_bucket_logging_enabled_check',
      'This bucket is the access-log target; logging it to itself would loop and to another bucket would only move the problem.',
    );
    acknowledge(
      this.accessLogBucket,
      {
        id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
        reason:
          'S3 server access logging does not support SSE-KMS target buckets; SSE-S3 is the strongest option.',
      },
      {
        id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
        reason:
          'Residency: access logs stay in this region; cross-region replication is what this stack forbids.',
      },
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'telemetry/',
      lifecycleRules: [
        {
          id: 'expire-telemetry',
          expiration: props.retention,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
    acknowledge(this.bucket, {
      id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
      reason:
        'Residency: telemetry must not leave its region; versioning and lifecycle retention protect it instead.',
    });
    for (const bucket of [this.accessLogBucket, this.bucket]) {
      acknowledgeGuard(
        bucket,
        's3_bucket_object_lock_enabled_check',
        'Objects must expire on the configured retention (data minimization, raw-content capture); object lock would keep them past it. Versioning and the TLS/KMS bucket policy protect them meanwhile.',
      );
      acknowledgeGuard(
        bucket,
        's3_event_notifications_enabled_check',
        'Nothing consumes object events: Firehose writes decision records, Athena reads them on demand, and CloudTrail data events can audit access.',
      );
    }
    this.addEncryptionGuards(key);

    this.deliveryLogGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      encryptionKey: key,
      retention: props.deliveryLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });

    // Our own destination role, so it can carry an explicit deny: the L2 grants `grantReadWrite` (incl. delete)
    // on the bucket, and telemetry must never be deleted by its writer.
    this.deliveryRole = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Stack.of(this).account } },
      }),
      description: 'Firehose delivery of decision records into the telemetry bucket (never deletes)',
    });
    this.deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverDeleteTelemetry',
        effect: iam.Effect.DENY,
        actions: ['s3:DeleteObject*'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );

    this.deliveryStream = new firehose.DeliveryStream(this, 'DeliveryStream', {
      encryption: firehose.StreamEncryption.customerManagedKey(key),
      destination: new firehose.S3Bucket(this.bucket, {
        role: this.deliveryRole,
        encryptionKey: key,
        dataOutputPrefix: `${DECISIONS_PREFIX}year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`,
        errorOutputPrefix: `${ERRORS_PREFIX}!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`,
        bufferingInterval: props.bufferingInterval ?? Duration.seconds(60),
        compression: firehose.Compression.GZIP,
        // Records arrive as CloudWatch Logs subscription batches (gzipped envelopes): decompress and extract each
        // log message, so the bucket holds one decision-record log line per line (queryable by Athena).
        processors: [
          new firehose.DecompressionProcessor(),
          new firehose.CloudWatchLogProcessor({ dataMessageExtraction: true }),
        ],
        loggingConfig: new firehose.EnableLogging(this.deliveryLogGroup),
      }),
    });
    this.acknowledgeDeliveryRoles();
  }

  /**
   * The Firehose L2 grants the destination role `bucket.grantReadWrite` and both roles
   * `key.grantEncryptDecrypt`; it offers no narrower grant. Every finding below is scoped to this bucket or this
   * key, and deletes are explicitly denied on the destination role.
   */
  private acknowledgeDeliveryRoles(): void {
    const bucketObjects = nagResource(this, this.bucket.arnForObjects('*'));
    const l2 = "Firehose L2 grant, scoped to this region's telemetry bucket";
    acknowledge(
      this.deliveryRole,
      { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: `${l2}: abort failed multipart uploads.` },
      {
        id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        reason: `${l2} (grantReadWrite); overridden by the role's explicit NeverDeleteTelemetry deny.`,
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        reason: `${l2}: bucket location/ACL checks before delivery.`,
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason: `${l2}: multipart and retry reads of its own objects.`,
      },
      { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: `${l2}: list multipart uploads.` },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketObjects}]`,
        reason: `${l2}: object keys are generated per delivery batch.`,
      },
    );
    for (const scope of [this.deliveryRole, this.deliveryStream]) {
      acknowledge(
        scope,
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            'Firehose L2 key grant on the region key only: data keys for SSE-KMS stream and object encryption.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason: 'Firehose L2 key grant (grantEncryptDecrypt) on the region key only.',
        },
        {
          id: 'NIST.800.53.R5-IAMNoInlinePolicy',
          reason:
            'CDK-generated default policy of a Firehose role: attached to that one role, scoped to this bucket, key and log group.',
        },
      );
    }
  }

  /**
   * Expires objects under `prefix` after `retention` (and their noncurrent versions a day later), on top of the
   * bucket's own expiry: for stores of raw content such as SageMaker data capture.
   */
  public expireUnder(prefix: string, retention: Duration): void {
    this.bucket.addLifecycleRule({
      id: `expire-${prefix.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-+$/, '')}`,
      prefix,
      expiration: retention,
      noncurrentVersionExpiration: Duration.days(1),
    });
  }

  /** Lets `grantee` (e.g. the CloudWatch Logs subscription role) put records into the delivery stream. */
  public grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return this.deliveryStream.grantPutRecords(grantee);
  }

  /**
   * Lets `grantee` write objects under `prefix` of the bucket with the region's key (e.g. SageMaker data capture).
   */
  public grantWriteUnder(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return this.bucket.grantPut(grantee, `${prefix}*`);
  }

  /**
   * Bucket-policy guards on top of default encryption. Default encryption makes every object SSE-KMS with the
   * region's key, so a put without encryption headers is never stored unencrypted; a put that *names* another
   * encryption (`AES256`) or another key is refused. Writers that set the key header must give the key ARN
   * (Firehose and SageMaker data capture are configured with it). Non-TLS access is denied by `enforceSSL`.
   */
  private addEncryptionGuards(key: kms.IKey): void {
    const objects = this.bucket.arnForObjects('*');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutsNotEncryptedWithKms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutsWithAnotherKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: {
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn },
        },
      }),
    );
  }
}
