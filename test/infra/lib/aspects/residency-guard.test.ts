import { App, Aws, CfnParameter, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { INFERENCE_PROFILE_GEOGRAPHIES, inferenceProfileOf, regionsInZone } from '../../../../config/regions';
import {
  RESIDENCY_METADATA_TYPE,
  ResidencyGuard,
  type ResidencyGuardProps,
} from '../../../../lib/aspects/residency-guard';
import { bedrockInvokeStatements } from '../../../../lib/constructs/serving-functions';
import { makeContext, scanString } from '../../../../lib/report/residency-rules';
import { collectStrings, flatten, type Json } from '../../../../lib/report/template';
import { synthError } from '../../helpers';

const ACCOUNT = '111111111111';
/** Bedrock's `eu.` profile geography: wider than the `EU` residency zone (London is `UK`, Zurich is `CH`). */
const EUROPE_REGIONS = INFERENCE_PROFILE_GEOGRAPHIES['eu'] ?? [];

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
}

/** GIVEN a guarded eu-central-1 stack (EU zone) in a fresh app. */
function guardedStack(guard: Partial<ResidencyGuardProps> = {}, region = 'eu-central-1'): Fixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Eu', { env: { account: ACCOUNT, region } });
  ResidencyGuard.apply(stack, { region: 'eu-central-1', zone: 'EU', ...guard });
  return { app, stack };
}

function fnWithEnv(stack: Stack, env: Record<string, string>): lambda.Function {
  return new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    environment: env,
  });
}

function grantArn(stack: Stack, arn: string): void {
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [arn] }));
}

