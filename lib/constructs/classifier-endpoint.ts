import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeGuard, nagResource } from '../nag';

/** Service-linked role Application Auto Scaling uses for SageMaker variants. */
const SAGEMAKER_SCALING_SLR =
  'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint';

/** Name of the single production variant. */
export const VARIANT_NAME = 'AllTraffic';

/**
 * GPU families whose instances come with local NVMe instance storage. SageMaker encrypts those volumes in
 * hardware and rejects `KmsKeyId` on the endpoint config for them (CreateEndpointConfig fails).
 */
export const LOCAL_STORAGE_GPU_FAMILIES: readonly string[] = [
  'g4dn',
  'g4ad',
  'g5',
  'g6',
  'g6e',
  'p3dn',
  'p4d',
  'p4de',
  'p5',
  'p5e',
  'p5en',
];

/** `ml.g5.xlarge` → `g5`. */
export const instanceFamily = (instanceType: string): string => instanceType.split('.')[1] ?? '';

/** Default key prefix of SageMaker data capture in the telemetry bucket. */
export const CAPTURE_PREFIX = 'classifier-capture/';

/** Where captured requests/responses go. */
export interface DataCaptureDestination {
  /** The region's telemetry bucket. */
  readonly bucket: s3.IBucket;
  /**
   * Key prefix inside the bucket (no leading slash).
   *
   * @default CAPTURE_PREFIX
   */
  readonly prefix?: string;
  /**
   * Percentage of invocations captured.
   *
   * @default 100
   */
  readonly samplingPercentage?: number;
}

/** Properties for {@link ClassifierEndpoint}. */
export interface ClassifierEndpointProps {
  /** Container image implementing `GET /ping` and `POST /invocations` (private ECR, this region). */
  readonly imageUri: string;
  /** `s3://bucket/key` of the model artifact. */
  readonly modelDataUrl: string;
  /** GPU hosting instance type (`ml.g*` / `ml.p*`). */
  readonly instanceType: string;
  readonly initialInstanceCount: number;
  readonly minInstanceCount: number;
  readonly maxInstanceCount: number;
  /** The region's data key: storage volume (where supported) and data capture. */
  readonly encryptionKey: kms.IKey;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];

  /**
   * Target of the `SageMakerVariantInvocationsPerInstance` tracking policy (invocations per instance per minute).
   *
   * @default 600
   */
  readonly targetInvocationsPerInstance?: number;

  /**
   * Cooldown after a scale-in activity.
   *
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * Cooldown after a scale-out activity.
   *
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;

  /**
   * Capture invocations into the telemetry bucket.
   *
   * @default - no data capture (no `DataCaptureConfig`)
   */
  readonly dataCapture?: DataCaptureDestination;

  /**
   * Retention of the endpoint's log group (`/aws/sagemaker/Endpoints/<endpoint name>`, created here, encrypted with
   * `encryptionKey`).
   *
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Extra container environment (no secrets).
   *
   * @default - none
   */
  readonly environment?: { readonly [name: string]: string };
}

/**
 * The tier-2 GPU classifier: a SageMaker model (image and artifact from config, never built here) served by a
 * real-time endpoint in the isolated subnets with network isolation, a least-privilege execution role and
 * target-tracking autoscaling between the configured bounds.
 */
export class ClassifierEndpoint extends Construct {
  public readonly role: iam.Role;
  public readonly model: sagemaker.CfnModel;
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;
  public readonly endpoint: sagemaker.CfnEndpoint;
  public readonly scalableTarget: appscaling.ScalableTarget;
  /**
   * Endpoint name: fixed at synth (so that its log group can be created before the endpoint), referenced through
   * the endpoint's attribute so that whatever uses it is created after the endpoint.
   */
  public readonly endpointName: string;
  /** The endpoint's log group, created by the stack (encrypted, with retention) before SageMaker writes to it. */
  public readonly logGroup: logs.LogGroup;
  /** Endpoint ARN. */
  public readonly endpointArn: string;

