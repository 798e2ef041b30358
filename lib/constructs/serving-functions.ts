import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { inferenceProfileOf } from '../../config/regions';
import type { UpstreamConfig } from '../../config/schema';
import { toEnvironment } from '../../lambdas/shared/environment';
import { acknowledge, acknowledgeGuard } from '../nag';
import type { AlarmTopic } from './alarm-topic';
import type { ClassifierEndpoint } from './classifier-endpoint';
import type { EnforcementTables } from './enforcement-tables';
import type { RegionalKeys } from './keys';

/** Repository root: the handler entries and the lockfile live under it (local esbuild bundling). */
const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** Handler entry of the REQUEST authorizer. */
export const AUTHORIZER_ENTRY = path.join(PROJECT_ROOT, 'lambdas/authorizer/handler.ts');
/** Handler entry of the inference proxy (streamified). */
export const PROXY_ENTRY = path.join(PROJECT_ROOT, 'lambdas/proxy/handler.ts');

/** The tier-2 classifier as the proxy sees it. */
export interface ServingClassifier {
  /** When tier 2 runs. */
  readonly mode: 'always' | 'cascade' | 'never';
  /** Deadline of one tier-2 call; past it the check times out and its category's fail mode applies. */
  readonly deadline: Duration;
  /**
   * The endpoint (absent when `mode` is `never`: no endpoint is deployed).
   *
   * @default - no tier-2 endpoint
   */
  readonly endpoint?: ClassifierEndpoint;
}

/** Properties for {@link ServingFunctions}. */
export interface ServingFunctionsProps {
  readonly vpc: ec2.IVpc;
  /** The isolated subnets (no route out of the VPC but the endpoints). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Egress HTTPS to the VPC endpoints only. */
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /** The region's data key: both log groups are encrypted with it. */
  readonly encryptionKey: kms.IKey;
  readonly tables: EnforcementTables;
  /** HMAC key for pseudonymized identifiers in decision records. */
  readonly keys: RegionalKeys;
  /** On-call topic: the enforcement ladder notifies status changes (throttle, suspend, ban) to it. */
  readonly alarms: AlarmTopic;
  readonly classifier: ServingClassifier;
  /** Where the proxy forwards an admitted request: the region's `upstream` from the config, as written. */
  readonly upstream: UpstreamConfig;
  /**
   * Models the proxy serves, as forwarded upstream (`ALLOWED_MODELS`); any other model is answered 404.
   *
   * @default - the Bedrock upstream's `modelId` (required for other upstreams)
   */
  readonly models?: readonly string[];

  /**
   * Ed25519 public keys of the global edge's origin assertions. When given, the authorizer refuses every request
   * that did not come through the edge (docs/edge.md).
   *
   * @default - requests are accepted directly
   */
  readonly edgeOriginPublicKeys?: readonly string[];

  /**
   * Retention of the two function log groups. The proxy log group carries decision records on their way to
   * Firehose; the durable copy is the telemetry bucket, so this stays short (and should not exceed the region's
   * telemetry retention, see {@link retentionAtMost}).
   *
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * How long a proxy invocation may run. Streamed responses last as long as the model generates; API Gateway
   * ends a stream after 15 minutes (and after 5 idle minutes).
   *
   * @default Duration.minutes(15)
   */
  readonly proxyTimeout?: Duration;

  /**
   * Memory of the proxy (CPU scales with it; tiers 0/1 run in-process).
   *
   * @default 1024
   */
  readonly proxyMemorySize?: number;

  /**
   * How long the authorizer caches a tenant's status in memory: the status propagation bound.
   *
   * @default Duration.seconds(2)
   */
  readonly tenantCacheTtl?: Duration;

  /**
   * Rate-limit lease length (0 = every request touches the limits table).
   *
   * @default Duration.seconds(1)
   */
  readonly rateLimitLease?: Duration;

  /**
   * Bundling options merged over the defaults (minified CJS for node22, source maps, AWS SDK bundled).
   *
   * @default - the defaults
   */
  readonly bundling?: nodejs.BundlingOptions;

  /**
   * What happens to the log groups when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The longest CloudWatch Logs retention that does not exceed `days` (at least one day). Used so that decision
 * records never outlive the region's configured telemetry retention in the proxy log
 * group.
 */
export const retentionAtMost = (days: number): logs.RetentionDays => {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0 && v <= Math.max(1, days))
    .sort((a, b) => b - a);
  return allowed[0] as logs.RetentionDays;
};

