import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { loadConfig } from '../../../../bin/load-config';
import { parseConfig, type SafeguardsConfig } from '../../../../config/schema';
import { ResidencyGuard } from '../../../../lib/aspects/residency-guard';
import { buildEdgeReport } from '../../../../lib/report/edge-report';
import type { CfnTemplateJson } from '../../../../lib/report/template';
import { addSafeguardsStacks } from '../../../../lib/safeguards-app';
import { EDGE_STACK_NAME, UNROUTED_ORIGIN } from '../../../../lib/stacks/edge-stack';
import { makeApp, synthError } from '../../helpers';

process.env['CDK_VALIDATION'] = 'false';

const edgeConfig = (): SafeguardsConfig => loadConfig('config/edge.example.config.json');

function synthesize(config: SafeguardsConfig) {
  const app = makeApp();
  const regional = addSafeguardsStacks(app, config, { nagChecks: false });
  const edge = app.node.children.find(
    (c): c is Stack => c instanceof Stack && c.stackName === EDGE_STACK_NAME,
  );
  return { app, regional, edge };
}

describe('edge stack (config/edge.example.config.json)', () => {
  const config = edgeConfig();
  const { app, regional, edge } = synthesize(config);
  const template = Template.fromStack(edge!);

  test('lives in us-east-1 and passes its residency guard (content-free form)', () => {
    expect(edge?.region).toBe('us-east-1');
    expect(() => app.synth()).not.toThrow();
  });

  test('distribution: caching off, HTTPS only, viewer + origin request functions without body access, no logs', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['api.example.com'],
        ViewerCertificate: Match.objectLike({ AcmCertificateArn: config.edge!.certificateArn }),
        DefaultCacheBehavior: Match.objectLike({
          CachePolicyId: cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId,
          ViewerProtocolPolicy: 'https-only',
          Compress: false,
          LambdaFunctionAssociations: [
            { EventType: 'viewer-request', IncludeBody: false, LambdaFunctionARN: Match.anyValue() },
            { EventType: 'origin-request', IncludeBody: false, LambdaFunctionARN: Match.anyValue() },
          ],
        }),
        Origins: [Match.objectLike({ DomainName: UNROUTED_ORIGIN })],
        Logging: Match.absent(),
        WebACLId: Match.anyValue(),
      }),
    });
  });

  test('WAF at CloudFront scope: IP reputation, anonymous IPs, per-IP rate; nothing that reads headers or bodies', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      VisibilityConfig: Match.objectLike({ SampledRequestsEnabled: false }),
      Rules: [
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({ Name: 'AWSManagedRulesAmazonIpReputationList' }),
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({ Name: 'AWSManagedRulesAnonymousIpList' }),
          },
        }),
        Match.objectLike({
          Name: 'RatePerIp',
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: { Limit: config.edge!.limits.requestsPer5MinPerIp, AggregateKeyType: 'IP' },
          },
        }),
      ],
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(
      /FieldToMatch|LoggingConfiguration|RealtimeLogConfig/,
    );
  });

  test('functions: node22 on x86_64, no environment (settings bundled), routing recorded for the report', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(2);
    for (const fn of Object.values(fns)) {
      expect(fn['Properties']['Runtime']).toBe('nodejs22.x');
      expect(fn['Properties']['Architectures']).toEqual(['x86_64']);
      expect(fn['Properties']['Environment']).toBeUndefined();
      expect(fn['Properties']['VpcConfig']).toBeUndefined();
      expect(fn['Metadata']['csp:edge-routing']).toEqual({
        'eu-west-1': { domainName: 'eu-west-1.origin.api.example.com', zone: 'EU' },
        'eu-central-1': { domainName: 'eu-central-1.origin.api.example.com', zone: 'EU' },
        'us-east-1': { domainName: 'us-east-1.origin.api.example.com', zone: 'US' },
      });
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: Match.arrayWith(['edgelambda.amazonaws.com']) } }),
        ]),
      }),
    });
  });

  test('each fronted region declares its origin custom domain with a certificate of that region', () => {
    for (const stack of regional) {
      const origin = config.edge!.origins.find((o) => o.region === stack.region)!;
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', {
        DomainName: origin.domainName,
        RegionalCertificateArn: origin.certificateArn,
        EndpointConfiguration: { Types: ['REGIONAL'] },
        SecurityPolicy: 'TLS_1_2',
      });
    }
  });

  test('the edge report proves each zone reaches only its own regions', () => {
    const report = buildEdgeReport([
      ...regional.map((s) => ({
        stackName: s.stackName,
        region: s.region,
        zone: config.regions.find((r) => r.region === s.region)!.residencyZone,
        template: Template.fromStack(s).toJSON() as CfnTemplateJson,
      })),
      {
        stackName: EDGE_STACK_NAME,
        region: 'us-east-1',
        zone: 'EDGE',
        template: template.toJSON() as CfnTemplateJson,
      },
    ]);
    expect(report?.findings).toEqual([]);
    expect(report?.zones).toEqual([
      { zone: 'EU', reachableRegions: ['eu-central-1', 'eu-west-1'], ok: true },
      { zone: 'US', reachableRegions: ['us-east-1'], ok: true },
    ]);
  });
});