  constructor(scope: Construct, id: string, props: ClassifierEndpointProps) {
    super(scope, id);
    validate(props);
    const stack = Stack.of(this);

    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Safeguards classifier: read model data, pull its image, write its logs and metrics',
    });
    const policy = new iam.ManagedPolicy(this, 'ExecutionPolicy', { roles: [this.role] });
    // SageMaker names the log group after the endpoint; a fixed name lets the stack own the group (key, retention)
    // and the role write to that one group only.
    const endpointName = Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    this.logGroup = new logs.LogGroup(this, 'EndpointLogs', {
      logGroupName: `/aws/sagemaker/Endpoints/${endpointName}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeGuard(
      this.logGroup,
      'cloudwatch_log_group_retention_period_check',
      "Classifier container logs can quote the inputs it failed on: kept for the serving logs' retention (bounded by telemetry.retentionDays, data minimization), not a year.",
    );
    this.grantExecution(policy, props);

    const subnetIds = props.vpc.selectSubnets(props.vpcSubnets).subnetIds;
    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      enableNetworkIsolation: true,
      primaryContainer: {
        image: props.imageUri,
        modelDataUrl: props.modelDataUrl,
        mode: 'SingleModel',
        environment: { ...props.environment },
      },
      vpcConfig: {
        subnets: subnetIds,
        securityGroupIds: props.securityGroups.map((sg) => sg.securityGroupId),
      },
    });
    this.model.node.addDependency(policy, this.role);

    const family = instanceFamily(props.instanceType);
    const localStorage = LOCAL_STORAGE_GPU_FAMILIES.includes(family);
    const capture = props.dataCapture;
    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [
        {
          variantName: VARIANT_NAME,
          modelName: this.model.attrModelName,
          instanceType: props.instanceType,
          initialInstanceCount: props.initialInstanceCount,
          initialVariantWeight: 1,
        },
      ],
      ...(localStorage ? {} : { kmsKeyId: props.encryptionKey.keyArn }),
      ...(capture
        ? {
            dataCaptureConfig: {
              enableCapture: true,
              initialSamplingPercentage: capture.samplingPercentage ?? 100,
              destinationS3Uri: capture.bucket.s3UrlForObject(capture.prefix ?? CAPTURE_PREFIX),
              kmsKeyId: props.encryptionKey.keyArn,
              captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
            },
          }
        : {}),
    });
    if (localStorage) {
      const reason = `${props.instanceType} has local NVMe instance storage, encrypted in hardware; SageMaker rejects a KmsKeyId for it.`;
      acknowledge(this.endpointConfig, {
        id: 'NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured',
        reason,
      });
    }

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
    });
    this.endpoint.node.addDependency(this.logGroup);
    this.endpointName = this.endpoint.attrEndpointName;
    this.endpointArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'endpoint',
      resourceName: this.endpointName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.scalableTarget = new appscaling.ScalableTarget(this, 'Scaling', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpointName}/variant/${VARIANT_NAME}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: props.minInstanceCount,
      maxCapacity: props.maxInstanceCount,
      // Application Auto Scaling uses (and creates on first use) its service-linked role for SageMaker when
      // RoleARN is absent; the L2 would otherwise create a role without permissions.
      role: iam.Role.fromRoleName(this, 'ScalingServiceLinkedRole', SAGEMAKER_SCALING_SLR, {
        mutable: false,
      }),
    });
    (this.scalableTarget.node.defaultChild as appscaling.CfnScalableTarget).addPropertyDeletionOverride(
      'RoleARN',
    );
    this.scalableTarget.node.addDependency(this.endpoint);
    this.scalableTarget.scaleToTrackMetric('InvocationsPerInstance', {
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      targetValue: props.targetInvocationsPerInstance ?? 600,
      scaleInCooldown: props.scaleInCooldown ?? Duration.minutes(5),
      scaleOutCooldown: props.scaleOutCooldown ?? Duration.minutes(1),
    });
  }

  /** Lets `grantee` (the inference proxy) call the endpoint. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint'],
      resourceArns: [this.endpointArn],
    });
  }

  /** An `AWS/SageMaker` metric of this endpoint's variant. */
  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: VARIANT_NAME },
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** Model latency (microseconds), p99 by default. */
  public metricModelLatency(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p99', ...props });
  }

  /** Invocations answered with a 5xx by the endpoint or the model. */
  public metricInvocationErrors(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }

  /** Invocations, summed. */
  public metricInvocations(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }

  /** Least privilege for the SageMaker execution role. */
  private grantExecution(policy: iam.ManagedPolicy, props: ClassifierEndpointProps): void {
    const stack = Stack.of(this);
    const modelData = /^s3:\/\/([^/]+)\/(.+)$/.exec(props.modelDataUrl);
    if (!modelData)
      throw new Error(
        `ClassifierEndpoint: modelDataUrl must be s3://bucket/key, got '${props.modelDataUrl}'`,
      );
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'ReadModelData',
        actions: ['s3:GetObject'],
        resources: [
          stack.formatArn({
            service: 's3',
            region: '',
            account: '',
            resource: `${modelData[1]}/${modelData[2]}`,
          }),
        ],
      }),
    );

    const image = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(props.imageUri);
    if (image) {
      policy.addStatements(
        new iam.PolicyStatement({
          sid: 'PullClassifierImage',
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
          resources: [
            stack.formatArn({
              service: 'ecr',
              account: image[1],
              resource: 'repository',
              resourceName: image[3],
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'EcrAuthToken',
          actions: ['ecr:GetAuthorizationToken'],
          resources: ['*'],
        }),
      );
    }

    // This endpoint's log group only. `logs:CreateLogGroup` on that exact name: the stack has created it, so the
    // call can only fail with "already exists" (SageMaker may issue it); no other group can be created.
    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'CreateOwnLogGroupOnly',
        actions: ['logs:CreateLogGroup'],
        resources: [logGroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'EndpointLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroupArn, `${logGroupArn}:log-stream:*`],
      }),
      new iam.PolicyStatement({
        sid: 'EndpointMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
      }),
      new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:CreateNetworkInterfacePermission',
          'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
      }),
    );
    // Key use is granted to the role (not the managed policy), so the key policy names the role (keys.ts).
    props.encryptionKey.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey');
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'VolumeKeyGrantsForAwsResourcesOnly',
        actions: ['kms:CreateGrant'],
        resources: [props.encryptionKey.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    if (props.dataCapture) {
      props.dataCapture.bucket.grantPut(this.role, `${props.dataCapture.prefix ?? CAPTURE_PREFIX}*`);
    }

    acknowledge(
      policy,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken, cloudwatch:PutMetricData (namespace-conditioned) and the EC2 ENI/Describe calls SageMaker makes for VPC-attached endpoints (region-conditioned) have no resource-level scoping.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, `${logGroupArn}:log-stream:*`)}]`,
        reason:
          "SageMaker names the log streams after the variant and instance; the streams of this endpoint's own log group only.",
      },
    );
    acknowledge(
      this.role,
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'SageMaker needs GenerateDataKey and GenerateDataKeyWithoutPlaintext for volumes and capture; region key only.',
      },
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'Key use (and the data-capture put) is granted to the role itself so that the key policy can name it (ADR 0014); the default policy is attached to this one role, every statement scoped to this stack.',
      },
    );
    if (props.dataCapture) {
      const prefix = props.dataCapture.prefix ?? CAPTURE_PREFIX;
      acknowledge(
        this.role,
        {
          id: `AwsSolutions-IAM5[Resource::${nagResource(this, props.dataCapture.bucket.arnForObjects(`${prefix}*`))}]`,
          reason:
            'Data capture writes one object per batch under the capture prefix of the telemetry bucket only.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason: 'CDK bucket.grantPut key grant for SSE-KMS data-capture objects; region key only.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
          reason: 'CDK bucket.grantPut: abort multipart data-capture uploads under the capture prefix only.',
        },
      );
    }
  }
}

const validate = (props: ClassifierEndpointProps): void => {
  const { minInstanceCount: min, initialInstanceCount: initial, maxInstanceCount: max } = props;
  if (!(min >= 1 && min <= initial && initial <= max)) {
    throw new Error(
      `ClassifierEndpoint: expected 1 <= min <= initial <= max instances, got ${min}, ${initial}, ${max}`,
    );
  }
  if (!/^ml\.[gp]\d/.test(props.instanceType)) {
    throw new Error(
      `ClassifierEndpoint: expected an ml.g*/ml.p* GPU instance type, got '${props.instanceType}'`,
    );
  }
};
