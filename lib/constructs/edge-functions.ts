import * as path from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { EdgeSettings } from '../../lambdas/core/edge/checks';
import { acknowledge, acknowledgeGuard, nagResource } from '../nag';
import { acknowledgeFunction, DEFAULT_BUNDLING } from './serving-functions';

const PROJECT_ROOT = path.resolve(__dirname, '../..');
/** Handler entry of the viewer-request function. */
export const VIEWER_REQUEST_ENTRY = path.join(PROJECT_ROOT, 'lambdas/edge/viewer-request.ts');
/** Handler entry of the origin-request function. */
export const ORIGIN_REQUEST_ENTRY = path.join(PROJECT_ROOT, 'lambdas/edge/origin-request.ts');

/** Metadata key under which each edge function records the routing it was bundled with (read by the report). */
export const EDGE_ROUTING_METADATA = 'csp:edge-routing';

/** Properties for {@link EdgeFunctions}. */
export interface EdgeFunctionsProps {
  /** The settings bundled into both functions (Lambda@Edge has no environment variables). */
  readonly settings: EdgeSettings;
  /**
   * Bundling overrides (tests skip bundling through the `aws:cdk:bundling-stacks` context instead).
   *
   * @default - {@link DEFAULT_BUNDLING} for node22 with the settings defined in
   */
  readonly bundling?: nodejs.BundlingOptions;
}

/**
 * The two Lambda@Edge functions of the global entry: viewer-request (content-free checks) and origin-request
 * (home-region routing and the origin assertion). Both run in us-east-1's stack and are replicated by CloudFront
 * to every edge location, which is why they never see a body (`includeBody: false` at association), log nothing
 * but a pseudonymous request id and a reason code, and get their settings at bundle time.
 *
 * Lambda@Edge constraints honoured here: x86_64, no environment variables, no VPC, no reserved concurrency,
 * viewer-request timeout ≤ 5 s and 128 MB (its package must stay under 1 MB; `npm run bench:edge` prints it).
 */
export class EdgeFunctions extends Construct {
  public readonly viewerRequest: nodejs.NodejsFunction;
  public readonly originRequest: nodejs.NodejsFunction;
  /** The secret with the origin-signing private key (us-east-1); the partner writes it (docs/edge.md). */
  public readonly originSigningSecret: secretsmanager.ISecret;

  public constructor(scope: Construct, id: string, props: EdgeFunctionsProps) {
    super(scope, id);
    const define = { 'process.env.CSP_EDGE_SETTINGS': JSON.stringify(JSON.stringify(props.settings)) };
    const bundling: nodejs.BundlingOptions = { ...DEFAULT_BUNDLING, define, ...props.bundling };
    const common = (role: iam.IRole): Partial<nodejs.NodejsFunctionProps> => ({
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      memorySize: 128,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling,
      role,
      // CloudFront replicates published versions; the function itself must not be deleted while replicas exist.
      currentVersionOptions: { removalPolicy: undefined },
    });

    this.viewerRequest = new nodejs.NodejsFunction(this, 'ViewerRequest', {
      ...common(edgeRole(this, 'ViewerRequestRole')),
      entry: VIEWER_REQUEST_ENTRY,
      description: 'Safeguards edge: content-free viewer-request checks (no body, no identifiers logged)',
      timeout: Duration.seconds(5),
    });
    this.originRequest = new nodejs.NodejsFunction(this, 'OriginRequest', {
      ...common(edgeRole(this, 'OriginRequestRole')),
      entry: ORIGIN_REQUEST_ENTRY,
      description:
        "Safeguards edge: routes each tenant to its home region's API (no body, no identifiers logged)",
      timeout: Duration.seconds(10),
    });

    this.originSigningSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'OriginSigningSecret',
      props.settings.originSigningSecretName,
    );
    this.originSigningSecret.grantRead(this.originRequest);

    const routing = Object.fromEntries(
      Object.entries(props.settings.origins).map(([region, o]) => [region, { ...o }]),
    );
    for (const fn of [this.viewerRequest, this.originRequest]) {
      (fn.node.defaultChild as lambda.CfnFunction).addMetadata(EDGE_ROUTING_METADATA, routing);
      acknowledgeFunction(fn);
      acknowledgeGuard(
        fn,
        'lambda_inside_vpc_check',
        'Lambda@Edge functions cannot be attached to a VPC; they run at CloudFront edge locations.',
      );
      acknowledgeGuard(
        fn,
        'cloudwatch_log_group_encrypted_check',
        'Same as NIST.800.53.R5-CloudWatchLogGroupEncrypted below: replicas log to groups Lambda@Edge creates itself; lines carry a pseudonymous request id and a reason code only.',
      );
      acknowledge(
        fn,
        {
          id: 'NIST.800.53.R5-LambdaInsideVPC',
          reason: 'Lambda@Edge functions cannot be attached to a VPC; they run at CloudFront edge locations.',
        },
        {
          id: 'Serverless-LambdaTracing',
          reason: 'Lambda@Edge does not support X-Ray active tracing.',
        },
        {
          id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
          reason:
            'Replicas log to /aws/lambda/us-east-1.<function> in the region of each edge location, groups Lambda@Edge creates itself; this us-east-1 group only receives direct invocations. Every line is a pseudonymous request id and a reason code (no identifiers, no content), so a regional key would protect nothing.',
        },
      );
    }
  }
}

/**
 * A role Lambda and Lambda@Edge may assume, writing logs only to the function's own log groups (Lambda@Edge
 * writes `/aws/lambda/us-east-1.<function>` in the region of each edge location, so the ARN has a wildcard
 * region but a fixed name prefix).
 */
function edgeRole(scope: Construct, id: string): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.CompositePrincipal(
      new iam.ServicePrincipal('lambda.amazonaws.com'),
      new iam.ServicePrincipal('edgelambda.amazonaws.com'),
    ),
    description: 'Lambda@Edge execution role: log writes only',
  });
  const logs = Stack.of(scope).formatArn({
    service: 'logs',
    region: '*',
    resource: 'log-group',
    resourceName: `/aws/lambda/${Stack.of(scope).region}.*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logs],
    }),
  );
  acknowledge(
    role,
    {
      id: `AwsSolutions-IAM5[Resource::${nagResource(role, logs)}]`,
      reason:
        'Lambda@Edge writes its logs in the region of whichever edge location ran it, to /aws/lambda/us-east-1.<function>: the region and the generated function name cannot be known at synth.',
    },
    {
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        'The CDK default policy of this single-purpose role (log writes, and the secret read for origin-request).',
    },
  );
  return role;
}
