import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { canaryModel, parseConfig, type SafeguardsConfig } from '../../../../config/schema';
import { Canary, type CanaryProps } from '../../../../lib/constructs/canary';
import { RegionalKeys } from '../../../../lib/constructs/keys';
import { addNagChecks } from '../../../../lib/nag';
import { addSafeguardsStacks } from '../../../../lib/safeguards-app';
import { makeApp, testConfig } from '../../helpers';

process.env['CDK_VALIDATION'] = 'false';

type Json = Record<string, unknown>;
const API_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/';

/** A stack with only the canary (its key, its secret), optionally with the cdk-nag packs registered. */
const canaryStack = (over: Partial<CanaryProps> = {}, options: { nag?: boolean; outdir?: string } = {}) => {
  const app = makeApp(options.outdir ? { outdir: options.outdir } : {});
  const stack = new Stack(app, 'CanaryTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new RegionalKeys(stack, 'Keys').dataKey;
  const canary = new Canary(stack, 'Canary', {
    apiUrl: API_URL,
    apiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'safeguards/canary-key'),
    model: 'anthropic.claude-sonnet-4-6',
    encryptionKey: key,
    ...over,
  });
  if (options.nag) addNagChecks(app);
  return { app, stack, canary, template: () => Template.fromStack(stack) };
};

describe('Canary construct', () => {
  let template: Template;
  beforeAll(() => {
    template = canaryStack().template();
  });

  test('an EventBridge rule runs the function every minute, not retried, events at most a minute old', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CanaryFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CanarySchedule'), 'Arn'] },
    });
  });

  test('function: node22 arm64, outside the VPC, bounded timeout, tracing, the secrets extension, its env', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 30,
      VpcConfig: Match.absent(),
      TracingConfig: { Mode: 'Active' },
      Layers: [Match.stringLikeRegexp('AWS-Parameters-and-Secrets-Lambda-Extension-Arm64')],
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^CanaryLogs') } },
      Environment: {
        Variables: Match.objectLike({
          CANARY_API_URL: API_URL,
          CANARY_API_KEY_SECRET_ID: 'safeguards/canary-key',
          CANARY_MODEL: 'anthropic.claude-sonnet-4-6',
          CANARY_OUTPUT_PROBES: 'false',
          CANARY_PROBE_TIMEOUT_MS: '10000',
          POWERTOOLS_SERVICE_NAME: 'safeguards-canary',
          POWERTOOLS_METRICS_NAMESPACE: 'CspSafeguards',
        }),
      },
    });
  });

  test('the log group is encrypted with the given key and retained', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        RetentionInDays: 14,
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('grants: read of its own secret only, its log group, X-Ray; no VPC, table or key actions', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) => ((p['Properties'] as Json)['PolicyDocument'] as { Statement: Json[] }).Statement,
    );
    const actions = statements.flatMap((s) => [s['Action']].flat() as string[]);
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions).not.toContain('secretsmanager:DescribeSecret');
    expect(actions.filter((a) => /^(ec2|dynamodb|kms|sagemaker|bedrock):/.test(a))).toEqual([]);
    const secret = statements.find((s) => [s['Action']].flat().includes('secretsmanager:GetSecretValue'))!;
    expect(JSON.stringify(secret['Resource'])).toContain(':secret:safeguards/canary-key-??????');
    const logStatement = statements.find((s) => [s['Action']].flat().includes('logs:PutLogEvents'))!;
    expect(JSON.stringify(logStatement['Resource'])).toMatch(/CanaryLogs/);
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0]!['Properties'] as Json;
    expect(role['ManagedPolicyArns']).toBeUndefined();
  });

  test('output probes and the probe deadline are the caller’s; the timeout follows the deadline', () => {
    const t = canaryStack({ outputProbes: true, probeTimeout: Duration.seconds(5) }).template();
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 25,
      Environment: {
        Variables: Match.objectLike({ CANARY_OUTPUT_PROBES: 'true', CANARY_PROBE_TIMEOUT_MS: '5000' }),
      },
    });
  });

  test('cdk-nag clean (AwsSolutions, NIST 800-53 R5, Serverless) with the acknowledgements next to it', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'canary-nag-'));
    const { app } = canaryStack({}, { nag: true, outdir });
    const synth = () => {
      try {
        app.synth();
      } catch (e) {
        const file = path.join(outdir, 'validation-report.json');
        console.error(existsSync(file) ? readFileSync(file, 'utf8') : '(no validation report)');
        throw e;
      }
    };
    expect(synth).not.toThrow();
  });

  test('fails when the API URL is not https', () => {
    expect(() => canaryStack({ apiUrl: 'http://abc123.execute-api.eu-west-1.amazonaws.com/prod/' })).toThrow(
      "Canary: expected an https:// apiUrl, got 'http://abc123.execute-api.eu-west-1.amazonaws.com/prod/'",
    );
  });

  test.each([[Duration.millis(50)], [Duration.minutes(2)]])(
    'fails when the probe timeout is %s',
    (probeTimeout) => {
      expect(() => canaryStack({ probeTimeout })).toThrow(
        /^Canary: probeTimeout must be from 100 ms to 60 seconds/,
      );
    },
  );

  test('fails when the model is empty', () => {
    expect(() => canaryStack({ model: ' ' })).toThrow('Canary: model must not be empty');
  });
});

