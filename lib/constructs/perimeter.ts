import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeGuard } from '../nag';

/** Interface endpoints every region gets (the Bedrock runtime one is optional, see the props). */
export const INTERFACE_ENDPOINTS = {
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  SageMakerRuntime: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
  CloudWatchLogs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  CloudWatchMonitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  Firehose: ec2.InterfaceVpcEndpointAwsService.KINESIS_FIREHOSE,
  // Enforcement notifications from the proxy to the region's alarm topic.
  Sns: ec2.InterfaceVpcEndpointAwsService.SNS,
} as const;

/** Interface endpoints whose resources belong to AWS rather than an account (no `aws:ResourceAccount` check). */
const AWS_OWNED_RESOURCE_ENDPOINTS: ReadonlySet<string> = new Set(['BedrockRuntime']);

/** Properties for {@link Perimeter}. */
export interface PerimeterProps {
  /** The region's data key; the flow log group is encrypted with it. */
  readonly encryptionKey: kms.IKey;

  /**
   * The VPC's address range.
   *
   * @default ec2.IpAddresses.cidr('10.64.0.0/16')
   */
  readonly ipAddresses?: ec2.IIpAddresses;

  /**
   * Number of availability zones (at least 2).
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * Whether to add the Bedrock runtime interface endpoint (needed when the upstream model is Bedrock).
   *
   * @default true
   */
  readonly bedrockRuntimeEndpoint?: boolean;

  /**
   * Whether to add the Secrets Manager interface endpoint (needed when the upstream's API key is read from a
   * secret: the proxy's Parameters and Secrets extension calls Secrets Manager from the isolated subnets).
   *
   * @default false
   */
  readonly secretsManagerEndpoint?: boolean;

  /**
   * Retention of the VPC flow log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * What happens to the flow log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The network boundary of a region: a VPC with isolated subnets only (no NAT, no internet gateway), gateway
 * endpoints for S3 and DynamoDB, private interface endpoints for the regional services the serving path
 * calls, endpoint policies admitting only this account's principals, security groups that allow only HTTPS to
 * those endpoints, and flow logs to an encrypted log group.
 *
 * Everything in the VPC reaches AWS only through regional endpoints: nothing can leave the region by network.
 */
export class Perimeter extends Construct {
  public readonly vpc: ec2.Vpc;
  /** Where the serving path (authorizer, proxy) and the classifier endpoint run. */
  public readonly isolatedSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  /** For the serving path's Lambda functions: egress HTTPS to the endpoints only. */
  public readonly workloadSecurityGroup: ec2.SecurityGroup;
  /** For the classifier endpoint's instances: egress HTTPS (model data from S3 via the gateway endpoint). */
  public readonly classifierSecurityGroup: ec2.SecurityGroup;
  /** Attached to the interface endpoints: ingress HTTPS from the two groups above only. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly interfaceEndpoints: { readonly [name: string]: ec2.InterfaceVpcEndpoint };
  /** S3 gateway endpoint (this account's principals only, plus ECR image layers). */
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** DynamoDB gateway endpoint (this account's principals only). */
  public readonly dynamoDbEndpoint: ec2.GatewayVpcEndpoint;
  public readonly flowLogGroup: logs.LogGroup;
  public readonly flowLog: ec2.FlowLog;

  constructor(scope: Construct, id: string, props: PerimeterProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const maxAzs = props.maxAzs ?? 2;
    if (maxAzs < 2) throw new Error(`Perimeter: maxAzs must be at least 2, got ${maxAzs}`);

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.encryptionKey,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: props.ipAddresses ?? ec2.IpAddresses.cidr('10.64.0.0/16'),
      maxAzs,
      natGateways: 0,
      createInternetGateway: false,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
    });
    const restrictDefaultSg = Stack.of(this).node.tryFindChild(
      'Custom::VpcRestrictDefaultSGCustomResourceProvider',
    );
    if (restrictDefaultSg) {
      acknowledgeGuard(
        restrictDefaultSg,
        'lambda_inside_vpc_check',
        "CDK's deploy-time function that strips the default security group's rules (restrictDefaultSecurityGroup); it calls the EC2 API once per deployment, handles no tenant data, and the VPC it would sit in has no route to EC2.",
      );
    }
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.dynamoDbEndpoint = this.vpc.addGatewayEndpoint('DynamoDb', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
    });
    this.flowLog = new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    acknowledge(this.flowLog, {
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'CDK-generated default policy of the flow log role: one role, scoped to the flow log group.',
    });

