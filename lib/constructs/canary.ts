import * as path from 'node:path';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { toEnvironment } from '../../lambdas/shared/environment';
import { acknowledge, acknowledgeGuard } from '../nag';
import { DEFAULT_BUNDLING } from './serving-functions';

/** Repository root: the handler entry and the lockfile live under it (local esbuild bundling). */
const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** Handler entry of the canary. */
export const CANARY_ENTRY = path.join(PROJECT_ROOT, 'lambdas/canary/handler.ts');

/** Properties for {@link Canary}. */
export interface CanaryProps {
  /** Base URL of the inference API the probes go to: the public stage URL (`ServingApi.url`). */
  readonly apiUrl: string;
  /**
   * Secrets Manager secret whose `SecretString` is the canary tenant's API key (`csk_…`, issued with
   * `npx safeguards --region <r> tenant create`). Read at run time through the Parameters and Secrets Lambda
   * extension; the function gets `GetSecretValue` on it. A secret encrypted with a customer managed key must be
   * passed with that key (`Secret.fromSecretAttributes({ encryptionKey })`) so the grant includes `kms:Decrypt`.
   */
  readonly apiKeySecret: secretsmanager.ISecret;
  /** Model the probes name (`model` of `/v1/messages`, `{modelId}` of the Bedrock routes). */
  readonly model: string;
  /** The region's data key: the canary's log group is encrypted with it. */
  readonly encryptionKey: kms.IKey;

  /**
   * Also run the output probes (prompts that make the upstream produce harmful text, which must end with
   * `stop_reason: "refusal"`). Only for an upstream known to answer them that way (the local demo model does);
   * against a real model a probe that the model itself refuses would read as "not live".
   *
   * @default false
   */
  readonly outputProbes?: boolean;

  /**
   * Deadline of one probe (request, response head and whole body). All probes run in parallel; the function's
   * timeout is this plus 20 seconds.
   *
   * @default Duration.seconds(10)
   */
  readonly probeTimeout?: Duration;

  /**
   * Retention of the canary's log group (per-probe result lines: probe id, route, outcome, decision id).
   *
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Bundling options merged over the serving defaults (minified CJS for node22, source maps, AWS SDK external).
   *
   * @default - DEFAULT_BUNDLING
   */
  readonly bundling?: nodejs.BundlingOptions;