describe('ResidencyGuard — references to another region', () => {
  test('fails when an ARN names another region', () => {
    const { app, stack } = guardedStack();
    grantArn(stack, `arn:aws:sqs:us-east-1:${ACCOUNT}:queue`);
    const message = synthError(app);
    expect(message).toContain('[Eu/Role/DefaultPolicy/Resource]');
    expect(message).toMatch(/residency\(EU\/eu-central-1\) cross-region-arn: ARN in region 'us-east-1'/);
  });

  test('fails when an ARN of another region is split across Fn::Join pieces', () => {
    const { app, stack } = guardedStack();
    grantArn(
      stack,
      Fn.join('', ['arn:', Aws.PARTITION, ':sqs:', 'us-west-2', ':', Aws.ACCOUNT_ID, ':queue']),
    );
    expect(synthError(app)).toMatch(/cross-region-arn: ARN in region 'us-west-2'/);
  });

  test('fails when an ARN of another region is built with Fn::Sub', () => {
    const { app, stack } = guardedStack();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
    grantArn(stack, Fn.sub('arn:${AWS::Partition}:sns:ap-southeast-2:${AWS::AccountId}:alarms'));
    expect(synthError(app)).toMatch(/cross-region-arn: ARN in region 'ap-southeast-2'/);
  });

  test('fails when an ARN region is a template parameter', () => {
    const { app, stack } = guardedStack();
    const target = new CfnParameter(stack, 'TargetRegion', { type: 'String' });
    grantArn(stack, `arn:aws:sqs:${target.valueAsString}:${ACCOUNT}:queue`);
    expect(synthError(app)).toMatch(
      /cross-region-arn: ARN whose region is the parameter \{\{Ref.TargetRegion\}\}/,
    );
  });

  test.each([
    ['https://bedrock-runtime.us-east-1.amazonaws.com'],
    ['runtime.sagemaker.eu-west-1.amazonaws.com'],
    ['*.us-west-2.amazonaws.com'],
  ])('fails when an endpoint hostname of another region is configured (%s)', (endpoint) => {
    const { app, stack } = guardedStack();
    fnWithEnv(stack, { UPSTREAM_ENDPOINT: endpoint });
    const message = synthError(app);
    expect(message).toContain('[Eu/Fn/Resource]');
    expect(message).toMatch(/cross-region-endpoint: endpoint hostname in region/);
  });

  test('fails when a service principal of another region is trusted', () => {
    const { app, stack } = guardedStack();
    new iam.Role(stack, 'LogsRole', { assumedBy: new iam.ServicePrincipal('logs.us-east-1.amazonaws.com') });
    expect(synthError(app)).toMatch(
      /\[Eu\/LogsRole\/Resource\] .*cross-region-service-principal: service principal of region 'us-east-1'/,
    );
  });

  test.each([
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', {}],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', { zone: 'EUROPE', allowedRegions: EUROPE_REGIONS }],
    // The prefix-level eu. geography (any publisher) reaches London and Zurich.
    ['eu.amazon.nova-pro-v1:0', { allowedRegions: regionsInZone('EU') }],
    ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', { allowedRegions: ['eu-west-1'] }],
  ])('fails when a Bedrock inference profile spans outside the zone (%s)', (modelId, guard) => {
    const { app, stack } = guardedStack(guard);
    fnWithEnv(stack, { MODEL_ID: modelId });
    expect(synthError(app)).toMatch(
      /cross-region-inference-profile: inference profile '.*' routes to regions outside/,
    );
  });

  test.each([
    'https://x.execute-api.US-EAST-1.amazonaws.com/prod',
    'https://x.execute-api.us%2Deast%2D1.amazonaws.com/prod',
    'https://x.execute-api.us\uff0deast\uff0d1.amazonaws.com/prod',
  ])('fails synth when an upstream URL or an on-call HTTPS endpoint hides another region (%s)', (url) => {
    const { app, stack } = guardedStack();
    fnWithEnv(stack, { UPSTREAM_BASE_URL: url });
    new sns.Subscription(stack, 'Pager', {
      topic: new sns.Topic(stack, 'Topic'),
      protocol: sns.SubscriptionProtocol.HTTPS,
      endpoint: url,
    });
    const error = synthError(app);
    expect(error).toMatch(
      /\[Eu\/Fn\/Resource\] .*cross-region-endpoint: endpoint hostname in region 'us-east-1'/,
    );
    expect(error).toMatch(
      /\[Eu\/Pager\/Resource\] .*cross-region-endpoint: endpoint hostname in region 'us-east-1'/,
    );
  });

  test('fails when an explicit Region property names another region', () => {
    const { app, stack } = guardedStack();
    new CfnResource(stack, 'Reader', {
      type: 'Custom::ParameterReader',
      properties: { ServiceToken: Aws.ACCOUNT_ID, Region: 'us-east-1', Name: 'x' },
    });
    expect(synthError(app)).toMatch(/\[Eu\/Reader\] .*cross-region-region-property: Region is 'us-east-1'/);
  });

  test('fails when a Region property is a token other than the stack region', () => {
    const { app, stack } = guardedStack();
    const target = new CfnParameter(stack, 'Target', { type: 'String' });
    new CfnResource(stack, 'Reader', {
      type: 'Custom::ParameterReader',
      properties: { ServiceToken: Aws.ACCOUNT_ID, Region: target.valueAsString },
    });
    expect(synthError(app)).toMatch(
      /cross-region-region-property: Region is \{\{Ref.Target\}\}, which cannot be proven/,
    );
  });

  test('fails when a resource property mentions another region by name', () => {
    const { app, stack } = guardedStack();
    new CfnResource(stack, 'Tagged', {
      type: 'AWS::SNS::Topic',
      properties: { DisplayName: 'copy of us-east-2' },
    });
    expect(synthError(app)).toMatch(/cross-region-region-name: mentions region 'us-east-2'/);
  });
});

