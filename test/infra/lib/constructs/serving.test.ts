import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { RegionConfig, SafeguardsConfig } from '../../../../config/schema';
import { denyMessage } from '../../../../lambdas/authorizer/authorize';
import { statusNotice } from '../../../../lambdas/core/enforcement/notice';
import { AlarmTopic } from '../../../../lib/constructs/alarm-topic';
import { EnforcementTables } from '../../../../lib/constructs/enforcement-tables';
import { RegionalKeys } from '../../../../lib/constructs/keys';
import { Perimeter } from '../../../../lib/constructs/perimeter';
import { GATEWAY_RESPONSES, SERVING_ROUTES } from '../../../../lib/constructs/serving-api';
import {
  retentionAtMost,
  ServingFunctions,
  type ServingFunctionsProps,
} from '../../../../lib/constructs/serving-functions';
import { BODY_RULES_COUNTED } from '../../../../lib/constructs/waf';
import { addSafeguardsStacks } from '../../../../lib/safeguards-app';
import { makeApp, regionTemplates, testConfig } from '../../helpers';

/**
 * What the authorizer puts in `message` for a suspended tenant whose stored id and ladder reason carry JSON
 * metacharacters: API Gateway substitutes it unescaped, so it must still yield valid JSON.
 */
const HOSTILE_DENY_MESSAGE = denyMessage({
  allow: false,
  reason: 'suspended',
  notice: statusNotice(
    {
      tenantId: 'a"b\\c\u2028',
      status: 'suspended',
      until: Date.UTC(2026, 11, 8),
      statusBy: 'system:ladder',
      reason: 'x"}\\\n',
    },
    Date.UTC(2026, 11, 7),
  ),
});

process.env['CDK_VALIDATION'] = 'false';

/** The infra test config with the https region's upstream key in Secrets Manager (the secret branch). */
const servingConfig = (): SafeguardsConfig => {
  const base = testConfig();
  const regions = base.regions.map(
    (r): RegionConfig =>
      r.upstream.kind === 'https'
        ? { ...r, upstream: { ...r.upstream, apiKeySecretName: 'safeguards/upstream-key' } }
        : r,
  );
  return { ...base, regions };
};

const config = servingConfig();

let t: (region: string) => Template;

beforeAll(() => {
  t = regionTemplates(config);
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (template: Template): Resources => template.toJSON().Resources as Resources;
const dataKey = (template: Template) => {
  const [id] = Object.keys(
    template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } }),
  );
  return { 'Fn::GetAtt': [id!, 'Arn'] };
};
/** Logical id of the only resource of `type` whose id starts with `prefix`. */
const idOf = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

