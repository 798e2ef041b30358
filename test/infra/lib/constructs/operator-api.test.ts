import { Match, type Template } from 'aws-cdk-lib/assertions';
import { OPERATOR_ROUTES } from '../../../../lib/constructs/operator-api';
import { regionTemplates, testConfig } from '../../helpers';

process.env['CDK_VALIDATION'] = 'false';

let template: Template;

beforeAll(() => {
  template = regionTemplates(testConfig())('eu-west-1');
});

const operatorApiId = () => {
  const apis = template.findResources('AWS::ApiGateway::RestApi', {
    Properties: { Description: Match.stringLikeRegexp('operator API') },
  });
  const ids = Object.keys(apis);
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

describe('operator API (IAM-authorized)', () => {
  test.each(OPERATOR_ROUTES)('%s %s requires AWS_IAM authorization', (method) => {
    const apiId = operatorApiId();
    const methods = Object.values(
      template.findResources('AWS::ApiGateway::Method', {
        Properties: { RestApiId: { Ref: apiId }, HttpMethod: method },
      }),
    );
    expect(methods.length).toBeGreaterThan(0);
    for (const m of methods) expect(m['Properties']['AuthorizationType']).toBe('AWS_IAM');
  });

  test('no method of the operator API is open', () => {
    const apiId = operatorApiId();
    const methods = Object.values(
      template.findResources('AWS::ApiGateway::Method', { Properties: { RestApiId: { Ref: apiId } } }),
    );
    expect(methods).toHaveLength(OPERATOR_ROUTES.length);
    expect(methods.every((m) => m['Properties']['AuthorizationType'] === 'AWS_IAM')).toBe(true);
  });

  test('the handler: node22 arm64 in the VPC, tables and topic from the stack, no wildcard actions', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('operator API'),
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          TENANTS_TABLE: { Ref: 'EnforcementTenantsTable' },
          AUDIT_TABLE: { Ref: 'EnforcementAuditTable' },
          VIOLATIONS_TABLE: { Ref: 'EnforcementViolationsTable' },
          ALARM_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^AlarmsTopic') },
          HMAC_KEY_ID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysHmacKey'), 'Arn'] },
        }),
      },
    });
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('^OperatorApiHandlerRole') },
    });
    const actions = Object.values(policies).flatMap((p) =>
      (p['Properties']['PolicyDocument']['Statement'] as { Action: string | string[] }[]).flatMap((s) =>
        [s.Action].flat(),
      ),
    );
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'sns:Publish', 'kms:GenerateMac']),
    );
    expect(actions.some((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(a))).toBe(false);
  });

  test.each([
    ['read-only', 'only read', false],
    ['mutating', 'change state', true],
  ])(
    'operators get a %s invoke policy naming exactly those routes of this API (stage ops)',
    (_, words, mutating) => {
      const policies = Object.values(
        template.findResources('AWS::IAM::ManagedPolicy', {
          Properties: { Description: Match.stringLikeRegexp(`operator roles that ${words}`) },
        }),
      );
      expect(policies).toHaveLength(1);
      const statements = policies[0]!['Properties']['PolicyDocument']['Statement'] as {
        Action: string;
        Resource: { 'Fn::Join': [string, unknown[]] }[];
      }[];
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toBe('execute-api:Invoke');
      const tails = statements[0]!.Resource.map((r) => {
        const parts = r['Fn::Join'][1];
        expect(parts).toContainEqual({ Ref: operatorApiId() });
        return parts[parts.length - 1];
      });
      const expected = OPERATOR_ROUTES.filter(([m]) => (m !== 'GET') === mutating).map(
        ([m, route]) => `/ops/${m}${route.replace(/\{\w+\}/g, '*')}`,
      );
      expect(tails.sort()).toEqual(expected.sort());
      expect(tails.every((t) => typeof t === 'string' && !t.startsWith('/ops/*'))).toBe(true);
    },
  );

  test('access logs to a KMS-encrypted log group; stage throttled', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'ops',
      RestApiId: { Ref: operatorApiId() },
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 10 })]),
    });
  });
});
