import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { TABLE_LOGICAL_IDS } from '../../../../lib/constructs/enforcement-tables';
import { TABLE_DEFINITIONS, TABLE_NAMES, TTL_ATTRIBUTE } from '../../../../lib/constructs/table-definitions';
import { renderMarkdown } from '../../../../lib/report/markdown';
import { buildResidencyReport } from '../../../../lib/report/report';
import { parseTemplate } from '../../../../lib/report/template';
import { type RegionTemplates, regionTemplates, testConfig } from '../../helpers';

process.env['CDK_VALIDATION'] = 'false';

/** One App, four stacks (three example regions + one exercising mode `never` and an HTTPS upstream). */
const config = testConfig();

let t: RegionTemplates;

beforeAll(() => {
  t = regionTemplates(config);
});

const dataKeyRef = (template: Template): { 'Fn::GetAtt': [string, 'Arn'] } => {
  const keys = template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } });
  const ids = Object.keys(keys);
  expect(ids).toHaveLength(1);
  return { 'Fn::GetAtt': [ids[0]!, 'Arn'] };
};

describe('SafeguardsStack', () => {
  test('one stack per configured region, named after it', () => {
    expect([...t.regions].sort()).toEqual(['ap-southeast-2', 'eu-central-1', 'eu-west-1', 'us-east-1']);
  });

  test('no literal partition in any template', () => {
    for (const template of t.regions.map(t)) {
      expect(JSON.stringify(template.toJSON())).not.toMatch(/arn:aws-(cn|us-gov):/);
    }
  });

  describe('keys', () => {
    test('symmetric data key with rotation and HMAC_256 key for GenerateMac', () => {
      const template = t('eu-west-1');
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 30 });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeySpec: 'HMAC_256',
        KeyUsage: 'GENERATE_VERIFY_MAC',
      });
      template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test.each(['HMAC_256', Match.absent()])(
      'key policy (%s) keeps key material in this account and region',
      (keySpec) => {
        const template = t('eu-central-1');
        const denies = new Capture();
        template.hasResourceProperties('AWS::KMS::Key', {
          KeySpec: keySpec,
          KeyPolicy: { Statement: denies },
        });
        const statements = denies.asArray() as Array<{ Sid?: string; Effect: string; Condition?: unknown }>;
        const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid, s]));
        expect(bySid['DenyPrincipalsOfOtherAccounts']).toMatchObject({
          Effect: 'Deny',
          Condition: {
            StringNotEquals: { 'aws:PrincipalAccount': config.account },
            Bool: { 'aws:PrincipalIsAWSService': 'false' },
          },
        });
        expect(bySid['DenyRequestsOutsideThisRegion']).toMatchObject({
          Effect: 'Deny',
          Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-central-1' } },
        });
        expect(bySid['DenyGrantsNotForAwsResources']).toEqual({
          Sid: 'DenyGrantsNotForAwsResources',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: {
            BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
          },
        });
        expect(bySid['DenyUseThroughServicesInOtherRegions']).toMatchObject({
          Effect: 'Deny',
          Condition: {
            Null: { 'kms:ViaService': 'false' },
            StringNotLike: {
              'kms:ViaService': { 'Fn::Join': ['', ['*.eu-central-1.', { Ref: 'AWS::URLSuffix' }]] },
            },
          },
        });
      },
    );

    test('CloudWatch Logs may use the data key only for log groups of this account and region', () => {
      t('us-east-1').hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'logs.amazonaws.com' },
              Condition: {
                ArnLike: {
                  'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:111111111111:log-group:*',
                },
              },
            }),
          ]),
        },
      });
    });
  });

  describe('telemetry store', () => {
    test('bucket: region key with bucket key, versioned, private, lifecycle = configured retention, access logs', () => {
      const template = t('eu-west-1');
      const logBucket = new Capture();
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: dataKeyRef(template),
              },
            },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })]),
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logBucket }, LogFilePrefix: 'telemetry/' },
      });
      // The access-log target: SSE-S3 (access logging cannot write to SSE-KMS targets), private, versioned.
      expect(template.toJSON().Resources[logBucket.asString()]).toMatchObject({
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
          VersioningConfiguration: { Status: 'Enabled' },
        },
      });
    });

    test("retention follows each region's config", () => {
      t('eu-central-1').hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 14 })]) },
      });
      t('us-east-1').hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90 })]) },
      });
    });

    test('bucket policy denies non-TLS, another encryption and another key', () => {
      const template = t('eu-west-1');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Sid: 'DenyPutsNotEncryptedWithKms',
              Effect: 'Deny',
              Action: 's3:PutObject',
              Condition: {
                Null: { 's3:x-amz-server-side-encryption': 'false' },
                StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
              },
            }),
            Match.objectLike({
              Sid: 'DenyPutsWithAnotherKey',
              Effect: 'Deny',
              Condition: Match.objectLike({
                StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': dataKeyRef(template) },
              }),
            }),
          ]),
        },
      });
    });

    test('firehose: KMS stream encryption, KMS objects, date-partitioned and error prefixes, encrypted log group', () => {
      const template = t('eu-west-1');
      const logGroup = new Capture();
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamEncryptionConfigurationInput: {
          KeyType: 'CUSTOMER_MANAGED_CMK',
          KeyARN: dataKeyRef(template),
        },
        ExtendedS3DestinationConfiguration: Match.objectLike({
          EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: dataKeyRef(template) } },
          Prefix: Match.stringLikeRegexp(
            '^decisions/year=!\\{timestamp:yyyy\\}/month=!\\{timestamp:MM\\}/day=!\\{timestamp:dd\\}/$',
          ),
          ErrorOutputPrefix: Match.stringLikeRegexp('^errors/!\\{firehose:error-output-type\\}/'),
          CloudWatchLoggingOptions: Match.objectLike({ Enabled: true, LogGroupName: { Ref: logGroup } }),
        }),
      });
      expect(template.toJSON().Resources[logGroup.asString()]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { KmsKeyId: dataKeyRef(template), RetentionInDays: 365 },
      });
    });

    test('firehose: CloudWatch Logs batches are decompressed and each log message extracted (one record per line)', () => {
      t('eu-west-1').hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        ExtendedS3DestinationConfiguration: Match.objectLike({
          CompressionFormat: 'GZIP',
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              Match.objectLike({ Type: 'Decompression' }),
              Match.objectLike({
                Type: 'CloudWatchLogProcessing',
                Parameters: Match.arrayWith([
                  { ParameterName: 'DataMessageExtraction', ParameterValue: 'true' },
                ]),
              }),
            ],
          },
        }),
      });
    });

    test('firehose role: assumed by firehose for this account only, never deletes telemetry', () => {
      const template = t('eu-west-1');
      const role = new Capture();
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        ExtendedS3DestinationConfiguration: Match.objectLike({ RoleARN: { 'Fn::GetAtt': [role, 'Arn'] } }),
      });
      expect(
        template.toJSON().Resources[role.asString()].Properties.AssumeRolePolicyDocument.Statement,
      ).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'firehose.amazonaws.com' },
          Condition: { StringEquals: { 'sts:ExternalId': config.account } },
        },
      ]);
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role.asString() }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: 'NeverDeleteTelemetry', Effect: 'Deny', Action: 's3:DeleteObject*' }),
          ]),
        },
      });
    });
  });

  describe('enforcement tables', () => {
    test.each(TABLE_NAMES)(
      '%s: pinned logical id, on-demand, region key, PITR, deletion protection, retained',
      (name) => {
        const template = t('eu-west-1');
        const def = TABLE_DEFINITIONS[name];
        const resource = template.toJSON().Resources[TABLE_LOGICAL_IDS[name]];
        expect(resource).toMatchObject({
          Type: 'AWS::DynamoDB::Table',
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: {
            BillingMode: 'PAY_PER_REQUEST',
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: dataKeyRef(template) },
            KeySchema: [
              { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
              ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
            ],
          },
        });
        const ttl = resource.Properties.TimeToLiveSpecification;
        if (def.timeToLiveAttribute) {
          expect(ttl).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
        } else {
          expect(ttl).toBeUndefined();
        }
        expect(resource.Properties.Replicas).toBeUndefined();
      },
    );

    test('logical ids are pinned', () => {
      expect(TABLE_LOGICAL_IDS).toEqual({
        tenants: 'EnforcementTenantsTable',
        limits: 'EnforcementLimitsTable',
        violations: 'EnforcementViolationsTable',
        audit: 'EnforcementAuditTable',
      });
      t('us-east-1').resourceCountIs('AWS::DynamoDB::Table', 4);
    });

    test('TTL where it fits: limits and violations only', () => {
      expect(TABLE_NAMES.filter((n) => TABLE_DEFINITIONS[n].timeToLiveAttribute)).toEqual([
        'limits',
        'violations',
      ]);
    });
  });

  describe('perimeter', () => {
    test('isolated subnets only, in 2 AZs from Fn::GetAZs; no NAT, no internet gateway', () => {
      const template = t('eu-west-1');
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::InternetGateway', 0);
      template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 0);
      template.resourceCountIs('AWS::EC2::EIP', 0);
      const subnets = template.findResources('AWS::EC2::Subnet');
      expect(Object.values(subnets).map((s) => s.Properties.AvailabilityZone)).toEqual([
        { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
        { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
      ]);
      for (const subnet of Object.values(subnets)) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
      template.resourcePropertiesCountIs('AWS::EC2::Route', { DestinationCidrBlock: '0.0.0.0/0' }, 0);
    });

    test('gateway endpoints S3 + DynamoDB and interface endpoints with private DNS', () => {
      const template = t('eu-west-1');
      for (const service of ['s3', 'dynamodb']) {
        template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
          VpcEndpointType: 'Gateway',
          ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`.${service}`])] }),
        });
      }
      for (const service of [
        'kms',
        'sagemaker.runtime',
        'logs',
        'monitoring',
        'kinesis-firehose',
        'sns',
        'bedrock-runtime',
      ]) {
        template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
          VpcEndpointType: 'Interface',
          PrivateDnsEnabled: true,
          ServiceName: `com.amazonaws.eu-west-1.${service}`,
        });
      }
    });

    test('every endpoint admits only principals (and, but for Bedrock models, resources) of this account', () => {
      const template = t('eu-west-1');
      const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
      expect(endpoints).toHaveLength(9); // 2 gateway + 7 interface (incl. SNS for enforcement notifications)
      for (const endpoint of endpoints) {
        const bedrock = JSON.stringify(endpoint.Properties.ServiceName).includes('bedrock-runtime');
        expect(endpoint.Properties.PolicyDocument.Statement).toContainEqual({
          Sid: bedrock ? 'OnlyPrincipalsOfThisAccount' : 'OnlyPrincipalsAndResourcesOfThisAccount',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: '*',
          Resource: '*',
          Condition: {
            StringEquals: {
              'aws:PrincipalAccount': config.account,
              ...(bedrock ? {} : { 'aws:ResourceAccount': config.account }),
            },
          },
        });
      }
      expect(
        endpoints.filter((e) => JSON.stringify(e.Properties.ServiceName).includes('bedrock-runtime')),
      ).toHaveLength(1);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'EcrImageLayersOfThisRegion',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*',
            }),
          ]),
        },
      });
    });

    test('no Bedrock runtime endpoint when the upstream is not Bedrock', () => {
      const services = Object.values(t('eu-central-1').findResources('AWS::EC2::VPCEndpoint')).map(
        (e) => e.Properties.ServiceName,
      );
      expect(services).toContain('com.amazonaws.eu-central-1.sagemaker.runtime');
      expect(services).not.toContain('com.amazonaws.eu-central-1.bedrock-runtime');
    });

    test('endpoint security group: ingress 443 from the workload groups only, no other ingress', () => {
      const template = t('eu-west-1');
      const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
      expect(Object.values(ingress)).toHaveLength(2);
      for (const rule of Object.values(ingress)) {
        expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
        expect(rule.Properties.SourceSecurityGroupId).toBeDefined();
        expect(rule.Properties.CidrIp).toBeUndefined();
      }
      for (const sg of Object.values(template.findResources('AWS::EC2::SecurityGroup'))) {
        expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
        for (const egress of sg.Properties.SecurityGroupEgress ?? []) {
          expect(egress.IpProtocol === 'icmp' || egress.FromPort === 443).toBe(true);
        }
      }
    });

    test('flow logs (all traffic) to a KMS-encrypted log group', () => {
      const template = t('eu-west-1');
      const group = new Capture();
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'VPC',
        TrafficType: 'ALL',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: { Ref: group },
      });
      expect(template.toJSON().Resources[group.asString()].Properties.KmsKeyId).toEqual(dataKeyRef(template));
    });
  });

  describe('classifier endpoint', () => {
    test('image and model data from config, network isolation, isolated subnets', () => {
      const template = t('eu-west-1');
      const classifier = config.regions[0]!.classifier;
      template.hasResourceProperties('AWS::SageMaker::Model', {
        EnableNetworkIsolation: true,
        PrimaryContainer: Match.objectLike({
          Image: classifier.imageUri,
          ModelDataUrl: classifier.modelDataUrl,
        }),
        VpcConfig: {
          Subnets: [
            { Ref: Match.stringLikeRegexp('^PerimeterVpcisolatedSubnet1') },
            { Ref: Match.stringLikeRegexp('^PerimeterVpcisolatedSubnet2') },
          ],
          SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PerimeterClassifierSg'), 'GroupId'] }],
        },
      });
    });

    test('volume KmsKeyId for EBS-only GPU instances, omitted for instance-store ones; no data capture by default', () => {
      t('us-east-1').hasResourceProperties('AWS::SageMaker::EndpointConfig', {
        KmsKeyId: dataKeyRef(t('us-east-1')),
        ProductionVariants: [Match.objectLike({ InstanceType: 'ml.p3.2xlarge', InitialInstanceCount: 2 })],
      });
      t('eu-west-1').hasResourceProperties('AWS::SageMaker::EndpointConfig', {
        KmsKeyId: Match.absent(),
        DataCaptureConfig: Match.absent(),
        ProductionVariants: [Match.objectLike({ InstanceType: 'ml.g5.xlarge' })],
      });
    });

    test('data capture, when enabled, goes to the telemetry bucket under a prefix with the region key', () => {
      const template = t('us-east-1');
      template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
        DataCaptureConfig: Match.objectLike({
          EnableCapture: true,
          KmsKeyId: dataKeyRef(template),
          DestinationS3Uri: {
            'Fn::Join': [
              '',
              ['s3://', { Ref: Match.stringLikeRegexp('^TelemetryBucket') }, '/classifier-capture/'],
            ],
          },
        }),
      });
    });

    test('captures expire under their own lifecycle rule; the report lists the prefix as raw prompt content', () => {
      const template = t('us-east-1');
      const bucket = Object.keys(
        template.findResources('AWS::S3::Bucket', {
          Properties: {
            LifecycleConfiguration: {
              Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-telemetry' })]),
            },
          },
        }),
      );
      expect(bucket).toHaveLength(1);
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Prefix: 'classifier-capture/', ExpirationInDays: 7, Status: 'Enabled' }),
          ]),
        },
      });
      const report = buildResidencyReport(parseTemplate(template.toJSON(), 'us-east-1'), {
        stackName: 'Safeguards-us-east-1',
        region: 'us-east-1',
        zone: 'US',
      });
      expect(report.rawContentStores).toEqual([
        expect.objectContaining({
          bucket: bucket[0],
          prefix: 'classifier-capture/',
          samplingPercentage: 100,
          retention: '7 d',
        }),
      ]);
      expect(report.rawContentStores[0]!.content).toMatch(/prompt text, unredacted/);
      expect(renderMarkdown(report)).toMatch(/Raw prompt content stored: .*classifier-capture\/ \(7 d\)/);
      const eu = buildResidencyReport(parseTemplate(t('eu-west-1').toJSON(), 'eu-west-1'), {
        stackName: 'Safeguards-eu-west-1',
        region: 'eu-west-1',
        zone: 'EU',
      });
      expect(eu.rawContentStores).toEqual([]);
    });

    test('autoscaling between configured min and max on invocations per instance', () => {
      const template = t('us-east-1');
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        ServiceNamespace: 'sagemaker',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 1,
        MaxCapacity: 8,
        RoleARN: Match.absent(),
      });
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        }),
      });
    });

    test('execution role: reads the model object only, pulls only its repository', () => {
      const template = t('eu-west-1');
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'ReadModelData',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::safeguards-models-111111111111-eu-west-1/classifier/v1/model.tar.gz',
            }),
            Match.objectLike({
              Sid: 'PullClassifierImage',
              Resource: 'arn:aws:ecr:eu-west-1:111111111111:repository/safeguards-classifier',
            }),
            Match.objectLike({
              Sid: 'VolumeKeyGrantsForAwsResourcesOnly',
              Action: 'kms:CreateGrant',
              Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
            }),
          ]),
        },
      });
    });

    test('no endpoint when the classifier mode is never', () => {
      const template = t('ap-southeast-2');
      template.resourceCountIs('AWS::SageMaker::Endpoint', 0);
      template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    });
  });

  describe('alarm topic', () => {
    test('encrypted with the region key, TLS only, email and https subscriptions from config', () => {
      const template = t('eu-west-1');
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: dataKeyRef(template) });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'safeguards-oncall@example.com',
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'https',
        Endpoint: 'https://pager.example.com/hooks/safeguards',
      });
      t('ap-southeast-2').resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'https' }, 0);
    });

    test('CloudWatch alarms and SNS of this account may use the key to publish and dead-letter', () => {
      t('eu-west-1').hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: ['cloudwatch.amazonaws.com', 'sns.amazonaws.com'] },
              Condition: { StringEquals: { 'aws:SourceAccount': config.account } },
            }),
          ]),
        },
      });
    });

    test('undeliverable notifications go to an encrypted dead-letter queue', () => {
      const template = t('eu-west-1');
      const queue = new Capture();
      template.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: dataKeyRef(template),
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'https',
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } },
      });
      template.resourcePropertiesCountIs(
        'AWS::SNS::Subscription',
        { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queue.asString(), 'Arn'] } } },
        2,
      );
    });
  });
});