describe('serving API', () => {
  test('a regional REST API, execute-api endpoint on', () => {
    t('eu-west-1').hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      DisableExecuteApiEndpoint: false,
    });
  });

  test('sets the account logging role API Gateway needs for access logs, retained on deletion', () => {
    const template = t('eu-west-1');
    const role = new Capture();
    template.hasResource('AWS::ApiGateway::Account', {
      Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [role, 'Arn'] } },
      DeletionPolicy: 'Retain',
    });
    expect(template.toJSON().Resources[role.asString()]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        ManagedPolicyArns: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
              ],
            ],
          },
        ],
      },
    });
  });

  test.each(SERVING_ROUTES)(
    'POST %s: Lambda proxy integration of the proxy in STREAM mode, behind the authorizer',
    (route) => {
      const template = t('eu-west-1');
      const proxy = idOf(template, 'AWS::Lambda::Function', 'ServingProxy');
      const authorizer = idOf(template, 'AWS::ApiGateway::Authorizer', 'ApiAuthorizer');
      const pathPart = route.split('/').pop()!;
      const resource = Object.entries(template.findResources('AWS::ApiGateway::Resource')).find(
        ([, r]) => r.Properties.PathPart === pathPart,
      );
      expect(resource).toBeDefined();
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        ResourceId: { Ref: resource![0] },
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizer },
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          ResponseTransferMode: 'STREAM',
          Uri: {
            'Fn::Join': [
              '',
              [
                'arn:aws:apigateway:eu-west-1:lambda:path/2021-11-15/functions/',
                { 'Fn::GetAtt': [proxy, 'Arn'] },
                '/response-streaming-invocations',
              ],
            ],
          },
        },
      });
    },
  );

  test('every method is authorized by the REQUEST authorizer; exactly the three routes exist, each POST and ANY', () => {
    // The serving API only (the operator API is a separate, IAM-authorized API: operator-api.test.ts).
    const methods = Object.values(t('eu-west-1').findResources('AWS::ApiGateway::Method')).filter(
      (m) => m.Properties.AuthorizationType !== 'AWS_IAM',
    );
    // POST serves; ANY brings every other method to the proxy, which answers 405 with Allow and a record.
    expect(methods).toHaveLength(SERVING_ROUTES.length * 2);
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(
      [...SERVING_ROUTES.map(() => 'ANY'), ...SERVING_ROUTES.map(() => 'POST')].sort(),
    );
    for (const m of methods) {
      expect(m.Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: expect.any(String) },
      });
    }
  });

  test('authorizer: REQUEST, no result caching, no identity source (key in x-api-key or Bearer)', () => {
    const template = t('eu-west-1');
    const authorizerFn = idOf(template, 'AWS::Lambda::Function', 'ServingAuthorizer');
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: Match.absent(),
      AuthorizerUri: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [authorizerFn, 'Arn'] }])],
      }),
    });
  });

  test('request validation: modelId path parameter required; bodies reach the proxy (one record each)', () => {
    const template = t('eu-west-1');
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: false,
      ValidateRequestParameters: true,
    });
    template.resourceCountIs('AWS::ApiGateway::Model', 0);
    template.resourcePropertiesCountIs(
      'AWS::ApiGateway::Method',
      { AuthorizationType: 'CUSTOM', RequestParameters: { 'method.request.path.modelId': true } },
      4, // POST and ANY on each of the two Bedrock routes
    );
  });

  test.each(GATEWAY_RESPONSES.map((r) => [r.type.responseType, r] as const))(
    'gateway response %s: Anthropic-style JSON error with the request id',
    (responseType, r) => {
      const body = new Capture();
      t('eu-west-1').hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: responseType,
        StatusCode: r.statusCode ?? Match.absent(),
        ResponseParameters: {
          'gatewayresponse.header.Content-Type': "'application/json'",
          'gatewayresponse.header.request-id': 'context.requestId',
        },
        ResponseTemplates: { 'application/json': body },
      });
      // A sample substitution must yield valid JSON of the Anthropic error shape.
      const rendered = body
        .asString()
        .replace('$context.error.messageString', '"Invalid request body"')
        .replaceAll('$context.authorizer.message', HOSTILE_DENY_MESSAGE)
        .replaceAll('$context.requestId', 'abc-123');
      expect(JSON.parse(rendered)).toEqual({
        type: 'error',
        error: { type: r.errorType, message: expect.any(String) },
        request_id: 'abc-123',
      });
      if (r.id === 'AccessDenied') {
        expect(JSON.parse(rendered).error.message).toContain(
          "suspended by the automatic enforcement ladder (x'}'') until 2026-12-08T00:00:00Z",
        );
      }
    },
  );

  test('gateway responses cover the refusals API Gateway answers itself', () => {
    expect(GATEWAY_RESPONSES.map((r) => r.type.responseType).sort()).toEqual([
      'ACCESS_DENIED',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
      'MISSING_AUTHENTICATION_TOKEN',
      'REQUEST_TOO_LARGE',
      'THROTTLED',
      'UNAUTHORIZED',
      'WAF_FILTERED',
    ]);
  });

  test('stage: JSON access logs to a KMS log group, X-Ray, metrics, throttling, no execution/data logging', () => {
    const template = t('eu-west-1');
    const group = new Capture();
    const format = new Capture();
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      // Log group ARN without the `:*` suffix (feature flag @aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard).
      AccessLogSetting: {
        DestinationArn: { 'Fn::Join': ['', [Match.stringLikeRegexp(':log-group:$'), { Ref: group }]] },
        Format: format,
      },
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          MetricsEnabled: true,
          LoggingLevel: 'OFF',
          DataTraceEnabled: false,
          ThrottlingRateLimit: 1000,
          ThrottlingBurstLimit: 2000,
        },
      ],
    });
    expect(resources(template)[group.asString()]!.Properties).toMatchObject({
      KmsKeyId: dataKey(template),
      RetentionInDays: 365,
    });
    const fields = JSON.parse(format.asString()) as Record<string, string>;
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      status: '$context.status',
      latency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      authorizerError: '$context.authorizer.error',
      authorizerStatus: '$context.authorizer.status',
    });
  });

  test('outputs: API URL, API id, proxy log group name, HMAC key', () => {
    const template = t('eu-west-1');
    const api = idOf(template, 'AWS::ApiGateway::RestApi', 'Api');
    const proxyLogs = idOf(template, 'AWS::Logs::LogGroup', 'ServingProxyLogs');
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: api }])] },
    });
    template.hasOutput('ApiId', { Value: { Ref: api } });
    template.hasOutput('ProxyLogGroupName', { Value: { Ref: proxyLogs } });
    const hmacKey = idOf(template, 'AWS::KMS::Key', 'KeysHmacKey');
    template.hasOutput('HmacKeyArn', { Value: { 'Fn::GetAtt': [hmacKey, 'Arn'] } });
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'ApiId',
      'ApiUrl',
      'HmacKeyArn',
      'OperatorApiUrl',
      'OperatorMutatingPolicyArn',
      'OperatorReadOnlyPolicyArn',
      'ProxyLogGroupName',
    ]);
  });
});