/**
 * Default bundling: one minified CommonJS file per function, for node22, with a source map (no embedded
 * sources). The AWS SDK v3 (`@aws-sdk/*`) is taken from the Lambda runtime, which ships it: that keeps about
 * 0.7 MB out of the proxy bundle (sizes per function measured by `npm run bench:lambda`, in ADR 0030). The
 * trade-off — the runtime's SDK version instead of the pinned one the tests use — is recorded in
 * docs/adr/0030-serving-functions.md; pass `bundling: { bundleAwsSDK: true }` to pin it.
 */
export const DEFAULT_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: nodejs.OutputFormat.CJS,
  bundleAwsSDK: false,
};

/**
 * The serving path's two functions, in the isolated subnets: the API Gateway REQUEST authorizer (API key →
 * tenant, status, rate limit) and the inference proxy (checks, upstream call, streamed output checks, one
 * decision record per request).
 *
 * Each function has its own role (no AWS managed policies): log writes to its own KMS-encrypted log group,
 * the VPC network-interface calls, X-Ray, and the grants of the constructs it uses, scoped to their resources.
 */
export class ServingFunctions extends Construct {
  public readonly authorizer: nodejs.NodejsFunction;
  public readonly proxy: nodejs.NodejsFunction;
  public readonly authorizerLogGroup: logs.LogGroup;
  /** Where the proxy writes its decision records (one JSON line per request). */
  public readonly proxyLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServingFunctionsProps) {
    super(scope, id);
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? logs.RetentionDays.TWO_WEEKS;
    const bundling: nodejs.BundlingOptions = { ...DEFAULT_BUNDLING, ...props.bundling };

    this.authorizerLogGroup = new logs.LogGroup(this, 'AuthorizerLogs', {
      encryptionKey: props.encryptionKey,
      retention,
      removalPolicy,
    });
    this.proxyLogGroup = new logs.LogGroup(this, 'ProxyLogs', {
      encryptionKey: props.encryptionKey,
      retention,
      removalPolicy,
    });

    for (const group of [this.authorizerLogGroup, this.proxyLogGroup]) {
      acknowledgeGuard(
        group,
        'cloudwatch_log_group_retention_period_check',
        'Decision records and request logs are kept for the retention the partner configures (telemetry.retentionDays, data minimization); the long-term copy is the telemetry bucket.',
      );
    }

    const common = {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [...props.securityGroups],
      tracing: lambda.Tracing.ACTIVE,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling,
    };

    this.authorizer = new nodejs.NodejsFunction(this, 'Authorizer', {
      ...common,
      description: 'Safeguards REQUEST authorizer: API key -> tenant, status, rate limit',
      entry: AUTHORIZER_ENTRY,
      handler: 'handler',
      memorySize: 256,
      timeout: Duration.seconds(5),
      logGroup: this.authorizerLogGroup,
      role: this.executionRole('AuthorizerRole', this.authorizerLogGroup, 'Safeguards authorizer'),
      environment: toEnvironment('authorizer', {
        tenantsTable: props.tables.tenants.tableName,
        limitsTable: props.tables.limits.tableName,
        tenantCacheTtlMs: (props.tenantCacheTtl ?? Duration.seconds(2)).toMilliseconds(),
        rateLimitLeaseMs: (props.rateLimitLease ?? Duration.seconds(1)).toMilliseconds(),
        // Over-rate requests are allowed with a flag and answered 429 + retry-after by the proxy (with a
        // decision record); a Deny could only become 403 (ADR 0029).
        rateLimitResponse: 'flag',
        ...(props.edgeOriginPublicKeys && props.edgeOriginPublicKeys.length > 0
          ? { edgeOriginPublicKeys: props.edgeOriginPublicKeys }
          : {}),
      }),
    });

    this.proxy = new nodejs.NodejsFunction(this, 'Proxy', {
      ...common,
      description:
        'Safeguards inference proxy: checks, upstream call, streamed output checks, decision record',
      entry: PROXY_ENTRY,
      handler: 'handler',
      memorySize: props.proxyMemorySize ?? 1024,
      timeout: props.proxyTimeout ?? Duration.minutes(15),
      logGroup: this.proxyLogGroup,
      role: this.executionRole('ProxyRole', this.proxyLogGroup, 'Safeguards inference proxy'),
      environment: proxyEnvironment(props),
      ...(props.upstream.kind === 'https' && props.upstream.apiKeySecretName
        ? {
            // The https upstream reads its key through the Parameters and Secrets extension (localhost:2773).
            paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(
              lambda.ParamsAndSecretsVersions.V1_0_103,
              { cacheSize: 10, logLevel: lambda.ParamsAndSecretsLogLevel.WARN },
            ),
          }
        : {}),
    });

    this.grantAuthorizer(props);
    this.grantProxy(props);
    for (const fn of [this.authorizer, this.proxy]) acknowledgeFunction(fn);
  }

  private executionRole(id: string, logGroup: logs.ILogGroup, description: string): iam.Role {
    return lambdaExecutionRole(this, id, logGroup, description);
  }

  /** Authorizer: tenants read (key hash lookup), limits (token buckets and leases). */
  private grantAuthorizer(props: ServingFunctionsProps): void {
    const fn = this.authorizer;
    props.tables.grantAuthorizer(fn);
    acknowledge(fn.role!, ...keyGrantAcknowledgements);
  }

  /**
   * Proxy: limits (settle), violations (strikes), audit append, tenant status updates by the ladder, HMAC
   * pseudonyms, on-call notifications, tier 2 and the configured upstream only.
   */
  private grantProxy(props: ServingFunctionsProps): void {
    const fn = this.proxy;
    const stack = Stack.of(this);
    const { tables, upstream } = props;
    tables.grantProxy(fn);
    props.keys.grantGenerateMac(fn);
    props.alarms.grantPublish(fn);
    props.classifier.endpoint?.grantInvoke(fn);

    const acks = [...keyGrantAcknowledgements];

    switch (upstream.kind) {
      case 'bedrock':
        // The proxy forwards only allowlisted ids (never the client's string): exactly these.
        for (const statement of bedrockInvokeStatements(stack, [upstream.modelId, ...(props.models ?? [])])) {
          fn.addToRolePolicy(statement);
        }
        break;
      case 'sagemaker':
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'InvokeUpstreamModelEndpoint',
            actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
            resources: [
              stack.formatArn({
                service: 'sagemaker',
                resource: 'endpoint',
                // SageMaker endpoint ARNs are lower case whatever the name's case.
                resourceName: upstream.endpointName.toLowerCase(),
                arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
              }),
            ],
          }),
        );
        break;
      case 'https':
        if (upstream.apiKeySecretName) {
          const secret = secretsmanager.Secret.fromSecretNameV2(
            this,
            'UpstreamApiKey',
            upstream.apiKeySecretName,
          );
          // GetSecretValue/DescribeSecret on `<name>-??????` (the random suffix); cdk-nag does not flag `?`.
          secret.grantRead(fn);
        }
        break;
    }
    acknowledge(fn.role!, ...acks);
  }
}