    this.workloadSecurityGroup = new ec2.SecurityGroup(this, 'WorkloadSg', {
      vpc: this.vpc,
      description: 'Safeguards serving path: HTTPS to the VPC endpoints only',
      allowAllOutbound: false,
    });
    this.classifierSecurityGroup = new ec2.SecurityGroup(this, 'ClassifierSg', {
      vpc: this.vpc,
      description: 'Safeguards classifier endpoint instances: HTTPS to the VPC endpoints only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSg', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints: HTTPS from the safeguards workloads only',
      allowAllOutbound: false,
    });

    for (const sg of [this.workloadSecurityGroup, this.classifierSecurityGroup]) {
      this.endpointSecurityGroup.addIngressRule(sg, ec2.Port.tcp(443), 'HTTPS from safeguards workloads');
      sg.addEgressRule(this.endpointSecurityGroup, ec2.Port.tcp(443), 'HTTPS to interface endpoints');
      // The S3 and DynamoDB gateway endpoints are reached through route tables, not through an address we can
      // name in a rule without a synth-time lookup of the managed prefix lists. With no NAT and no internet
      // gateway, 443 to any address reaches nothing but the gateway endpoints.
      sg.addEgressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(443),
        'HTTPS to S3/DynamoDB gateway endpoints (no route elsewhere)',
      );
    }

    const services: { [name: string]: ec2.IInterfaceVpcEndpointService } = { ...INTERFACE_ENDPOINTS };
    if (props.bedrockRuntimeEndpoint ?? true) {
      services['BedrockRuntime'] = ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME;
    }
    if (props.secretsManagerEndpoint ?? false) {
      services['SecretsManager'] = ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER;
    }
    const endpoints: { [name: string]: ec2.InterfaceVpcEndpoint } = {};
    for (const [name, service] of Object.entries(services)) {
      endpoints[name] = this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        open: false,
        securityGroups: [this.endpointSecurityGroup],
        subnets: this.isolatedSubnets,
      });
    }
    this.interfaceEndpoints = endpoints;

    // Identity and resource perimeter: only principals of this account, acting on resources of this account, may
    // use the endpoints, so neither foreign credentials nor a foreign bucket, table or topic can carry data out
    // through this VPC. Bedrock foundation models and inference profiles belong to AWS, not to an account, so the
    // Bedrock runtime endpoint checks the principal only.
    const account = Stack.of(this).account;
    const perimeterStatement = (resourceAccount: boolean) =>
      new iam.PolicyStatement({
        sid: resourceAccount ? 'OnlyPrincipalsAndResourcesOfThisAccount' : 'OnlyPrincipalsOfThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: ['*'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'aws:PrincipalAccount': account,
            ...(resourceAccount ? { 'aws:ResourceAccount': account } : {}),
          },
        },
      });
    for (const endpoint of [this.s3Endpoint, this.dynamoDbEndpoint])
      endpoint.addToPolicy(perimeterStatement(true));
    for (const [name, endpoint] of Object.entries(endpoints)) {
      endpoint.addToPolicy(perimeterStatement(!AWS_OWNED_RESOURCE_ENDPOINTS.has(name)));
    }
    // ECR serves image layers from an AWS-owned bucket through presigned URLs (signed by another account).
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EcrImageLayersOfThisRegion',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [
          Stack.of(this).formatArn({
            service: 's3',
            region: '',
            account: '',
            resource: `prod-${Stack.of(this).region}-starport-layer-bucket`,
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  /** The subnet ids of the isolated subnets (for the classifier endpoint's VpcConfig). */
  public get isolatedSubnetIds(): string[] {
    return this.vpc.selectSubnets(this.isolatedSubnets).subnetIds;
  }
}