describe('regional side: refusing requests that did not come through the edge', () => {
  test('requireEdge puts the origin public keys in the authorizer environment; off by default', () => {
    const base = edgeConfig();
    const off = synthesize(base).regional[0]!;
    const on = synthesize({ ...base, edge: { ...base.edge!, requireEdge: true } }).regional[0]!;
    const env = (s: Stack) =>
      Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'))
        .map((f) => f['Properties']['Environment']?.['Variables'] ?? {})
        .find((v) => 'RATE_LIMIT_RESPONSE' in v);
    expect(env(off)).toBeDefined();
    expect(env(on)).toBeDefined();
    expect(env(off)?.['EDGE_ORIGIN_PUBLIC_KEYS']).toBeUndefined();
    expect(env(on)?.['EDGE_ORIGIN_PUBLIC_KEYS']).toBe(base.edge!.originPublicKeys.join(','));
  });

  test('no edge section: no edge stack, no custom domains', () => {
    const { edge, regional } = synthesize(loadConfig('config/example.config.json'));
    expect(edge).toBeUndefined();
    for (const s of regional) Template.fromStack(s).resourceCountIs('AWS::ApiGateway::DomainName', 0);
  });
});

describe('edge config', () => {
  test('config/edge.example.config.json is the example config plus an edge section (no drift)', () => {
    const { edge, ...rest } = edgeConfig();
    expect(edge).toBeDefined();
    // Regenerate with: npx tsx scripts/edge-example-config.ts
    expect(rest).toEqual(loadConfig('config/example.config.json'));
    expect(edge!.origins.map((o) => o.region)).toEqual(rest.regions.map((r) => r.region));
  });

  const raw = () =>
    JSON.parse(
      readFileSync(join(__dirname, '../../../../config/edge.example.config.json'), 'utf8'),
    ) as Record<string, any>;
  const problems = (doc: unknown): string => {
    try {
      parseConfig(doc, 'edge.json');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  test('fails when the edge certificate is not in us-east-1', () => {
    const doc = raw();
    doc['edge'].certificateArn = doc['edge'].certificateArn.replace('us-east-1', 'eu-west-1');
    expect(problems(doc)).toMatch(/edge\.certificateArn: expected a certificate in 'us-east-1'/);
  });

  test('fails when an origin names a region that is not configured', () => {
    const doc = raw();
    doc['edge'].origins[0].region = 'ap-south-1';
    expect(problems(doc)).toMatch(/edge\.origins\[0\]\.region: expected one of the configured regions/);
  });

  test('fails when two origins share a domain name (cross-zone routing through DNS)', () => {
    const doc = raw();
    doc['edge'].origins[2].domainName = doc['edge'].origins[0].domainName;
    expect(problems(doc)).toMatch(
      /edge\.origins\[2\]\.domainName: 'eu-west-1\.origin\.api\.example\.com' is already the origin of 'eu-west-1'/,
    );
  });

  test("fails when an origin's certificate is in another region", () => {
    const doc = raw();
    doc['edge'].origins[0].certificateArn = doc['edge'].origins[1].certificateArn;
    expect(problems(doc)).toMatch(
      /edge\.origins\[0\]\.certificateArn: expected a certificate in 'eu-west-1'/,
    );
  });

  test.each([
    ['upper case', 'API.example.com'],
    ['a percent escape', 'api%2Eexample.com'],
    ['non-ASCII', 'аpi.example.com'],
    ['a port', 'api.example.com:443'],
  ])('fails when the hostname has %s', (_label, hostname) => {
    const doc = raw();
    doc['edge'].hostname = hostname;
    expect(problems(doc)).toMatch(/edge\.hostname: expected a lower-case DNS hostname/);
  });

  test('fails when a public key is not an Ed25519 key', () => {
    const doc = raw();
    doc['edge'].claimPublicKeys = ['not-a-key'];
    expect(problems(doc)).toMatch(/edge\.claimPublicKeys\[0\]: expected an Ed25519 public key/);
  });
});

describe('ResidencyGuard — the edge only in its content-free form', () => {
  function edgeStack() {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Edge', { env: { account: '111111111111', region: 'us-east-1' } });
    ResidencyGuard.apply(stack, { region: 'us-east-1', zone: 'EDGE', residencyBound: false });
    return { app, stack };
  }
  const distribution = (stack: Stack, association: Record<string, unknown>) =>
    new cloudfront.CfnDistribution(stack, 'Cdn', {
      distributionConfig: {
        enabled: true,
        defaultCacheBehavior: {
          targetOriginId: 'o',
          viewerProtocolPolicy: 'https-only',
          lambdaFunctionAssociations: [
            { lambdaFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:f:1', ...association },
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
  const webAcl = (stack: Stack, statement: wafv2.CfnWebACL.StatementProperty) =>
    new wafv2.CfnWebACL(stack, 'Acl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'a', sampledRequestsEnabled: false },
      rules: [
        {
          name: 'r',
          priority: 0,
          action: { block: {} },
          statement,
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'r',
            sampledRequestsEnabled: false,
          },
        },
      ],
    });

  test('a viewer-request function without body access passes', () => {
    const { app, stack } = edgeStack();
    distribution(stack, { eventType: 'viewer-request', includeBody: false });
    expect(synthError(app)).toBe('');
  });

  test('fails when a Lambda@Edge association reads the body', () => {
    const { app, stack } = edgeStack();
    distribution(stack, { eventType: 'viewer-request', includeBody: true });
    expect(synthError(app)).toMatch(
      /\[Edge\/Cdn\] .*edge-body-access: Lambda@Edge association reads the request body/,
    );
  });

  test('fails when a function runs on responses', () => {
    const { app, stack } = edgeStack();
    distribution(stack, { eventType: 'origin-response' });
    expect(synthError(app)).toMatch(/edge-body-access: only viewer-request and origin-request functions/);
  });

  test('fails when a WAF rule inspects the body', () => {
    const { app, stack } = edgeStack();
    webAcl(stack, {
      byteMatchStatement: {
        fieldToMatch: { body: { oversizeHandling: 'CONTINUE' } },
        positionalConstraint: 'CONTAINS',
        searchString: 'ignore previous instructions',
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    });
    expect(synthError(app)).toMatch(
      /\[Edge\/Acl\] .*edge-body-inspection: WAF rule inspects Body at the edge/,
    );
  });

  test('fails when a managed rule group that inspects content is used', () => {
    const { app, stack } = edgeStack();
    webAcl(stack, { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } });
    expect(synthError(app)).toMatch(/edge-body-inspection: only IP-based managed rule groups/);
  });

  test('fails when real-time logs are configured', () => {
    const { app, stack } = edgeStack();
    new cloudfront.CfnRealtimeLogConfig(stack, 'Rt', {
      name: 'rt',
      samplingRate: 100,
      fields: ['c-ip', 'cs-headers'],
      endPoints: [
        {
          streamType: 'Kinesis',
          kinesisStreamConfig: {
            roleArn: 'arn:aws:iam::111111111111:role/r',
            streamArn: 'arn:aws:kinesis:us-east-1:111111111111:stream/s',
          },
        },
      ],
    });
    expect(synthError(app)).toMatch(
      /edge-content-logging: AWS::CloudFront::RealtimeLogConfig writes request details/,
    );
  });

  test('the report flags an origin declared in another zone (cross-zone routing)', () => {
    const routing = { 'eu-west-1': { domainName: 'eu.origin.example.com', zone: 'EU' } };
    const edgeTemplate = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: {}, Metadata: { 'csp:edge-routing': routing } },
      },
    } as unknown as CfnTemplateJson;
    const usTemplate = {
      Resources: {
        D: { Type: 'AWS::ApiGateway::DomainName', Properties: { DomainName: 'eu.origin.example.com' } },
      },
    } as unknown as CfnTemplateJson;
    const report = buildEdgeReport([
      { stackName: 'Edge', region: 'us-east-1', zone: 'EDGE', template: edgeTemplate },
      { stackName: 'Safeguards-us-east-1', region: 'us-east-1', zone: 'US', template: usTemplate },
    ]);
    expect(report?.findings).toEqual([
      'origin eu.origin.example.com for eu-west-1 (EU) is declared in Safeguards-us-east-1 (US/us-east-1)',
    ]);
    expect(report?.zones).toEqual([{ zone: 'EU', reachableRegions: ['us-east-1'], ok: false }]);
  });
});
