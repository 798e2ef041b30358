import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigError, parseConfig, type RegionConfig, type SafeguardsConfig } from '../../../config/schema';
import { Canary, type CanaryProps } from '../../../lib/constructs/canary';
import { RegionalKeys } from '../../../lib/constructs/keys';
import { addNagChecks } from '../../../lib/nag';
import { addSafeguardsStacks } from '../../../lib/safeguards-app';
import { makeApp, testConfig } from '../helpers';

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
    expect(actions).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']),
    );
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
  const withCanary = (region: RegionConfig): RegionConfig => ({
    ...region,
    canary: { apiKeySecretName: 'safeguards/canary-api-key', outputProbes: false },
  });
  let templates: Record<string, Template>;
  beforeAll(() => {
    const base = testConfig();
    // eu-west-1 (bedrock) and ap-southeast-2 (https, model given) with a canary; eu-central-1 without.
    const config: SafeguardsConfig = {
      ...base,
      regions: base.regions.map((r) =>
        r.region === 'eu-west-1'
          ? withCanary(r)
          : r.region === 'ap-southeast-2'
            ? {
                ...withCanary(r),
                canary: {
                  apiKeySecretName: 'safeguards/canary-api-key',
                  model: 'claude-x',
                  outputProbes: true,
                },
              }
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

  test('the canary probes this stack’s API URL with the Bedrock model id, as its own secret', () => {
    templates['eu-west-1']!.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CANARY_API_URL: {
            'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('^Api[0-9A-F]{8}$') }])],
          },
          CANARY_API_KEY_SECRET_ID: 'safeguards/canary-api-key',
          CANARY_MODEL: (testConfig().regions[0]!.upstream as { modelId: string }).modelId,
          CANARY_OUTPUT_PROBES: 'false',
        }),
      },
    });
  });

  test('a non-Bedrock upstream uses the configured model and output-probe setting', () => {
    templates['ap-southeast-2']!.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ CANARY_MODEL: 'claude-x', CANARY_OUTPUT_PROBES: 'true' }),
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

  test('cdk-nag clean in a whole regional stack with the canary (same packs as bin/app.ts)', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'canary-stack-nag-'));
    const app = makeApp({ outdir });
    const base = testConfig();
    addSafeguardsStacks(app, { ...base, regions: [withCanary(base.regions[0]!)] });
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

  test('no canary without config', () => {
    const fns = Object.values(templates['eu-central-1']!.findResources('AWS::Lambda::Function'));
    expect(fns.some((f) => JSON.stringify(f).includes('CANARY_API_URL'))).toBe(false);
    templates['eu-central-1']!.resourceCountIs('AWS::Events::Rule', 0);
  });
});

describe('config regions[].canary', () => {
  const https = (): Record<string, unknown> => {
    const base = JSON.parse(JSON.stringify(testConfig())) as { regions: Record<string, unknown>[] };
    const region = base.regions[3]!;
    // The parsed form of "no data capture" is null; the config file form is false.
    (region['classifier'] as Record<string, unknown>)['dataCapture'] = false;
    return { ...base, regions: [region] };
  };

  test('optional: absent means no canary', () => {
    expect(parseConfig(https(), 'test.json').regions[0]!.canary).toBeUndefined();
  });

  test('outputProbes defaults to false; the model may be given', () => {
    const doc = https();
    (doc['regions'] as Record<string, unknown>[])[0]!['canary'] = {
      apiKeySecretName: 'safeguards/canary',
      model: 'claude-sonnet-4-6',
    };
    expect(parseConfig(doc, 'test.json').regions[0]!.canary).toEqual({
      apiKeySecretName: 'safeguards/canary',
      model: 'claude-sonnet-4-6',
      outputProbes: false,
    });
  });

  test('fails when the model is missing for a non-Bedrock upstream, naming the path', () => {
    const doc = https();
    (doc['regions'] as Record<string, unknown>[])[0]!['canary'] = { apiKeySecretName: 'safeguards/canary' };
    expect(() => parseConfig(doc, 'test.json')).toThrow(
      new ConfigError('test.json', [
        "regions[0].canary.model: required when the upstream is 'https' (only a bedrock upstream provides a default model)",
      ]),
    );
  });

  test('fails when a key value is put in the config instead of a secret name (strict object)', () => {
    const doc = https();
    (doc['regions'] as Record<string, unknown>[])[0]!['canary'] = {
      apiKeySecretName: 'safeguards/canary',
      model: 'm',
      apiKey: 'csk_x',
    };
    expect(() => parseConfig(doc, 'test.json')).toThrow(/regions\[0\]\.canary/);
  });
});
