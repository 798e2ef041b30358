/**
 * Data-store facts computed from a synthesized template: encryption and key, rotation,
 * retention, versioning / PITR, public access, TLS-only policy and removal policy.
 */
import {
  asArray,
  type CfnResourceJson,
  type CfnTemplateJson,
  flatten,
  isObject,
  type Json,
  prop,
  referencedLogicalIds,
} from './template';

/** Kind of data store the report covers. */
export type StoreKind =
  | 's3-bucket'
  | 'dynamodb-table'
  | 'log-group'
  | 'firehose-stream'
  | 'sns-topic'
  | 'sqs-queue'
  | 'sagemaker-endpoint-config'
  | 'kms-key';

/** CloudFormation type → store kind. */
export const STORE_TYPES: Readonly<Record<string, StoreKind>> = {
  'AWS::S3::Bucket': 's3-bucket',
  'AWS::DynamoDB::Table': 'dynamodb-table',
  'AWS::DynamoDB::GlobalTable': 'dynamodb-table',
  'AWS::Logs::LogGroup': 'log-group',
  'AWS::KinesisFirehose::DeliveryStream': 'firehose-stream',
  'AWS::SNS::Topic': 'sns-topic',
  'AWS::SQS::Queue': 'sqs-queue',
  'AWS::SageMaker::EndpointConfig': 'sagemaker-endpoint-config',
  'AWS::KMS::Key': 'kms-key',
};

/** IAM service prefix whose actions act on each store kind. */
export const STORE_SERVICE: Readonly<Record<StoreKind, string>> = {
  's3-bucket': 's3',
  'dynamodb-table': 'dynamodb',
  'log-group': 'logs',
  'firehose-stream': 'firehose',
  'sns-topic': 'sns',
  'sqs-queue': 'sqs',
  'sagemaker-endpoint-config': 'sagemaker',
  'kms-key': 'kms',
};

/** How a store is encrypted at rest. */
export interface Encryption {
  /** `kms-cmk` = customer managed key; `kms-aws-managed` = `aws/<service>` key; `service-default` = the service's own default (SSE-S3, AWS owned key, SSE-SQS). */
  readonly type: 'kms-cmk' | 'kms-aws-managed' | 'service-default' | 'none' | 'not-applicable';
  /** Logical id of the customer managed key when it is in this template. */
  readonly keyLogicalId?: string;
  /** The key reference as written when it is not a key of this template (ARN, alias). */
  readonly keyReference?: string;
  /** Human-readable detail (`aws:kms`, `AES256`, `AWS owned key`). */
  readonly detail: string;
}

/** Everything the report states about one data store. */
export interface StoreFacts {
  readonly logicalId: string;
  readonly type: string;
  readonly kind: StoreKind;
  readonly encryption: Encryption;
  /** Rotation of the key protecting the store (for a key: its own rotation); null when unknown or not applicable. */
  readonly keyRotation: boolean | null;
  /** Retention, lifecycle or TTL in words. */
  readonly retention: string;
  /** Versioning (S3) or point-in-time recovery (DynamoDB); null when not applicable. */
  readonly versioningOrPitr: string | null;
  /** Public access posture; null when not applicable. */
  readonly publicAccess: string | null;
  /** Whether a resource policy denies non-TLS requests; null when the store has no resource policy concept. */
  readonly tlsOnly: boolean | null;
  /** `DeletionPolicy` (CloudFormation default `Delete` when absent). */
  readonly deletionPolicy: string;
  /** `UpdateReplacePolicy` (default `Delete`). */
  readonly updateReplacePolicy: string;
  /** Further facts a reviewer should see (replication, data capture, deletion protection...). */
  readonly notes: readonly string[];
}

/** Resolves a key reference to a key of this template, or keeps the literal reference. */
export function keyEncryption(template: CfnTemplateJson, ref: Json | undefined, detail: string): Encryption {
  if (ref === undefined) return { type: 'kms-aws-managed', detail };
  const local = [...referencedLogicalIds(ref)].find((id) => template.Resources[id]?.Type === 'AWS::KMS::Key');
  if (local !== undefined) return { type: 'kms-cmk', keyLogicalId: local, detail };
  const text = flatten(ref) ?? JSON.stringify(ref);
  return /alias\/aws\//.test(text)
    ? { type: 'kms-aws-managed', keyReference: text, detail }
    : { type: 'kms-cmk', keyReference: text, detail };
}