describe('WAF', () => {
  test('regional web ACL: IP reputation, per-IP rate rule, common rules (body rules counted), bad inputs', () => {
    const rules = new Capture();
    t('eu-west-1').hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false },
      Rules: rules,
    });
    const list = rules.asArray() as Array<Record<string, any>>;
    expect(list.map((r) => r.Name)).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'RateLimitPerIp',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
    ]);
    for (const rule of list) {
      expect(rule.VisibilityConfig).toMatchObject({ CloudWatchMetricsEnabled: true });
    }
    expect(list[1]).toMatchObject({
      Action: { Block: {} },
      Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 3000, EvaluationWindowSec: 300 } },
    });
    const common = list[2]!.Statement.ManagedRuleGroupStatement;
    expect(common.RuleActionOverrides).toContainEqual({
      Name: 'SizeRestrictions_BODY',
      ActionToUse: { Count: {} },
    });
    for (const [i, group] of [
      [2, 'AWSManagedRulesCommonRuleSet'],
      [3, 'AWSManagedRulesKnownBadInputsRuleSet'],
    ] as const) {
      const overrides = list[i]!.Statement.ManagedRuleGroupStatement.RuleActionOverrides as Array<{
        Name: string;
      }>;
      expect(overrides.map((o) => o.Name)).toEqual(BODY_RULES_COUNTED[group]);
      for (const name of overrides.map((o) => o.Name)) expect(name).toMatch(/_BODY$/);
    }
  });

  test('associated with the API stage', () => {
    const template = t('eu-west-1');
    const api = idOf(template, 'AWS::ApiGateway::RestApi', 'Api');
    const stage = idOf(template, 'AWS::ApiGateway::Stage', 'ApiDeploymentStage');
    const acl = idOf(template, 'AWS::WAFv2::WebACL', 'FirewallWebAcl');
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [acl, 'Arn'] },
      ResourceArn: {
        'Fn::Join': [
          '',
          ['arn:aws:apigateway:eu-west-1::/restapis/', { Ref: api }, '/stages/', { Ref: stage }],
        ],
      },
    });
  });

  test('logging: aws-waf-logs- KMS log group, credentials redacted, blocked and counted requests only', () => {
    const template = t('eu-west-1');
    const group = idOf(template, 'AWS::Logs::LogGroup', 'FirewallLogs');
    expect(resources(template)[group]!.Properties).toMatchObject({
      LogGroupName: expect.stringMatching(/^aws-waf-logs-/),
      KmsKeyId: dataKey(template),
    });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [idOf(template, 'AWS::WAFv2::WebACL', 'FirewallWebAcl'), 'Arn'] },
      LogDestinationConfigs: [
        { 'Fn::Join': ['', ['arn:aws:logs:eu-west-1:111111111111:log-group:', { Ref: group }]] },
      ],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'x-api-key' } }],
      LoggingFilter: Match.objectLike({ DefaultBehavior: 'DROP' }),
    });
  });
});