  /**
   * What happens to the log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The enforcement canary: a function on an EventBridge schedule (every minute) that sends the known-good and
 * known-bad probes of config/canary/probes.json through the public API as the canary tenant — `POST /v1/messages`
 * (JSON and SSE) and `POST /model/{modelId}/invoke[-with-response-stream]` — and publishes `EnforcementLive`
 * (Powertools EMF, namespace `CspSafeguards`, service `safeguards-canary`): per route with a `Route` dimension, and
 * the minimum over the routes with `service` only, which is what the `EnforcementLive` alarm reads
 * (lib/constructs/monitoring-metrics.ts). Runbook: docs/runbooks/enforcement-live.md.
 *
 * **Outside the VPC, by design.** The canary probes the path exactly as a client does: the regional (public)
 * API Gateway endpoint behind the WAF. From the isolated subnets (no NAT) that endpoint is unreachable, and an
 * `execute-api` interface endpoint does not help: with private DNS it captures every `execute-api` name in the
 * VPC and serves only PRIVATE APIs, so calls to the regional API would fail — and it would change how the
 * serving API resolves for everything else in the VPC. The function touches no table, key or model and handles
 * no customer data: it needs the API URL, its own API key (Secrets Manager, through the Parameters and Secrets
 * extension over the public endpoint), and CloudWatch Logs/EMF. It therefore runs in the Lambda service network;
 * the cdk-nag finding `NIST.800.53.R5-LambdaInsideVPC` is acknowledged on the function with this reason.
 *
 * **Key.** The canary tenant is an ordinary tenant whose key lives in Secrets Manager (name from config); only the
 * secret's name reaches the template. Scheduled invocations are asynchronous and not retried (`retryAttempts: 0`,
 * `maxEventAge` one minute): a failed run is a missing data point, which the alarm treats as breaching once
 * `canaryActive` is set, so a retry or a dead-letter queue would only add stale probes.
 */
export class Canary extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const probeTimeout = props.probeTimeout ?? Duration.seconds(10);
    validate(props, probeTimeout);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Safeguards enforcement canary',
    });
    this.logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Safeguards enforcement canary: known-good and known-bad probes through the public API',
      entry: CANARY_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(probeTimeout.toSeconds({ integral: false }) + 20),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup: this.logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: { ...DEFAULT_BUNDLING, ...props.bundling },
      // The key is read through the Parameters and Secrets extension (localhost:2773); no Secrets Manager SDK.
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(
        lambda.ParamsAndSecretsVersions.V1_0_103,
        {
          cacheSize: 10,
          logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
        },
      ),
      environment: toEnvironment('canary', {
        apiUrl: props.apiUrl,
        apiKeySecretId: props.apiKeySecret.secretName,
        model: props.model,
        outputProbes: props.outputProbes ?? false,
        probeTimeoutMs: probeTimeout.toMilliseconds(),
      }),
    });
    props.apiKeySecret.grantRead(this.function);

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the safeguards enforcement canary',
      // Every minute, fixed: the EnforcementLive alarm evaluates one-minute periods and, once `canaryActive`, a
      // period without data is breaching.
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
      ],
    });

    this.acknowledgeFindings(role);
    acknowledge(this.rule, {
      id: 'Serverless-EventBusDLQ',
      reason:
        'Schedule target, not retried on purpose: an undelivered run is a missing EnforcementLive data point, which the alarm treats as breaching; a dead-letter queue would only hold stale schedule events.',
    });
  }

  /** Findings on the function and its role, with the decision behind each. */
  private acknowledgeFindings(role: iam.Role): void {
    acknowledgeGuard(
      this.function,
      'lambda_inside_vpc_check',
      'The canary must reach the public regional API endpoint as a client does; the isolated subnets have no route to it (see NIST.800.53.R5-LambdaInsideVPC below).',
    );
    acknowledgeGuard(
      this.logGroup,
      'cloudwatch_log_group_retention_period_check',
      'Probe results only (no customer data); EnforcementLive metrics carry the history. Retention is a prop (default two weeks).',
    );
    acknowledge(
      role,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords (added by active tracing) support no resource-level scoping.',
      },
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'CDK-generated default policy of the canary role: attached to that one role, scoped to its log group, its API-key secret and X-Ray.',
      },
    );
    const runtime =
      'nodejs22.x is the runtime the bundles target (esbuild target node22) and the code is tested for (Node 20/22); moving to nodejs24.x is a deliberate upgrade with its own test run.';
    const noDlq =
      'Scheduled every minute and not retried: a failed run is a missing EnforcementLive data point, which the alarm treats as breaching; a dead-letter queue would only hold stale probe runs.';
    acknowledge(
      this.function,
      { id: 'AwsSolutions-L1', reason: runtime },
      { id: 'Serverless-LambdaLatestVersion', reason: runtime },
      {
        id: 'NIST.800.53.R5-LambdaInsideVPC',
        reason:
          'The canary must reach the public regional API endpoint as a client does; the isolated subnets have no route to it (no NAT) and an execute-api interface endpoint serves private APIs only. It handles no customer data and reaches no table, key or model (see the Canary construct).',
      },
      {
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason:
          'One run per minute lasting seconds; reserving concurrency would carve capacity out of the account pool (and fails in accounts at the minimum unreserved limit). A throttled canary reports nothing, which the alarm treats as breaching.',
      },
      { id: 'NIST.800.53.R5-LambdaDLQ', reason: noDlq },
      { id: 'Serverless-LambdaDLQ', reason: noDlq },
    );
  }
}

const validate = (props: CanaryProps, probeTimeout: Duration): void => {
  if (!Token.isUnresolved(props.apiUrl) && !props.apiUrl.startsWith('https://')) {
    throw new Error(`Canary: expected an https:// apiUrl, got '${props.apiUrl}'`);
  }
  if (!Token.isUnresolved(props.model) && props.model.trim() === '') {
    throw new Error('Canary: model must not be empty');
  }
  const ms = probeTimeout.toMilliseconds();
  if (ms < 100 || ms > 60_000) {
    throw new Error(
      `Canary: probeTimeout must be from 100 ms to 60 seconds, got ${probeTimeout.toHumanString()}`,
    );
  }
};