function rotationOf(template: CfnTemplateJson, enc: Encryption): boolean | null {
  if (enc.keyLogicalId === undefined) return enc.type === 'kms-aws-managed' ? true : null;
  return template.Resources[enc.keyLogicalId]?.Properties?.['EnableKeyRotation'] === true;
}

function s3Encryption(template: CfnTemplateJson, res: CfnResourceJson): Encryption {
  const rule = asArray(
    prop(prop(res.Properties, 'BucketEncryption'), 'ServerSideEncryptionConfiguration'),
  )[0];
  const byDefault = prop(rule, 'ServerSideEncryptionByDefault');
  const algorithm = prop(byDefault, 'SSEAlgorithm');
  if (typeof algorithm === 'string' && algorithm.startsWith('aws:kms')) {
    const bucketKey = prop(rule, 'BucketKeyEnabled') === true ? ', bucket key' : '';
    return keyEncryption(template, prop(byDefault, 'KMSMasterKeyID'), `${algorithm}${bucketKey}`);
  }
  return {
    type: 'service-default',
    detail: algorithm === undefined ? 'SSE-S3 (S3 default)' : `${String(algorithm)}`,
  };
}

function days(n: Json | undefined): string {
  return `${String(n)} d`;
}

function s3Lifecycle(res: CfnResourceJson): string {
  const rules = asArray(prop(prop(res.Properties, 'LifecycleConfiguration'), 'Rules')).filter(
    (r) => prop(r, 'Status') !== 'Disabled',
  );
  const parts = rules.flatMap((r) => {
    const out: string[] = [];
    const prefix = prop(r, 'Prefix') ?? prop(prop(r, 'Filter'), 'Prefix');
    const where = typeof prefix === 'string' && prefix !== '' ? ` (${prefix}*)` : '';
    if (prop(r, 'ExpirationInDays') !== undefined)
      out.push(`expire after ${days(prop(r, 'ExpirationInDays'))}${where}`);
    const nc =
      prop(prop(r, 'NoncurrentVersionExpiration'), 'NoncurrentDays') ??
      prop(r, 'NoncurrentVersionExpirationInDays');
    if (nc !== undefined) out.push(`noncurrent versions expire after ${days(nc)}${where}`);
    const abort = prop(prop(r, 'AbortIncompleteMultipartUpload'), 'DaysAfterInitiation');
    if (abort !== undefined) out.push(`abort incomplete uploads after ${days(abort)}`);
    for (const t of asArray(prop(r, 'Transitions'))) {
      out.push(`to ${String(prop(t, 'StorageClass'))} after ${days(prop(t, 'TransitionInDays'))}${where}`);
    }
    return out;
  });
  return parts.length > 0 ? `lifecycle: ${parts.join('; ')}` : 'no lifecycle rule (kept until deleted)';
}

function s3PublicAccess(res: CfnResourceJson): string {
  const block = prop(res.Properties, 'PublicAccessBlockConfiguration');
  if (!isObject(block))
    return 'no PublicAccessBlock in template (S3 blocks public access on new buckets by default)';
  const flags = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
  const off = flags.filter((f) => block[f] !== true);
  return off.length === 0 ? 'blocked (all four settings)' : `NOT fully blocked: ${off.join(', ')} off`;
}

function s3Facts(template: CfnTemplateJson, res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const p = res.Properties ?? {};
  const notes: string[] = [];
  if (p['ReplicationConfiguration'] !== undefined) notes.push('replication configured');
  if (p['ObjectLockEnabled'] === true) notes.push('object lock enabled');
  const logging = prop(p['LoggingConfiguration'], 'DestinationBucketName');
  if (logging !== undefined) notes.push(`access logs to ${describeRef(logging)}`);
  const encryption = s3Encryption(template, res);
  return {
    encryption,
    retention: s3Lifecycle(res),
    versioningOrPitr: `versioning ${String(prop(p['VersioningConfiguration'], 'Status') ?? 'off').toLowerCase()}`,
    publicAccess: s3PublicAccess(res),
    notes,
  };
}

function ddbEncryption(template: CfnTemplateJson, res: CfnResourceJson): Encryption {
  const p = res.Properties ?? {};
  const sse = p['SSESpecification'];
  if (prop(sse, 'SSEEnabled') !== true)
    return { type: 'service-default', detail: 'AWS owned key (DynamoDB default)' };
  const replicaKey = asArray(p['Replicas'])
    .map((r) => prop(prop(r, 'SSESpecification'), 'KMSMasterKeyId'))
    .find((k) => k !== undefined);
  return keyEncryption(template, prop(sse, 'KMSMasterKeyId') ?? replicaKey, 'SSE-KMS');
}

