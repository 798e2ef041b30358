import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { toEnvironment } from '../../lambdas/shared/environment';
import { acknowledge, acknowledgeGuard, nagResource } from '../nag';
import type { AlarmTopic } from './alarm-topic';
import type { EnforcementTables } from './enforcement-tables';
import type { RegionalKeys } from './keys';
import { acknowledgeFunction, DEFAULT_BUNDLING, lambdaExecutionRole } from './serving-functions';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** Operator routes; every method requires IAM (SigV4) authorization. */
export const OPERATOR_ROUTES: ReadonlyArray<readonly [method: string, path: string]> = [
  ['GET', '/controls'],
  ['PUT', '/controls'],
  ['POST', '/models/{modelId}/disable'],
  ['POST', '/models/{modelId}/enable'],
  ['POST', '/tenants'],
  ['GET', '/tenants/{tenantId}'],
  ['POST', '/tenants/{tenantId}/status'],
  ['POST', '/tenants/{tenantId}/reinstate'],
  ['PUT', '/tenants/{tenantId}/limits'],
  ['DELETE', '/tenants/{tenantId}/limits'],
  ['PUT', '/tenants/{tenantId}/overrides'],
  ['PUT', '/controls/shadow'],
];

/** True for a method that changes state (everything but GET/HEAD/OPTIONS). */
export const isMutating = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** Properties for {@link OperatorApi}. */
export interface OperatorApiProps {
  readonly tables: EnforcementTables;
  readonly alarms: AlarmTopic;
  /** The region's keys: notifications to the alarm topic carry HMAC pseudonyms (`kms:GenerateMac`). */
  readonly keys: RegionalKeys;
  readonly encryptionKey: kms.IKey;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /** @default logs.RetentionDays.ONE_YEAR (operator actions are also in the audit table) */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The operator API: a separate regional REST API whose every method requires IAM (SigV4) authorization, in
 * front of a Lambda that suspends, bans and reinstates tenants and sets the regional kill switch and model
 * switches — each change appended to the audit table with the caller's IAM principal. Operators get access by
 * attaching {@link invokePolicy} to their roles; tenants' API keys never reach it.
 */
export class OperatorApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly handler: nodejs.NodejsFunction;
  /** Attach to operator roles that read: `execute-api:Invoke` on the GET routes of this API only. */
  public readonly readOnlyInvokePolicy: iam.ManagedPolicy;
  /** Attach to operator roles that change state: `execute-api:Invoke` on the PUT/POST routes of this API only. */
  public readonly mutatingInvokePolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorApiProps) {
    super(scope, id);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const fnLogs = new logs.LogGroup(this, 'HandlerLogs', {
      encryptionKey: props.encryptionKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = lambdaExecutionRole(this, 'HandlerRole', fnLogs, 'Safeguards operator API');
    this.handler = new nodejs.NodejsFunction(this, 'Handler', {
      description: 'Safeguards operator API: tenants, status, limits, kill switch, model switches (audited)',
      entry: path.join(PROJECT_ROOT, 'lambdas', 'operator', 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: DEFAULT_BUNDLING,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(15),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [...props.securityGroups],
      tracing: lambda.Tracing.ACTIVE,
      logGroup: fnLogs,
      role,
      environment: toEnvironment('operator', {
        tenantsTable: props.tables.tenants.tableName,
        violationsTable: props.tables.violations.tableName,
        auditTable: props.tables.audit.tableName,
        alarmTopicArn: props.alarms.topic.topicArn,
        hmacKeyId: props.keys.hmacKey.keyArn,
      }),
    });
    props.tables.grantOperator(this.handler);
    props.alarms.grantPublish(this.handler);
    props.keys.grantGenerateMac(this.handler);
    acknowledgeFunction(this.handler);
    acknowledge(
      role,
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "Table grants on the region's data key only.",
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: "Table grants on the region's data key only.",
      },
    );

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.encryptionKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'Safeguards operator API (IAM-authorized): tenant status, kill switch, model switches',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'ops',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        tracingEnabled: true,
        throttlingRateLimit: 10,
        throttlingBurstLimit: 20,
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });
    this.api.node.tryRemoveChild('Endpoint');
    const integration = new apigateway.LambdaIntegration(this.handler, { allowTestInvoke: false });
    const validator = this.api.addRequestValidator('Parameters', { validateRequestParameters: true });
    for (const [method, route] of OPERATOR_ROUTES) {
      const resource = this.api.root.resourceForPath(route);
      const params = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      resource.addMethod(method, integration, {
        authorizationType: apigateway.AuthorizationType.IAM,
        requestValidator: validator,
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
      });
    }
    const invokeArns = (mutating: boolean): string[] =>
      OPERATOR_ROUTES.filter(([method]) => isMutating(method) === mutating).map(([method, route]) =>
        this.api.arnForExecuteApi(method, route.replace(/\{\w+\}/g, '*'), 'ops'),
      );
    const invokePolicy = (id: string, mutating: boolean, description: string): iam.ManagedPolicy => {
      const resources = invokeArns(mutating);
      const policy = new iam.ManagedPolicy(this, id, {
        description,
        statements: [
          new iam.PolicyStatement({
            sid: mutating ? 'InvokeMutatingOperatorRoutes' : 'InvokeReadOnlyOperatorRoutes',
            actions: ['execute-api:Invoke'],
            resources,
          }),
        ],
      });
      acknowledge(
        policy,
        ...resources
          .map((arn) => nagResource(this, arn))
          .filter((arn) => arn.includes('*'))
          .map((arn) => ({
            id: `AwsSolutions-IAM5[Resource::${arn}]`,
            reason:
              'One operator route of this API (stage ops); the wildcard stands for its path parameter (tenant or model id), which the operator chooses.',
          })),
      );
      return policy;
    };
    this.readOnlyInvokePolicy = invokePolicy(
      'ReadOnlyInvokePolicy',
      false,
      'Attach to safeguards operator roles that only read: the GET routes of this region operator API',
    );
    this.mutatingInvokePolicy = invokePolicy(
      'MutatingInvokePolicy',
      true,
      'Attach to safeguards operator roles that change state: the POST, PUT and DELETE routes of this region operator API (audited)',
    );

    const reasonIam =
      'Operators call it with SigV4 under their IAM roles (AWS_IAM authorization on every method).';
    acknowledge(
      this.api,
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Path parameters are validated here; bodies are validated by the handler with precise field errors.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: `${reasonIam} Throttled at 10 rps; a WAF adds nothing over IAM authentication for this internal API.`,
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging would go to log groups API Gateway creates without our key; access logs and the audit table record every call.',
      },
      {
        id: 'NIST.800.53.R5-APIGWExecutionLoggingEnabled',
        reason: 'See AwsSolutions-APIG6: access logs (KMS) and the audit table record every call.',
      },
      {
        id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
        reason: 'Operator calls must never be answered from a cache.',
      },
      {
        id: 'NIST.800.53.R5-APIGWSSLEnabled',
        reason: 'Client certificates apply to HTTP backends; the backend is a Lambda function.',
      },
      { id: 'AwsSolutions-COG4', reason: reasonIam },
    );
    acknowledgeGuard(
      this.api,
      'lambda_function_public_access_prohibited_check',
      "Principal apigateway.amazonaws.com with a SourceArn naming this API, stage and method; the Control Tower rule cannot evaluate the SourceArn's Fn::Join.",
    );
    acknowledgeGuard(
      this.api.deploymentStage,
      'api_gw_v1_execution_logging_enabled_check',
      'See AwsSolutions-APIG6: execution logs would go to log groups API Gateway creates without our key; access logs (KMS) and the audit table record every call.',
    );
    acknowledge(this.api.deploymentStage, {
      id: 'NIST.800.53.R5-APIGWAssociatedWithWAF',
      reason: `${reasonIam} Internal, low-rate (10 rps throttle) and never called by tenants; IAM authentication refuses anonymous traffic before the handler.`,
    });
  }
}