describe('ResidencyGuard — data leaving the region', () => {
  test('fails when a bucket replicates to a bucket outside the stack', () => {
    const { app, stack } = guardedStack();
    const bucket = new s3.Bucket(stack, 'Telemetry');
    const cfn = bucket.node.defaultChild as s3.CfnBucket;
    cfn.replicationConfiguration = {
      role: `arn:aws:iam::${ACCOUNT}:role/replication`,
      rules: [{ status: 'Enabled', destination: { bucket: 'arn:aws:s3:::telemetry-copy' } }],
    };
    expect(synthError(app)).toMatch(
      /\[Eu\/Telemetry\/Resource\] .*s3-replication: replicates to a bucket outside this stack/,
    );
  });

  test('fails when a DynamoDB global table has a replica in another region', () => {
    const { app, stack } = guardedStack();
    new dynamodb.TableV2(stack, 'Tenants', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      replicas: [{ region: 'us-east-1' }],
    });
    expect(synthError(app)).toMatch(/dynamodb-global-table-replica: global table replica in 'us-east-1'/);
  });

  test('fails when a log subscription sends to a destination in another region', () => {
    const { app, stack } = guardedStack();
    new logs.CfnSubscriptionFilter(stack, 'Sub', {
      logGroupName: 'decisions',
      filterPattern: '',
      destinationArn: `arn:aws:logs:us-east-1:${ACCOUNT}:destination:central`,
    });
    const message = synthError(app);
    expect(message).toMatch(/\[Eu\/Sub\] .*log-destination: log destination 'arn:aws:logs:us-east-1/);
  });

  test('fails when a Logs Destination targets a stream in another region', () => {
    const { app, stack } = guardedStack();
    new logs.CfnDestination(stack, 'Dest', {
      destinationName: 'central',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      targetArn: `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/central`,
    });
    expect(synthError(app)).toMatch(/log-destination: log destination 'arn:aws:kinesis:eu-west-1/);
  });

  test('fails when Firehose delivers to a bucket outside the stack', () => {
    const { app, stack } = guardedStack();
    new firehose.CfnDeliveryStream(stack, 'Stream', {
      extendedS3DestinationConfiguration: {
        bucketArn: 'arn:aws:s3:::central-telemetry',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      },
    });
    expect(synthError(app)).toMatch(
      /\[Eu\/Stream\] .*firehose-destination: delivers to a bucket outside this stack/,
    );
  });

  test('fails when Firehose delivers to an HTTP endpoint', () => {
    const { app, stack } = guardedStack();
    new firehose.CfnDeliveryStream(stack, 'Stream', {
      httpEndpointDestinationConfiguration: {
        endpointConfiguration: { url: 'https://collector.example.com' },
        s3Configuration: { bucketArn: 'arn:aws:s3:::x', roleArn: `arn:aws:iam::${ACCOUNT}:role/x` },
      },
    });
    expect(synthError(app)).toMatch(
      /firehose-destination: delivers outside AWS \(HttpEndpointDestinationConfiguration\)/,
    );
  });

  test('fails when a KMS key is multi-Region', () => {
    const { app, stack } = guardedStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    (key.node.defaultChild as kms.CfnKey).multiRegion = true;
    expect(synthError(app)).toMatch(/\[Eu\/Key\/Resource\] .*kms-multi-region-key/);
  });

  test('fails when the stack is deployed to a region other than the guard region', () => {
    const { app } = guardedStack({}, 'eu-west-1');
    expect(synthError(app)).toMatch(/\[Eu\] .*stack-region: stack is deployed to 'eu-west-1'/);
  });
});

describe('ResidencyGuard — content inspection at the edge', () => {
  test('fails when a CloudFront distribution runs a CloudFront function', () => {
    const { app, stack } = guardedStack();
    const fn = new cloudfront.Function(stack, 'Inspect', {
      code: cloudfront.FunctionCode.fromInline('function handler(event) { return event.request; }'),
    });
    new cloudfront.Distribution(stack, 'Cdn', {
      defaultBehavior: {
        origin: new origins.HttpOrigin('origin.example.com'),
        functionAssociations: [{ function: fn, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
    });
    const message = synthError(app);
    expect(message).toMatch(/\[Eu\/Cdn\/Resource\] .*edge-inspection: FunctionAssociations run code/);
    expect(message).toMatch(
      /\[Eu\/Inspect\/Resource\] .*edge-inspection: CloudFront Functions run at every edge/,
    );
  });

  test('fails when a distribution associates a Lambda@Edge function', () => {
    const { app, stack } = guardedStack();
    new cloudfront.CfnDistribution(stack, 'Cdn', {
      distributionConfig: {
        enabled: true,
        defaultCacheBehavior: {
          targetOriginId: 'o',
          viewerProtocolPolicy: 'https-only',
          lambdaFunctionAssociations: [
            {
              eventType: 'viewer-request',
              lambdaFunctionArn: `arn:aws:lambda:eu-central-1:${ACCOUNT}:function:f:1`,
            },
          ],
        },
        origins: [
          {
            id: 'o',
            domainName: 'origin.example.com',
            customOriginConfig: { originProtocolPolicy: 'https-only' },
          },
        ],
      },
    });
    expect(synthError(app)).toMatch(/\[Eu\/Cdn\] .*edge-inspection: LambdaFunctionAssociations run code/);
  });

  test('fails when a cloudfront.experimental.EdgeFunction is defined', () => {
    const { app, stack } = guardedStack();
    new cloudfront.experimental.EdgeFunction(stack, 'Edge', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (e) => e'),
    });
    const message = synthError(app);
    expect(message).toMatch(/\[Eu\/Edge\] .*edge-inspection: Lambda@Edge function/);
  });

  test('allows edge functions when the zone is not residency-bound', () => {
    const { app, stack } = guardedStack({ residencyBound: false });
    new cloudfront.Function(stack, 'Inspect', {
      code: cloudfront.FunctionCode.fromInline('function handler(event) { return event.request; }'),
    });
    expect(synthError(app)).toBe('');
  });
});

describe('ResidencyGuard — clean stacks pass', () => {
  test('a stack with same-region ARNs, Aws.REGION tokens and in-zone references synthesizes', () => {
    // GIVEN an EU stack that may also reference eu-west-1
    const { app, stack } = guardedStack({ allowedRegions: ['eu-west-1'] });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const bucket = new s3.Bucket(stack, 'Telemetry', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      enforceSSL: true,
    });
    const table = new dynamodb.TableV2(stack, 'Tenants', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(key),
    });
    const topic = new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true });
    const fn = fnWithEnv(stack, {
      REGION: Aws.REGION,
      BEDROCK_ENDPOINT: `https://bedrock-runtime.${Aws.REGION}.${Aws.URL_SUFFIX}`,
      SAME_REGION_ENDPOINT: 'https://runtime.sagemaker.eu-central-1.amazonaws.com',
      IN_ZONE_QUEUE: `arn:aws:sqs:eu-west-1:${ACCOUNT}:spill`,
      MODEL_ID: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    });
    bucket.grantWrite(fn);
    table.grantReadData(fn);
    topic.grantPublish(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: [
          stack.formatArn({
            service: 'bedrock',
            account: '',
            resource: 'foundation-model',
            resourceName: '*',
          }),
          `arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`,
        ],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } },
      }),
    );
    new iam.Role(stack, 'LogsRole', {
      assumedBy: new iam.ServicePrincipal('logs.eu-central-1.amazonaws.com'),
    });
    new logs.CfnSubscriptionFilter(stack, 'Sub', {
      logGroupName: 'decisions',
      filterPattern: '',
      destinationArn: Fn.sub(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
        'arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/x',
      ),
    });

    // WHEN / THEN
    expect(synthError(app)).toBe('');
  });

  test('an EU profile passes when the zone allows every EU destination region', () => {
    const { app, stack } = guardedStack({ zone: 'EUROPE', allowedRegions: EUROPE_REGIONS });
    fnWithEnv(stack, { MODEL_ID: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0' });
    expect(synthError(app)).toBe('');
  });

  test('a single-region TableV2 and same-stack S3 replication pass', () => {
    const { app, stack } = guardedStack();
    new dynamodb.TableV2(stack, 'Limits', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const copy = new s3.Bucket(stack, 'Copy', { versioned: true });
    const bucket = new s3.Bucket(stack, 'Source', { versioned: true });
    (bucket.node.defaultChild as s3.CfnBucket).replicationConfiguration = {
      role: `arn:aws:iam::${ACCOUNT}:role/replication`,
      rules: [{ status: 'Enabled', destination: { bucket: copy.bucketArn } }],
    };
    expect(synthError(app)).toBe('');
  });

  test('an environment-agnostic stack using Aws.REGION passes', () => {
    const app = new App();
    const stack = new Stack(app, 'Agnostic');
    ResidencyGuard.apply(stack, { region: 'eu-central-1', zone: 'EU' });
    grantArn(stack, stack.formatArn({ service: 'sqs', resource: 'queue' }));
    expect(synthError(app)).toBe('');
  });

  test("an eu. Claude profile passes in EU with the profile's regions as inference regions (IAM grant included)", () => {
    const regions = inferenceProfileOf('eu.anthropic.claude-sonnet-4-6')!.regions!;
    const { app, stack } = guardedStack({ inferenceRegions: regions });
    const fn = fnWithEnv(stack, { MODEL_ID: 'eu.anthropic.claude-sonnet-4-6' });
    for (const statement of bedrockInvokeStatements(stack, ['eu.anthropic.claude-sonnet-4-6'])) {
      fn.addToRolePolicy(statement);
    }
    expect(synthError(app)).toBe('');
  });

  test('fails when inference regions are used for anything but Bedrock model ARNs', () => {
    const { app, stack } = guardedStack({ inferenceRegions: ['eu-west-1', 'eu-north-1'] });
    // A Bedrock resource that is not a model (a knowledge base holds data) is not admitted either.
    grantArn(stack, `arn:aws:bedrock:eu-north-1:${ACCOUNT}:knowledge-base/KB123`);
    fnWithEnv(stack, { TABLE: `arn:aws:dynamodb:eu-north-1:${ACCOUNT}:table/elsewhere` });
    const message = synthError(app);
    expect(message).toMatch(/cross-region-arn: ARN in region 'eu-north-1' \(bedrock\)/);
    expect(message).toMatch(/cross-region-arn: ARN in region 'eu-north-1' \(dynamodb\)/);
  });

  test.each([
    [
      'us.anthropic.claude-sonnet-4-6',
      /routes to regions outside the zone \(us-east-1, us-east-2, us-west-1, us-west-2\)/,
    ],
    ['global.anthropic.claude-sonnet-4-6', /routes to regions outside the zone \(\*\)/],
  ])(
    'fails when %s is named in an EU stack whose inference regions are the EU profile',
    (modelId, message) => {
      const regions = inferenceProfileOf('eu.anthropic.claude-sonnet-4-6')!.regions!;
      const { app, stack } = guardedStack({ inferenceRegions: regions });
      fnWithEnv(stack, { MODEL_ID: modelId });
      expect(synthError(app)).toMatch(message);
    },
  );

  test('records the zone as stack metadata for the compliance report', () => {
    const { app } = guardedStack({ allowedRegions: ['eu-west-1'] });
    const artifact = app.synth().getStackByName('Eu');
    expect(artifact.findMetadataByType(RESIDENCY_METADATA_TYPE)).toContainEqual({
      path: '/Eu',
      type: RESIDENCY_METADATA_TYPE,
      data: {
        region: 'eu-central-1',
        zone: 'EU',
        allowedRegions: ['eu-central-1', 'eu-west-1'],
        residencyBound: true,
        inferenceRegions: [],
      },
    });
  });

  test.each([
    [{ region: 'us-west-2', zone: 'EU' }, "'EU' does not contain us-west-2 (zone of us-west-2: US)"],
    [
      { region: 'eu-central-1', zone: 'EU', allowedRegions: ['eu-west-2'] },
      "'EU' does not contain eu-west-2 (zone of eu-west-2: UK)",
    ],
  ])('fails when a table zone does not contain the guarded or allowed regions (%j)', (props, message) => {
    expect(() => new ResidencyGuard(props)).toThrow(`ResidencyGuard: ${message}`);
  });

  test('fails when the guard region is not a literal region code', () => {
    expect(() => new ResidencyGuard({ region: Aws.REGION, zone: 'EU' })).toThrow(/literal region code/);
  });
});

describe('residency rules — pure string scanning', () => {
  const ctx = makeContext('eu-central-1', ['eu-west-1'], new Map([['Bucket', 'AWS::S3::Bucket']]));
  const rulesFor = (text: string, key = 'Value', path = 'Properties.Value'): string[] =>
    scanString('R', path, key, text, ctx).map((f) => `${f.rule}:${f.region}`);

  test.each([
    ['arn:aws:sqs:eu-central-1:111111111111:q', []],
    ['arn:aws:sqs:eu-west-1:111111111111:q', []],
    ['arn:aws:s3:::bucket/*', []],
    ['arn:aws:iam::111111111111:role/x', []],
    ['arn:{{AWS.Partition}}:sqs:{{AWS.Region}}:{{AWS.AccountId}}:q', []],
    ['eu-central-1a', []],
    ['https://docs.aws.amazon.com/bedrock', []],
    ['anthropic.claude-sonnet-4-5-20250929-v1:0', []],
    ['arn:aws:sqs:us-east-1:111111111111:q', ['cross-region-arn:us-east-1']],
    ['arn:aws:sqs:{{Ref.Target}}:111111111111:q', ['cross-region-arn:*']],
    ['arn:aws:sqs:{{Ref.Bucket}}:111111111111:q', []],
    ['us-east-1a', ['cross-region-region-name:us-east-1']],
    ['logs-us-west-2-archive', ['cross-region-region-name:us-west-2']],
    ['https://bedrock-runtime.us-east-1.amazonaws.com/model', ['cross-region-endpoint:us-east-1']],
    ['s3.cn-north-1.amazonaws.com.cn', ['cross-region-endpoint:cn-north-1']],
    ['{"region":"ap-northeast-1","service":"SSM"}', ['cross-region-region-name:ap-northeast-1']],
    [
      'apac.anthropic.claude-3-haiku',
      expect.arrayContaining([expect.stringMatching(/^cross-region-inference-profile:/)]),
    ],
  ])('%s → %j', (text, expected) => {
    expect(rulesFor(text)).toEqual(expected);
  });

  test.each([
    ['https://x.execute-api.US-EAST-1.amazonaws.com/prod', 'cross-region-endpoint:us-east-1'],
    ['https://x.execute-api.us%2Deast%2D1.amazonaws.com/prod', 'cross-region-endpoint:us-east-1'],
    ['https://x.execute-api.us%252Deast%252D1.amazonaws.com/prod', 'cross-region-endpoint:us-east-1'],
    ['https://x.execute-api.us\uff0deast\uff0d1.amazonaws.com/prod', 'cross-region-endpoint:us-east-1'],
    [
      'https://x\u3002execute-api\u3002us\uff0deast\uff0d1\u3002amazonaws\u3002com',
      'cross-region-endpoint:us-east-1',
    ],
    ['https://x.execute-api.\uff55\uff53-east-1.amazonaws.com', 'cross-region-endpoint:us-east-1'],
    ['bedrock-runtime.US-WEST-2.amazonaws.com', 'cross-region-endpoint:us-west-2'],
    ['arn:aws:sqs:US-EAST-1:111111111111:q', 'cross-region-region-name:us-east-1'],
    ['queue in us\u2011east\u20111', 'cross-region-region-name:us-east-1'],
    [
      'US.anthropic.claude-sonnet-4-5-20250929-v1:0',
      expect.stringMatching(/^cross-region-inference-profile:/),
    ],
  ])('fails on a region disguised as AWS, fetch or SNS would resolve it: %s', (text, expected) => {
    expect(rulesFor(text)).toEqual([expected]);
  });

  test.each([
    'https://x.execute-api.EU-CENTRAL-1.amazonaws.com/prod',
    'https://x.execute-api.eu%2Dwest%2D1.amazonaws.com/prod',
    'https://pager.example.com/hooks/safeguards?a=%41',
    'arn:aws:sqs:eu-central-1:111111111111:q',
  ])('a disguised in-zone region or a plain URL passes: %s', (text) => {
    expect(rulesFor(text)).toEqual([]);
  });

  test('a Region key and a Principal path change the classification', () => {
    expect(rulesFor('us-east-2', 'Region')).toEqual(['cross-region-region-property:us-east-2']);
    expect(
      rulesFor('logs.us-east-2.amazonaws.com', 'Service', 'Properties.Statement.0.Principal.Service'),
    ).toEqual(['cross-region-service-principal:us-east-2']);
  });

  test('Fn::Join and Fn::Sub are flattened with placeholders; Deny statements are skipped', () => {
    expect(flatten({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:us-east-1:x']] })).toBe(
      'arn:{{AWS.Partition}}:sqs:us-east-1:x',
    );
    const sub = ['$', '{A.Arn}/$', '{B}/$', '{AWS::Region}/$', '{!Lit}'].join('');
    expect(flatten({ 'Fn::Sub': [sub, { B: 'x' }] })).toBe(
      ['{{GetAtt.A.Arn}}/x/{{AWS.Region}}/$', '{Lit}'].join(''),
    );
    const doc: Json = {
      Statement: [
        { Effect: 'Deny', Action: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
        { Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:us-west-2:1:q' },
      ],
    };
    expect(collectStrings(doc).map((s) => s.text)).toEqual(['Allow', 'sqs:*', 'arn:aws:sqs:us-west-2:1:q']);
  });
});