function ddbFacts(template: CfnTemplateJson, res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const p = res.Properties ?? {};
  const replicas = asArray(p['Replicas']);
  const pitrSpecs =
    replicas.length > 0
      ? replicas.map((r) => prop(r, 'PointInTimeRecoverySpecification'))
      : [p['PointInTimeRecoverySpecification']];
  const pitr = pitrSpecs.every((s) => prop(s, 'PointInTimeRecoveryEnabled') === true);
  const period = prop(pitrSpecs[0], 'RecoveryPeriodInDays');
  const ttl = p['TimeToLiveSpecification'];
  const notes: string[] = [];
  const protectedFlags =
    replicas.length > 0
      ? replicas.map((r) => prop(r, 'DeletionProtectionEnabled'))
      : [p['DeletionProtectionEnabled']];
  if (protectedFlags.every((f) => f === true)) notes.push('deletion protection on');
  if (replicas.length > 0)
    notes.push(`global table, replicas: ${replicas.map((r) => describeRef(prop(r, 'Region'))).join(', ')}`);
  if (p['StreamSpecification'] !== undefined) notes.push('stream enabled');
  return {
    encryption: ddbEncryption(template, res),
    retention:
      prop(ttl, 'Enabled') === true
        ? `TTL on attribute '${String(prop(ttl, 'AttributeName'))}'`
        : 'no TTL (items kept until deleted)',
    versioningOrPitr: pitr ? `PITR on${period !== undefined ? ` (${String(period)} d)` : ''}` : 'PITR off',
    publicAccess: null,
    notes,
  };
}

function logGroupFacts(template: CfnTemplateJson, res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const p = res.Properties ?? {};
  const key = p['KmsKeyId'];
  return {
    encryption:
      key === undefined
        ? { type: 'service-default', detail: 'CloudWatch Logs service key' }
        : keyEncryption(template, key, 'KMS'),
    retention: p['RetentionInDays'] === undefined ? 'never expires' : `${String(p['RetentionInDays'])} d`,
    versioningOrPitr: null,
    publicAccess: null,
    notes: p['DataProtectionPolicy'] !== undefined ? ['data protection policy set'] : [],
  };
}

function firehoseFacts(template: CfnTemplateJson, res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const p = res.Properties ?? {};
  const sse = p['DeliveryStreamEncryptionConfigurationInput'];
  const keyType = prop(sse, 'KeyType');
  const encryption: Encryption =
    sse === undefined
      ? { type: 'none', detail: 'no server-side encryption on the stream' }
      : keyType === 'CUSTOMER_MANAGED_CMK'
        ? keyEncryption(template, prop(sse, 'KeyARN'), 'SSE (customer managed key)')
        : { type: 'service-default', detail: 'SSE (AWS owned key)' };
  const notes: string[] = [];
  for (const key of ['ExtendedS3DestinationConfiguration', 'S3DestinationConfiguration'] as const) {
    const dest = p[key];
    if (dest === undefined) continue;
    const destKey = prop(prop(prop(dest, 'EncryptionConfiguration'), 'KMSEncryptionConfig'), 'AWSKMSKeyARN');
    const keyText =
      destKey === undefined ? 'no KMS key on objects' : `objects encrypted with ${describeRef(destKey)}`;
    notes.push(`delivers to ${describeRef(prop(dest, 'BucketARN'))} (${keyText})`);
  }
  return {
    encryption,
    retention: 'transient buffer (undeliverable data retried up to 24 h)',
    versioningOrPitr: null,
    publicAccess: null,
    notes,
  };
}

function topicFacts(template: CfnTemplateJson, res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const key = res.Properties?.['KmsMasterKeyId'];
  return {
    encryption:
      key === undefined ? { type: 'none', detail: 'no KMS key' } : keyEncryption(template, key, 'SSE-KMS'),
    retention: 'transient (messages are delivered, not stored)',
    versioningOrPitr: null,
    publicAccess: null,
    notes: [],
  };
}

function queueFacts(template: CfnTemplateJson, res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const p = res.Properties ?? {};
  const key = p['KmsMasterKeyId'];
  return {
    encryption:
      key !== undefined
        ? keyEncryption(template, key, 'SSE-KMS')
        : p['SqsManagedSseEnabled'] === false
          ? { type: 'none', detail: 'SSE disabled' }
          : { type: 'service-default', detail: 'SSE-SQS (SQS default)' },
    retention:
      p['MessageRetentionPeriod'] === undefined
        ? '4 d (SQS default)'
        : `${Math.round(Number(p['MessageRetentionPeriod']) / 3600)} h`,
    versioningOrPitr: null,
    publicAccess: null,
    notes: [],
  };
}