describe('decision records to Firehose', () => {
  test('subscription filter on the proxy log group selects decision records into the delivery stream', () => {
    const template = t('eu-west-1');
    const role = new Capture();
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: idOf(template, 'AWS::Logs::LogGroup', 'ServingProxyLogs') },
      DestinationArn: {
        'Fn::GetAtt': [
          idOf(template, 'AWS::KinesisFirehose::DeliveryStream', 'TelemetryDeliveryStream'),
          'Arn',
        ],
      },
      FilterPattern: '{ $.message = "csp.decision/v1" }',
      RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
    });
    expect(resources(template)[role.asString()]!.Properties['AssumeRolePolicyDocument']).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'logs.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '111111111111' },
            ArnLike: { 'aws:SourceArn': 'arn:aws:logs:eu-west-1:111111111111:log-group:*' },
          },
        },
      ],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role.asString() }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TelemetryDeliveryStream'), 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('serving functions', () => {
  test.each([
    ['ServingAuthorizer', 256, 5],
    ['ServingProxy', 1024, 900],
  ])(
    '%s: node22 on arm64, %i MB, %is, in the isolated subnets, tracing active, own KMS log group',
    (prefix, memory, timeout) => {
      const template = t('eu-west-1');
      const group = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: memory,
        Timeout: timeout,
        TracingConfig: { Mode: 'Active' },
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}Role`), 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: group } },
        VpcConfig: {
          SubnetIds: [
            { Ref: Match.stringLikeRegexp('^PerimeterVpcisolatedSubnet1') },
            { Ref: Match.stringLikeRegexp('^PerimeterVpcisolatedSubnet2') },
          ],
          SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PerimeterWorkloadSg'), 'GroupId'] }],
        },
      });
      expect(group.asString()).toMatch(new RegExp(`^${prefix}Logs`));
      expect(resources(template)[group.asString()]!.Properties).toMatchObject({
        KmsKeyId: dataKey(template),
        RetentionInDays: 14,
      });
    },
  );

  test('no AWS managed policies on the function roles', () => {
    for (const [id, role] of Object.entries(t('eu-west-1').findResources('AWS::IAM::Role'))) {
      if (id.startsWith('Serving')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  test('authorizer environment: tables, cache TTL, lease', () => {
    t('eu-west-1').hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServingAuthorizerRole'), 'Arn'] },
      Environment: {
        Variables: Match.objectLike({
          TENANTS_TABLE: { Ref: 'EnforcementTenantsTable' },
          LIMITS_TABLE: { Ref: 'EnforcementLimitsTable' },
          TENANT_CACHE_TTL_MS: '2000',
          RATE_LIMIT_LEASE_MS: '1000',
        }),
      },
    });
  });

  test.each([
    [
      'eu-west-1',
      {
        UPSTREAM: '{"kind":"bedrock","modelId":"eu.anthropic.claude-sonnet-4-6"}',
        ALLOWED_MODELS: 'eu.anthropic.claude-sonnet-4-6',
      },
    ],
    [
      'eu-central-1',
      {
        UPSTREAM: '{"kind":"sagemaker","endpointName":"frontier-model"}',
        ALLOWED_MODELS: 'claude-sonnet-4-6',
      },
    ],
    [
      'ap-southeast-2',
      {
        UPSTREAM:
          '{"kind":"https","baseUrl":"https://models.example.com/anthropic","apiKeySecretName":"safeguards/upstream-key"}',
        CLASSIFIER_MODE: 'never',
        ALLOWED_MODELS: 'claude-sonnet-4-6',
      },
    ],
  ])(
    'proxy environment in %s follows the region config (lambdas/shared/environment.ts)',
    (region, expected) => {
      const template = t(region);
      const env = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServingProxyRole'), 'Arn'] },
        Environment: { Variables: env },
      });
      const vars = env.asObject();
      expect(vars).toMatchObject({ ...expected, LIMITS_TABLE: { Ref: 'EnforcementLimitsTable' } });
      expect(vars['HMAC_KEY_ID']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^KeysHmacKey/), 'Arn'] });
      if (region === 'ap-southeast-2') expect(vars['CLASSIFIER_ENDPOINT_NAME']).toBeUndefined();
      else
        expect(vars['CLASSIFIER_ENDPOINT_NAME']).toEqual({
          'Fn::GetAtt': [expect.stringMatching(/^ClassifierEndpoint/), 'EndpointName'],
        });
      for (const value of Object.values(vars))
        expect(JSON.stringify(value)).not.toMatch(/secret-value|password/i);
    },
  );

  test('https upstream with a secret: the Parameters and Secrets extension layer of this region', () => {
    t('ap-southeast-2').hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServingProxyRole'), 'Arn'] },
      Layers: [
        Match.stringLikeRegexp(
          '^arn:aws:lambda:ap-southeast-2:\\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:',
        ),
      ],
    });
  });
});

describe('least privilege', () => {
  /** Every statement of every identity policy of a template, with the policy it belongs to. */
  type Statement = { readonly id: string; readonly [key: string]: any };
  const statements = (template: Template): Statement[] =>
    Object.entries(resources(template))
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap(([id, r]) =>
        (r.Properties['PolicyDocument'] as { Statement: Array<Record<string, unknown>> }).Statement.map(
          (s): Statement => ({ ...s, id }),
        ),
      );
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

  test.each(Object.keys({ 'eu-west-1': 0, 'eu-central-1': 0, 'us-east-1': 0, 'ap-southeast-2': 0 }))(
    '%s: no "*" or "service:*" action anywhere; Resource "*" only in the acknowledged statements',
    (region) => {
      const all = statements(t(region));
      expect(all.length).toBeGreaterThan(0);
      for (const s of all) {
        for (const action of list(s['Action'])) expect(action).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      }
      const wildcard = all
        .filter((s) => list(s['Resource']).includes('*'))
        .map((s) => `${s.id.replace(/[0-9A-F]{8}$/, '')} ${s['Sid'] ?? list(s['Action']).join(',')}`)
        .sort();
      const classifier =
        region === 'ap-southeast-2'
          ? []
          : [
              'ClassifierExecutionPolicy EcrAuthToken',
              'ClassifierExecutionPolicy EndpointMetrics',
              'ClassifierExecutionPolicy VpcNetworkInterfaces',
            ];
      expect(wildcard).toEqual(
        [
          ...classifier,
          // The canary (on by default): X-Ray only.
          'CanaryRoleDefaultPolicy xray:PutTelemetryRecords,xray:PutTraceSegments',
          'OperatorApiHandlerRoleDefaultPolicy VpcNetworkInterfaces',
          'OperatorApiHandlerRoleDefaultPolicy xray:PutTelemetryRecords,xray:PutTraceSegments',
          'ServingAuthorizerRoleDefaultPolicy VpcNetworkInterfaces',
          'ServingAuthorizerRoleDefaultPolicy xray:PutTelemetryRecords,xray:PutTraceSegments',
          'ServingProxyRoleDefaultPolicy VpcNetworkInterfaces',
          'ServingProxyRoleDefaultPolicy xray:PutTelemetryRecords,xray:PutTraceSegments',
        ].sort(),
      );
      // The VPC calls are region-conditioned.
      for (const s of all.filter((x) => x['Sid'] === 'VpcNetworkInterfaces')) {
        expect(s['Condition']).toEqual({ StringEquals: { 'aws:RequestedRegion': region } });
      }
    },
  );

  test('Bedrock (eu. profile in EU): the profile in this region, its model in exactly the profile regions, only through the profile', () => {
    const bedrock = statements(t('eu-west-1')).filter((s) =>
      list(s['Action']).some((a) => String(a).startsWith('bedrock:')),
    );
    const profileArn =
      'arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu.anthropic.claude-sonnet-4-6';
    expect(bedrock).toEqual([
      expect.objectContaining({
        Sid: 'InvokeConfiguredInferenceProfile',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: profileArn,
      }),
      expect.objectContaining({
        Sid: 'InvokeProfileModelInTheProfileRegionsOnly',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'].map(
          (r) => `arn:aws:bedrock:${r}::foundation-model/anthropic.claude-sonnet-4-6`,
        ),
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      }),
    ]);
    // No London (UK) or Zurich (CH): the EU zone is EU member states.
    expect(JSON.stringify(bedrock)).not.toMatch(/eu-west-2|eu-central-2/);
    expect(JSON.stringify(statements(t('eu-central-1')))).not.toMatch(/bedrock:/);
  });

  test('SageMaker upstream: invoke (and stream) that endpoint only', () => {
    expect(
      statements(t('eu-central-1')).find((s) => s['Sid'] === 'InvokeUpstreamModelEndpoint'),
    ).toMatchObject({
      Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      Resource: 'arn:aws:sagemaker:eu-central-1:111111111111:endpoint/frontier-model',
    });
  });

  test('https upstream: read the named secret only', () => {
    const secret = statements(t('ap-southeast-2')).find((s) =>
      list(s['Action']).includes('secretsmanager:GetSecretValue'),
    );
    expect(secret).toMatchObject({
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: 'arn:aws:secretsmanager:ap-southeast-2:111111111111:secret:safeguards/upstream-key-??????',
    });
  });

  test('https upstream with a secret: a Secrets Manager interface endpoint in the isolated VPC (and only then)', () => {
    const endpoint = {
      ServiceName: 'com.amazonaws.ap-southeast-2.secretsmanager',
      VpcEndpointType: 'Interface',
    };
    t('ap-southeast-2').hasResourceProperties('AWS::EC2::VPCEndpoint', Match.objectLike(endpoint));
    expect(
      Object.values(t('eu-west-1').findResources('AWS::EC2::VPCEndpoint')).some((r) =>
        JSON.stringify(r).includes('secretsmanager'),
      ),
    ).toBe(false);
  });

  test('proxy: ladder grants without put or delete on tenants; audit is append-only', () => {
    const template = t('eu-west-1');
    const proxy = statements(template).filter((s) => s.id.startsWith('ServingProxyRoleDefaultPolicy'));
    const on = (table: string) =>
      proxy
        .filter((s) => JSON.stringify(s['Resource']).includes(`"${table}"`))
        .flatMap((s) => list(s['Action']) as string[])
        .sort();
    expect(on('EnforcementTenantsTable')).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    expect(on('EnforcementTenantsTable')).toContain('dynamodb:UpdateItem');
    expect(on('EnforcementTenantsTable').some((a) => /Delete|BatchWrite/.test(a))).toBe(false);
    expect(on('EnforcementAuditTable')).toEqual(['dynamodb:PutItem']);
    expect(proxy.flatMap((s) => list(s['Action']))).toEqual(
      expect.arrayContaining(['kms:GenerateMac', 'sns:Publish', 'sagemaker:InvokeEndpoint']),
    );
  });
});

describe('cdk-nag on the https-with-secret variant', () => {
  test('synthesizes with zero unacknowledged findings', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'safeguards-serving-nag-'));
    const app = makeApp({ outdir });
    addSafeguardsStacks(app, {
      ...config,
      regions: config.regions.filter((r) => r.upstream.kind === 'https'),
    });
    const synth = () => {
      try {
        app.synth();
      } catch (e) {
        const file = path.join(outdir, 'validation-report.json');
        console.error(existsSync(file) ? readFileSync(file, 'utf8').slice(0, 5000) : String(e));
        throw e;
      }
    };
    expect(synth).not.toThrow();
  });
});

describe('log retention', () => {
  test.each([
    [1, 1],
    [4, 3],
    [14, 14],
    [20, 14],
    [500, 400],
  ])('retentionAtMost(%i) = %i days', (days, expected) => {
    expect(retentionAtMost(days)).toBe(expected);
  });

  test('the proxy log group never keeps decision records longer than the telemetry bucket', () => {
    const regions = servingConfig().regions.map((r) => ({
      ...r,
      telemetry: { ...r.telemetry, retentionDays: 5 },
    }));
    const app = makeApp();
    const [stack] = addSafeguardsStacks(app, { ...config, regions: [regions[0]!] }, { nagChecks: false });
    Template.fromStack(stack!).hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 5,
      KmsKeyId: Match.anyValue(),
    });
  });
});

describe('construct validation', () => {
  const props = (): { stack: Stack; base: ServingFunctionsProps } => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Scratch', {
      env: { account: '111111111111', region: 'eu-west-1' },
    });
    const key = new kms.Key(stack, 'Key');
    const perimeter = new Perimeter(stack, 'P', { encryptionKey: key });
    return {
      stack,
      base: {
        vpc: perimeter.vpc,
        vpcSubnets: perimeter.isolatedSubnets,
        securityGroups: [perimeter.workloadSecurityGroup],
        encryptionKey: key,
        tables: new EnforcementTables(stack, 'T', { encryptionKey: key }),
        keys: new RegionalKeys(stack, 'K'),
        alarms: new AlarmTopic(stack, 'A', { encryptionKey: key }),
        classifier: { mode: 'never', deadline: Duration.millis(150) },
        upstream: { kind: 'bedrock', modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0' },
      },
    };
  };

  test('fails when tier 2 is on but no classifier endpoint is given', () => {
    const { stack, base } = props();
    expect(
      () =>
        new ServingFunctions(stack, 'S', {
          ...base,
          classifier: { mode: 'cascade', deadline: Duration.millis(150) },
        }),
    ).toThrow(
      "ServingFunctions: classifier mode 'cascade' needs a classifier endpoint (only 'never' runs without one)",
    );
  });

  test('fails when the upstream is a global inference profile (no finite region list to grant)', () => {
    const { stack, base } = props();
    expect(
      () =>
        new ServingFunctions(stack, 'S', {
          ...base,
          upstream: { kind: 'bedrock', modelId: 'global.anthropic.claude-sonnet-4-6' },
        }),
    ).toThrow(
      "ServingFunctions: inference profile 'global.anthropic.claude-sonnet-4-6' routes to any commercial region",
    );
  });

  test('fails when the proxy timeout is shorter than 5 minutes', () => {
    const { stack, base } = props();
    expect(() => new ServingFunctions(stack, 'S', { ...base, proxyTimeout: Duration.minutes(1) })).toThrow(
      'ServingFunctions: proxyTimeout must be at least 5 minutes for streamed responses, got 1 minute',
    );
  });
});
