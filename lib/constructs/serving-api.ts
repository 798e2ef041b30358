import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTE_TABLE } from '../../lambdas/core/serving/http-edge';
import { acknowledge, acknowledgeGuard } from '../nag';

/**
 * The API Gateway resources of the routes the proxy serves, relative to the stage (clients use `<url>` as their
 * base URL / endpoint): the serving route table's, so the API and the proxy cannot disagree.
 */
export const SERVING_ROUTES: readonly string[] = ROUTE_TABLE.map((r) => r.resource);

/** Properties for {@link ServingApi}. */
export interface ServingApiProps {
  /** The REQUEST authorizer (API key → tenant, status, rate limit). */
  readonly authorizer: lambda.IFunction;
  /** The streamified inference proxy. */
  readonly proxy: lambda.IFunction;
  /** The region's data key: the access log group is encrypted with it. */
  readonly encryptionKey: kms.IKey;

  /**
   * Stage name (the first path segment of every URL).
   *
   * @default 'prod'
   */
  readonly stageName?: string;

  /**
   * Steady-state requests per second for the whole stage (a flood guard; per-tenant limits are the
   * authorizer's).
   *
   * @default 1000
   */
  readonly throttlingRateLimit?: number;

  /**
   * Burst for the whole stage.
   *
   * @default 2000
   */
  readonly throttlingBurstLimit?: number;

  /**
   * Retention of the access log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: logs.RetentionDays;

  /**
   * Whether this stack sets the account's API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`, one
   * per account and region). API Gateway needs it for *access* logging too, so a stage with access logs does
   * not deploy in an account where it was never set. Turn this off when the partner manages that role
   * centrally; the role and setting are retained on stack deletion, since other APIs may rely on them.
   *
   * @default true
   */
  readonly manageAccountLoggingRole?: boolean;

  /**
   * What happens to the access log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One JSON access-log line per request. Enough to follow a request that never reached the proxy (refused by
 * WAF, the authorizer, throttling or validation), and nothing of its content or credentials.
 */
export const ACCESS_LOG_FIELDS: { readonly [field: string]: string } = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  integrationError: '$context.integration.error',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  authorizerReason: '$context.authorizer.reason',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  wafStatus: '$context.waf.status',
  xrayTraceId: '$context.xrayTraceId',
};

/** Anthropic-style error body; `message` is a JSON string expression. */
const errorBody = (type: string, message: string): string =>
  `{"type":"error","error":{"type":"${type}","message":${message}},"request_id":"$context.requestId"}`;

/**
 * Gateway responses for requests API Gateway answers itself (the proxy answers everything it receives). Status,
 * Anthropic error type and message.
 */
export const GATEWAY_RESPONSES: ReadonlyArray<{
  readonly type: apigateway.ResponseType;
  readonly id: string;
  /** Absent for the DEFAULT_* families: each response in them keeps its own status (415, 504, ...). */
  readonly statusCode?: string;
  readonly errorType: string;
  readonly message: string;
}> = [
  {
    type: apigateway.ResponseType.UNAUTHORIZED,
    id: 'Unauthorized',
    statusCode: '401',
    errorType: 'authentication_error',
    message: '"invalid or missing API key (x-api-key or Authorization: Bearer)"',
  },
  {
    type: apigateway.ResponseType.ACCESS_DENIED,
    id: 'AccessDenied',
    statusCode: '403',
    errorType: 'permission_error',
    // The authorizer puts the message in its context: for a suspended, banned or throttled tenant by whom, until
    // when and the command that lifts it; else fixed wording per reason. It holds no `"` or `\` (substituted as is).
    message: '"$context.authorizer.message"',
  },
  {
    type: apigateway.ResponseType.WAF_FILTERED,
    id: 'WafFiltered',
    statusCode: '403',
    errorType: 'permission_error',
    message: '"request refused by the firewall"',
  },
  {
    type: apigateway.ResponseType.THROTTLED,
    id: 'Throttled',
    statusCode: '429',
    errorType: 'rate_limit_error',
    message: '"too many requests"',
  },
  {
    type: apigateway.ResponseType.REQUEST_TOO_LARGE,
    id: 'RequestTooLarge',
    statusCode: '413',
    errorType: 'request_too_large',
    message: '"request exceeds the maximum size"',
  },
  {
    // What API Gateway answers for a path or method that is not one of the routes.
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    id: 'NotFound',
    statusCode: '404',
    errorType: 'not_found_error',
    message: '"not found"',
  },
  {
    type: apigateway.ResponseType.DEFAULT_4XX,
    id: 'Default4xx',
    errorType: 'invalid_request_error',
    message: '$context.error.messageString',
  },
  {
    type: apigateway.ResponseType.DEFAULT_5XX,
    id: 'Default5xx',
    errorType: 'api_error',
    message: '"internal error"',
  },
];