function endpointConfigFacts(template: CfnTemplateJson, res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const p = res.Properties ?? {};
  const capture = p['DataCaptureConfig'];
  const notes =
    capture !== undefined && prop(capture, 'EnableCapture') !== false
      ? [
          `DATA CAPTURE to ${describeRef(prop(capture, 'DestinationS3Uri'))} (raw prompt content is stored; see "Raw prompt content")`,
        ]
      : ['no data capture'];
  return {
    encryption:
      p['KmsKeyId'] === undefined
        ? { type: 'service-default', detail: 'ML storage volume: AWS managed encryption' }
        : keyEncryption(template, p['KmsKeyId'], 'ML storage volume'),
    retention: 'volume lives with the endpoint instances',
    versioningOrPitr: null,
    publicAccess: null,
    notes,
  };
}

function keyFacts(res: CfnResourceJson): Omit<StoreFacts, CommonKeys> {
  const p = res.Properties ?? {};
  const notes = [
    `${String(p['KeySpec'] ?? 'SYMMETRIC_DEFAULT')} / ${String(p['KeyUsage'] ?? 'ENCRYPT_DECRYPT')}`,
  ];
  if (p['MultiRegion'] === true) notes.push('MULTI-REGION key');
  if (String(p['KeySpec'] ?? '').startsWith('HMAC') && p['EnableKeyRotation'] !== true) {
    notes.push('HMAC keys do not support automatic rotation');
  }
  if (p['Enabled'] === false) notes.push('disabled');
  if (p['RotationPeriodInDays'] !== undefined)
    notes.push(`rotation every ${String(p['RotationPeriodInDays'])} d`);
  return {
    encryption: { type: 'not-applicable', detail: 'key material in AWS KMS HSMs' },
    retention: `deletion waits ${String(p['PendingWindowInDays'] ?? 30)} d after scheduling`,
    versioningOrPitr: null,
    publicAccess: null,
    notes,
  };
}

type CommonKeys =
  | 'logicalId'
  | 'type'
  | 'kind'
  | 'keyRotation'
  | 'tlsOnly'
  | 'deletionPolicy'
  | 'updateReplacePolicy';

/** Describes a reference for humans: `Ref X` / `X.Arn` become the logical id, literals stay. */
export function describeRef(value: Json | undefined): string {
  if (value === undefined) return '(none)';
  const ids = [...referencedLogicalIds(value)];
  if (ids.length > 0) return ids.join(', ');
  return flatten(value) ?? JSON.stringify(value);
}

function kindFacts(
  template: CfnTemplateJson,
  kind: StoreKind,
  res: CfnResourceJson,
): Omit<StoreFacts, CommonKeys> {
  switch (kind) {
    case 's3-bucket':
      return s3Facts(template, res);
    case 'dynamodb-table':
      return ddbFacts(template, res);
    case 'log-group':
      return logGroupFacts(template, res);
    case 'firehose-stream':
      return firehoseFacts(template, res);
    case 'sns-topic':
      return topicFacts(template, res);
    case 'sqs-queue':
      return queueFacts(template, res);
    case 'sagemaker-endpoint-config':
      return endpointConfigFacts(template, res);
    case 'kms-key':
      return keyFacts(res);
  }
}

/** Logical ids of stores that a TLS-only deny (`aws:SecureTransport` = false) protects. */
export function tlsOnlyStores(template: CfnTemplateJson): Set<string> {
  const targets: Record<string, string> = {
    'AWS::S3::BucketPolicy': 'Bucket',
    'AWS::SNS::TopicPolicy': 'Topics',
    'AWS::SQS::QueuePolicy': 'Queues',
  };
  const out = new Set<string>();
  for (const res of Object.values(template.Resources)) {
    const targetKey = targets[res.Type];
    if (targetKey === undefined || !hasTlsDeny(res.Properties?.['PolicyDocument'])) continue;
    for (const id of referencedLogicalIds(res.Properties?.[targetKey])) out.add(id);
  }
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type === 'AWS::KMS::Key' && hasTlsDeny(res.Properties?.['KeyPolicy'])) out.add(id);
  }
  return out;
}

/** True when a policy document has a `Deny` on `aws:SecureTransport` = false. */
export function hasTlsDeny(document: Json | undefined): boolean {
  return asArray(prop(document, 'Statement')).some((s) => {
    if (prop(s, 'Effect') !== 'Deny') return false;
    const value = prop(prop(prop(s, 'Condition'), 'Bool'), 'aws:SecureTransport');
    return value === 'false' || value === false;
  });
}