const BEDROCK_INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/**
 * The proxy's Bedrock grant for the region's models. A plain model id: that foundation model in this region only. A
 * geographic inference profile (config/regions.ts): the profile in this region, and the profile's foundation
 * model in exactly the profile's regions, usable only through that profile (`bedrock:InferenceProfileArn`,
 * Bedrock user guide "Prerequisites for inference profiles"). Bedrock refuses a routing to any other region, so the
 * granted regions are the regions that may process prompts (the compliance report reads them from the template).
 *
 * @throws Error for a profile without a known, finite region list (`global.`): config validation refuses those.
 */
export const bedrockInvokeStatements = (stack: Stack, modelIds: readonly string[]): iam.PolicyStatement[] => {
  const unique = [...new Set(modelIds)];
  const plain = unique.filter((m) => inferenceProfileOf(m) === undefined);
  const statements: iam.PolicyStatement[] = [];
  if (plain.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'InvokeConfiguredBedrockModel',
        actions: BEDROCK_INVOKE,
        resources: plain.map((m) => bedrockModelArn(stack, m)),
      }),
    );
  }
  unique.forEach((modelId) => {
    const profile = inferenceProfileOf(modelId);
    if (profile === undefined) return;
    if (profile.regions === undefined) {
      throw new Error(`ServingFunctions: inference profile '${modelId}' routes to any commercial region`);
    }
    const profileArn = stack.formatArn({
      service: 'bedrock',
      resource: 'inference-profile',
      resourceName: profile.profileId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const n = statements.filter((s) => s.sid?.startsWith('InvokeConfiguredInferenceProfile')).length;
    const suffix = n === 0 ? '' : String(n + 1);
    statements.push(
      new iam.PolicyStatement({
        sid: `InvokeConfiguredInferenceProfile${suffix}`,
        actions: BEDROCK_INVOKE,
        resources: [profileArn],
      }),
      new iam.PolicyStatement({
        sid: `InvokeProfileModelInTheProfileRegionsOnly${suffix}`,
        actions: BEDROCK_INVOKE,
        resources: profile.regions.map((region) => bedrockModelArn(stack, profile.baseModelId, region)),
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      }),
    );
  });
  return statements;
};

/** `arn:<partition>:bedrock:<region>::foundation-model/<modelId>` of this stack's region (or `region`). */
export const bedrockModelArn = (stack: Stack, modelId: string, region?: string): string =>
  stack.formatArn({
    service: 'bedrock',
    ...(region ? { region } : {}),
    account: '',
    resource: 'foundation-model',
    resourceName: modelId,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });

/**
 * The proxy's environment (lambdas/shared/environment.ts): names, ids and settings only, never a secret value.
 *
 * @throws Error when no model is given for an upstream that has no default model
 */
export const proxyEnvironment = (props: ServingFunctionsProps): { [name: string]: string } => {
  const { upstream, classifier, tables } = props;
  const models = props.models ?? (upstream.kind === 'bedrock' ? [upstream.modelId] : []);
  if (models.length === 0)
    throw new Error(`ServingFunctions: models is required for a '${upstream.kind}' upstream`);
  return toEnvironment('proxy', {
    upstream,
    models,
    classifierMode: classifier.mode,
    classifierDeadlineMs: classifier.deadline.toMilliseconds(),
    ...(classifier.endpoint ? { classifierEndpointName: classifier.endpoint.endpointName } : {}),
    hmacKeyId: props.keys.hmacKey.keyArn,
    limitsTable: tables.limits.tableName,
    tenantsTable: tables.tenants.tableName,
    violationsTable: tables.violations.tableName,
    auditTable: tables.audit.tableName,
    alarmTopicArn: props.alarms.topic.topicArn,
    rateLimitLeaseMs: (props.rateLimitLease ?? Duration.seconds(1)).toMilliseconds(),
  });
};

/** The region key grants of the table grant methods (DynamoDB writes need data keys), on the data key only. */
const keyGrantAcknowledgements = [
  {
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason: 'EnforcementTables grant methods: data keys for the tables encrypted with the region key only.',
  },
  {
    id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
    reason: 'EnforcementTables grant methods (the key actions of a table writer) on the region key only.',
  },
];

/** Findings on the functions themselves, with the decision behind each. */
/**
 * A role for one VPC function: writes to its own log group, VPC network interfaces (region-conditioned),
 * X-Ray (added by `tracing`). Shared by the serving functions and the operator API.
 */
export function lambdaExecutionRole(
  scope: Construct,
  id: string,
  logGroup: logs.ILogGroup,
  description: string,
): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  logGroup.grantWrite(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'VpcNetworkInterfaces',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(scope).region } },
    }),
  );
  acknowledge(
    role,
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda VPC network-interface calls (region-conditioned) and X-Ray PutTraceSegments/PutTelemetryRecords (added by active tracing) support no resource-level scoping.',
    },
    {
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        'CDK-generated default policy of a function role: attached to that one role, every statement scoped to the resources of this stack.',
    },
  );
  return role;
}