describe('canary in the regional stack (config regions[].canary)', () => {
  let templates: Record<string, Template>;
  beforeAll(() => {
    const base = testConfig();
    // eu-west-1 (bedrock) and us-east-1 by default; ap-southeast-2 (https) with a model and output probes;
    // eu-central-1 opted out.
    const config: SafeguardsConfig = {
      ...base,
      regions: base.regions.map((r) =>
        r.region === 'ap-southeast-2'
          ? { ...r, canary: { ...r.canary, model: 'claude-sonnet-4-6', outputProbes: true } }
          : r.region === 'eu-central-1'
            ? { ...r, canary: { ...r.canary, enabled: false } }
            : r,
      ),
    };
    const app = makeApp();
    const stacks = addSafeguardsStacks(app, config, { nagChecks: false });
    templates = Object.fromEntries(stacks.map((s) => [s.region, Template.fromStack(s)]));
  });

  const alarm = (t: Template) =>
    Object.entries(t.findResources('AWS::CloudWatch::Alarm')).find(([id]) =>
      id.startsWith('MonitoringEnforcementLive'),
    )![1]['Properties'] as Json;

  test('the canary probes this stack’s API URL with the Bedrock model id, with the generated secret', () => {
    templates['eu-west-1']!.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CANARY_API_URL: {
            'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('^Api[0-9A-F]{8}$') }])],
          },
          CANARY_API_KEY_SECRET_ID: {
            'Fn::Join': ['-', Match.arrayWith([{ 'Fn::Select': Match.anyValue() }])],
          },
          CANARY_MODEL: (testConfig().regions[0]!.upstream as { modelId: string }).modelId,
          CANARY_OUTPUT_PROBES: 'false',
        }),
      },
    });
  });

  test('a non-Bedrock upstream uses the configured model and output-probe setting', () => {
    templates['ap-southeast-2']!.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ CANARY_MODEL: 'claude-sonnet-4-6', CANARY_OUTPUT_PROBES: 'true' }),
      },
    });
  });

  test('EnforcementLive treats missing data as breaching only where the canary is deployed', () => {
    expect(alarm(templates['eu-west-1']!)['TreatMissingData']).toBe('breaching');
    expect(alarm(templates['eu-central-1']!)['TreatMissingData']).toBe('notBreaching');
    // The alarm still reads the overall series: service only, no Route dimension.
    expect(alarm(templates['eu-west-1']!)['Dimensions']).toEqual([
      { Name: 'service', Value: 'safeguards-canary' },
    ]);
  });

  test('cdk-nag and Control Tower rules clean in a whole regional stack with the canary (same packs as bin/app.ts)', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'canary-stack-nag-'));
    const app = makeApp({ outdir });
    const base = testConfig();
    addSafeguardsStacks(app, { ...base, regions: [base.regions[0]!] });
    const synth = () => {
      try {
        app.synth();
      } catch (e) {
        const file = path.join(outdir, 'validation-report.json');
        console.error(existsSync(file) ? readFileSync(file, 'utf8') : '(no validation report)');
        throw e;
      }
    };
    expect(synth).not.toThrow();
  });

  test('opted out: no canary, no tenant, no secret', () => {
    const t = templates['eu-central-1']!;
    const fns = Object.values(t.findResources('AWS::Lambda::Function'));
    expect(fns.some((f) => JSON.stringify(f).includes('CANARY_API_URL'))).toBe(false);
    t.resourceCountIs('AWS::Events::Rule', 0);
    t.resourceCountIs('Custom::SafeguardsCanaryTenant', 0);
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});