/** Facts for every data store of the template, sorted by logical id. */
export function collectStores(template: CfnTemplateJson): StoreFacts[] {
  const tls = tlsOnlyStores(template);
  return Object.entries(template.Resources)
    .filter(([, res]) => STORE_TYPES[res.Type] !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([logicalId, res]) => {
      const kind = STORE_TYPES[res.Type] as StoreKind;
      const facts = kindFacts(template, kind, res);
      const keyRotation =
        kind === 'kms-key'
          ? res.Properties?.['EnableKeyRotation'] === true
          : rotationOf(template, facts.encryption);
      const hasPolicyConcept = ['s3-bucket', 'sns-topic', 'sqs-queue', 'kms-key'].includes(kind);
      return {
        logicalId,
        type: res.Type,
        kind,
        ...facts,
        keyRotation,
        tlsOnly: hasPolicyConcept ? tls.has(logicalId) : null,
        deletionPolicy: res.DeletionPolicy ?? 'Delete (default)',
        updateReplacePolicy: res.UpdateReplacePolicy ?? 'Delete (default)',
      };
    });
}

/** A place where raw prompt content (not a redacted excerpt, not a pseudonym) is stored, with how long. */
export interface RawContentStore {
  /** The resource that writes the content (a SageMaker endpoint config with data capture). */
  readonly writer: string;
  /** Bucket logical id (or the literal bucket when it is not in the template). */
  readonly bucket: string;
  /** Key prefix the content is written under. */
  readonly prefix: string;
  readonly content: string;
  /** Share of requests stored, in percent (null when not stated). */
  readonly samplingPercentage: number | null;
  /** Retention from the bucket's lifecycle rules that cover the prefix. */
  readonly retention: string;
}

/** Shortest expiration (days) among the enabled lifecycle rules of `bucket` that cover `prefix`. */
function expiryCovering(bucket: CfnResourceJson | undefined, prefix: string): number | undefined {
  const rules = asArray(prop(prop(bucket?.Properties, 'LifecycleConfiguration'), 'Rules')).filter(
    (r) => prop(r, 'Status') !== 'Disabled',
  );
  const covering = rules.filter((r) => {
    const p = prop(r, 'Prefix') ?? prop(prop(r, 'Filter'), 'Prefix') ?? '';
    return typeof p === 'string' && prefix.startsWith(p);
  });
  const days = covering
    .map((r) => prop(r, 'ExpirationInDays'))
    .filter((d): d is number => typeof d === 'number');
  return days.length > 0 ? Math.min(...days) : undefined;
}

/**
 * Stores of raw prompt content in the template: every SageMaker endpoint config with data capture on writes the
 * classifier's inputs (prompt text) and outputs to an S3 prefix. Retention is what the bucket's lifecycle rules
 * covering that prefix give it.
 */
export function collectRawContentStores(template: CfnTemplateJson): RawContentStore[] {
  return Object.entries(template.Resources)
    .filter(([, res]) => res.Type === 'AWS::SageMaker::EndpointConfig')
    .flatMap(([logicalId, res]) => {
      const capture = res.Properties?.['DataCaptureConfig'];
      if (capture === undefined || prop(capture, 'EnableCapture') === false) return [];
      const uri = prop(capture, 'DestinationS3Uri') ?? '';
      const flat = flatten(uri) ?? '';
      const bucketId = [...referencedLogicalIds(uri)].find(
        (id) => template.Resources[id]?.Type === 'AWS::S3::Bucket',
      );
      const prefix = /^s3:\/\/[^/]+\/?(.*)$/.exec(flat)?.[1] ?? '';
      const modes = asArray(prop(capture, 'CaptureOptions')).map((o) => String(prop(o, 'CaptureMode')));
      const sampling = prop(capture, 'InitialSamplingPercentage');
      const expiry =
        bucketId === undefined ? undefined : expiryCovering(template.Resources[bucketId], prefix);
      return [
        {
          writer: logicalId,
          bucket: bucketId ?? flat,
          prefix,
          content: `SageMaker data capture (${modes.join(' + ') || 'Input + Output'}): raw classifier inputs, i.e. prompt text, unredacted`,
          samplingPercentage: typeof sampling === 'number' ? sampling : null,
          retention:
            bucketId === undefined
              ? 'unknown (bucket outside this template)'
              : expiry === undefined
                ? 'KEPT UNTIL DELETED (no lifecycle rule covers the prefix)'
                : `${expiry} d`,
        },
      ];
    });
}