/**
 * The tenant-facing API of a region: a regional REST API whose three routes (Anthropic Messages and Bedrock
 * Runtime invoke / invoke-with-response-stream) are Lambda proxy integrations of the inference proxy in
 * `STREAM` transfer mode, each behind the REQUEST authorizer. JSON access logs to a KMS-encrypted log group,
 * X-Ray, metrics, stage throttling, Anthropic-style gateway responses.
 *
 * Decisions: streaming routes and sizes docs/adr/0025-regional-streaming-rest-api.md, authorizer caching 0026,
 * logging 0027, gateway responses 0029.
 */
export class ServingApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly authorizer: apigateway.RequestAuthorizer;
  /** The deployed stage (WAF associates with it). */
  public readonly stage: apigateway.Stage;
  /** The methods of {@link SERVING_ROUTES}, in that order. */
  public readonly methods: readonly apigateway.Method[];
  /** The `ANY` method of each served route: wrong methods reach the proxy, which answers 405 with `Allow`. */
  public readonly wrongMethods: readonly apigateway.Method[];

  constructor(scope: Construct, id: string, props: ServingApiProps) {
    super(scope, id);
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.encryptionKey,
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'Safeguards inference API (Anthropic Messages and Bedrock Runtime routes)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      disableExecuteApiEndpoint: false,
      // The account-level role API Gateway uses to write logs (access logs included). Retained on deletion.
      cloudWatchRole: props.manageAccountLoggingRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs go to log groups API Gateway creates itself (not encrypted with the region key, no
        // retention); data tracing would log prompts. Access logs + X-Ray + the proxy's decision records cover the
        // same ground (docs/adr/0027-serving-logs-and-tracing.md).
        loggingLevel: apigateway.MethodLoggingLevel.OFF,
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttlingRateLimit ?? 1000,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 2000,
      },
    });
    this.stage = this.api.deploymentStage;
    const loggingRole = this.api.node.tryFindChild('CloudWatchRole');
    if (loggingRole) {
      acknowledge(loggingRole, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-wide role API Gateway assumes to write the logs of every REST API in this account and region; its AWS managed policy is what API Gateway documents for it, and scoping it to this stack’s log groups would break other APIs.',
      });
    }
    // The stack exports the URL under its own name (ApiUrl); drop the RestApi's automatic duplicate output.
    this.api.node.tryRemoveChild('Endpoint');

    // No result caching: the authorizer also admits the request against the tenant's rate limit, which a cached
    // result would skip; and a key may arrive in either of two headers, while a cached authorizer requires every
    // identity source. The authorizer keeps its own per-key cache (status propagation bound, ADR 0026).
    this.authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: props.authorizer,
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    (this.authorizer.node.defaultChild as apigateway.CfnAuthorizer).addPropertyDeletionOverride(
      'IdentitySource',
    );

    // Parameters only: the body is validated by the proxy, so that a malformed body still gets a precise
    // error naming the field, a decision id and its one decision record (a gateway-level body check would
    // answer with API Gateway's own message and leave no record).
    const validator = this.api.addRequestValidator('PathParameters', {
      validateRequestBody: false,
      validateRequestParameters: true,
    });
    const sourceArnReason =
      "Principal apigateway.amazonaws.com with a SourceArn naming this API (and stage/method or authorizer); the Control Tower rule cannot evaluate the SourceArn's Fn::Join.";
    acknowledgeGuard(this.api, 'lambda_function_public_access_prohibited_check', sourceArnReason);
    acknowledgeGuard(props.authorizer, 'lambda_function_public_access_prohibited_check', sourceArnReason);
    acknowledgeGuard(
      this.api.deploymentStage,
      'api_gw_v1_execution_logging_enabled_check',
      'Execution logs would hold request data in log groups API Gateway creates without our key or retention; access logs (KMS) and one decision record per request are kept instead (see AwsSolutions-APIG6).',
    );
    acknowledge(this.api, {
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are validated by the proxy, not by API Gateway, so that every malformed request gets a precise error naming the field, a decision id and its one decision record; an API Gateway body model would answer with its own message and leave no record. Path parameters are validated here.',
    });

    const integration = new apigateway.LambdaIntegration(props.proxy, {
      proxy: true,
      responseTransferMode: apigateway.ResponseTransferMode.STREAM,
      allowTestInvoke: false,
    });
    const methodOptions = (route: string): apigateway.MethodOptions => ({
      authorizer: this.authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      requestValidator: validator,
      ...(route.includes('{modelId}') ? { requestParameters: { 'method.request.path.modelId': true } } : {}),
    });
    this.methods = SERVING_ROUTES.map((route) =>
      this.api.root.resourceForPath(route).addMethod('POST', integration, methodOptions(route)),
    );
    // Every other method of a served route reaches the proxy too (authorized like POST), which answers 405 with
    // `Allow` and records the refusal, as the local gateway does; without it API Gateway would answer a bare 404
    // with no decision record. API Gateway prefers the explicit POST method over ANY.
    this.wrongMethods = SERVING_ROUTES.map((route) =>
      this.api.root.resourceForPath(route).addMethod('ANY', integration, methodOptions(route)),
    );
    for (const method of [...this.methods, ...this.wrongMethods]) {
      acknowledge(method, {
        id: 'AwsSolutions-COG4',
        reason:
          'Tenants authenticate with API keys (x-api-key or Authorization: Bearer) checked by the Lambda REQUEST authorizer, as unmodified Anthropic and Bedrock SDK clients send them; a Cognito authorizer would need OAuth clients.',
      });
    }

    for (const r of GATEWAY_RESPONSES) {
      this.api.addGatewayResponse(r.id, {
        type: r.type,
        ...(r.statusCode ? { statusCode: r.statusCode } : {}),
        responseHeaders: { 'Content-Type': "'application/json'", 'request-id': 'context.requestId' },
        templates: { 'application/json': errorBody(r.errorType, r.message) },
      });
    }

    acknowledge(
      this.stage,
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging is off: API Gateway writes it to log groups it creates itself, outside this stack, without the region key or a retention, and data tracing would log prompts; JSON access logs, X-Ray and the proxy’s decision records cover each request.',
      },
      {
        id: 'NIST.800.53.R5-APIGWExecutionLoggingEnabled',
        reason:
          'Execution logging is off (API Gateway-owned log groups without the region key or retention; data tracing would log prompts); JSON access logs, X-Ray and decision records cover each request.',
      },
      {
        id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
        reason:
          'Responses are per-tenant model outputs streamed in STREAM transfer mode, which does not support endpoint caching; caching them would also be wrong.',
      },
      {
        id: 'NIST.800.53.R5-APIGWSSLEnabled',
        reason:
          'The only backends are Lambda proxy integrations invoked through the Lambda API; a client certificate authenticates API Gateway to HTTP backends only.',
      },
    );
  }

  /** The stage's invoke URL (`https://<id>.execute-api.<region>.<suffix>/<stage>/`). */
  public get url(): string {
    return this.api.url;
  }
}