describe('config regions[].canary', () => {
  const https = (): Record<string, unknown> => {
    const base = JSON.parse(JSON.stringify(testConfig())) as { regions: Record<string, unknown>[] };
    const region = base.regions[3]!;
    // The parsed form of "no data capture" is null; the config file form is false.
    (region['classifier'] as Record<string, unknown>)['dataCapture'] = false;
    delete region['canary'];
    return { ...base, regions: [region] };
  };
  const withCanary = (canary: unknown) => {
    const doc = https();
    (doc['regions'] as Record<string, unknown>[])[0]!['canary'] = canary;
    return doc;
  };

  test('on by default: absent means a canary with the defaults', () => {
    expect(parseConfig(https(), 'test.json').regions[0]!.canary).toEqual({
      enabled: true,
      outputProbes: false,
      keyGeneration: 1,
    });
  });

  test('opting out is explicit', () => {
    expect(parseConfig(withCanary({ enabled: false }), 'test.json').regions[0]!.canary.enabled).toBe(false);
  });

  test('the model may be given; it defaults to the region’s first model', () => {
    const given = parseConfig(withCanary({ model: 'claude-sonnet-4-6', keyGeneration: 3 }), 'test.json');
    expect(given.regions[0]!.canary).toEqual({
      enabled: true,
      model: 'claude-sonnet-4-6',
      outputProbes: false,
      keyGeneration: 3,
    });
    expect(canaryModel(parseConfig(https(), 'test.json').regions[0]!)).toBe('claude-sonnet-4-6');
  });

  test.each([[0], [1.5], ['2']])('fails when keyGeneration is %p, naming the path', (keyGeneration) => {
    expect(() => parseConfig(withCanary({ keyGeneration }), 'test.json')).toThrow(
      /regions\[0\]\.canary\.keyGeneration/,
    );
  });

  test('fails when a key or a secret name is put in the config (strict object: the stack generates the key)', () => {
    expect(() => parseConfig(withCanary({ apiKey: 'csk_x' }), 'test.json')).toThrow(/regions\[0\]\.canary/);
    expect(() => parseConfig(withCanary({ apiKeySecretName: 'safeguards/canary' }), 'test.json')).toThrow(
      /regions\[0\]\.canary/,
    );
  });

  test('fails with the edge required in front of a region whose canary is on, naming the field', () => {
    const doc = JSON.parse(
      readFileSync(path.resolve(__dirname, '../../../../config/edge.example.config.json'), 'utf8'),
    );
    doc.edge.requireEdge = true;
    doc.regions[1].canary = { enabled: false };
    expect(() => parseConfig(doc, 'edge.json')).toThrow(
      /regions\[0\]\.canary\.enabled: expected false while edge\.requireEdge is true/,
    );
    for (const r of doc.regions) r.canary = { enabled: false };
    expect(() => parseConfig(doc, 'edge.json')).not.toThrow();
  });
});