/** The runtime pin every safeguards function shares (nodejs22.x, the bundles' target), acknowledged with its reason. */
export const acknowledgeRuntimePin = (fn: lambda.Function): void => {
  const runtime =
    'nodejs22.x is the runtime the bundles target (esbuild target node22) and the code is tested for (Node 20/22); moving to nodejs24.x is a deliberate upgrade with its own test run.';
  acknowledge(
    fn,
    { id: 'AwsSolutions-L1', reason: runtime },
    { id: 'Serverless-LambdaLatestVersion', reason: runtime },
  );
};

/** The per-function acknowledgements every safeguards function shares (runtime pin, concurrency, DLQ). */
export const acknowledgeFunction = (fn: lambda.Function): void => {
  acknowledgeRuntimePin(fn);
  acknowledge(
    fn,
    {
      id: 'NIST.800.53.R5-LambdaConcurrency',
      reason:
        'No reserved concurrency: it would cap serving capacity per region and carve it out of the account pool; load is bounded by API stage throttling, the WAF rate rule and per-tenant rate limits.',
    },
    {
      id: 'NIST.800.53.R5-LambdaDLQ',
      reason:
        'Invoked synchronously by API Gateway only; a dead-letter queue applies to asynchronous invocations.',
    },
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously by API Gateway only; a dead-letter queue applies to asynchronous invocations.',
    },
  );
};

const validate = (props: ServingFunctionsProps): void => {
  if (props.classifier.mode !== 'never' && !props.classifier.endpoint) {
    throw new Error(
      `ServingFunctions: classifier mode '${props.classifier.mode}' needs a classifier endpoint (only 'never' runs without one)`,
    );
  }
  if (props.upstream.kind === 'https' && !props.upstream.baseUrl.startsWith('https://')) {
    throw new Error(
      `ServingFunctions: expected an https:// upstream baseUrl, got '${props.upstream.baseUrl}'`,
    );
  }
  const timeout = props.proxyTimeout;
  if (timeout && !timeout.isUnresolved() && timeout.toSeconds() < 300) {
    throw new Error(
      `ServingFunctions: proxyTimeout must be at least 5 minutes for streamed responses, got ${timeout.toHumanString()}`,
    );
  }
};
