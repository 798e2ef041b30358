import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { allowedModels, ConfigError, parseConfig, type SafeguardsConfig } from '../../../config/schema';

const FILE = 'config/example.config.json';
/** A mutable copy of the example document; tests break it on purpose, so it is loosely typed. */
type Doc = Record<string, any>;
const example = (): Doc & { regions: Doc[] } =>
  JSON.parse(readFileSync(path.resolve(__dirname, '../../..', FILE), 'utf8'));

/** Parses `doc` and returns the error lines (fails the test if it parses). */
const problems = (doc: unknown): string[] => {
  try {
    parseConfig(doc, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected the config to be rejected');
};

describe('config schema', () => {
  test('the example config is valid: 3 regions in 2 residency zones', () => {
    const config: SafeguardsConfig = parseConfig(example(), FILE);
    expect(config.regions.map((r) => [r.region, r.residencyZone])).toEqual([
      ['eu-west-1', 'EU'],
      ['eu-central-1', 'EU'],
      ['us-east-1', 'US'],
    ]);
    expect(config.account).toMatch(/^\d{12}$/);
  });

  test('defaults: data capture off, on-call lists empty', () => {
    const doc = example();
    delete doc.regions[0]!.classifier.dataCapture;
    doc.regions[0]!.onCall = {};
    const config = parseConfig(doc, FILE);
    expect(config.regions[0]!.classifier.dataCapture).toBeNull();
    expect(config.regions[0]!.onCall).toEqual({ emails: [], httpsEndpoints: [] });
  });

  test('data capture on takes an explicit acknowledgement of raw prompt capture and a retention', () => {
    const doc = example();
    doc.regions[0]!.classifier.dataCapture = {
      enabled: true,
      acknowledgeRawPromptCapture: true,
      retentionDays: 7,
    };
    doc.regions[1]!.classifier.dataCapture = { enabled: false, retentionDays: 1 };
    const config = parseConfig(doc, FILE);
    expect(config.regions[0]!.classifier.dataCapture).toEqual({
      enabled: true,
      acknowledgeRawPromptCapture: true,
      retentionDays: 7,
      samplingPercentage: 100,
    });
    expect(parseConfig(JSON.parse(JSON.stringify(config)), FILE)).toEqual(config);
    expect(config.regions[1]!.classifier.dataCapture).toBeNull();
  });

  test('fails when data capture is turned on with a bare true (it stores raw prompts)', () => {
    const doc = example();
    doc.regions[0]!.classifier.dataCapture = true;
    expect(problems(doc)).toEqual([
      `${FILE}: regions[0].classifier.dataCapture: data capture stores every classifier input (raw prompt text) in the telemetry bucket; to turn it on write { "enabled": true, "acknowledgeRawPromptCapture": true, "retentionDays": <1-365> }`,
    ]);
  });

  test.each([[undefined], [false]])(
    'fails when data capture is enabled without acknowledging raw prompt capture (%s)',
    (ack) => {
      const doc = example();
      doc.regions[0]!.classifier.dataCapture = {
        enabled: true,
        acknowledgeRawPromptCapture: ack,
        retentionDays: 7,
      };
      expect(problems(doc)).toEqual([
        `${FILE}: regions[0].classifier.dataCapture.acknowledgeRawPromptCapture: must be true to enable data capture: SageMaker stores every sampled classifier input (raw prompt text, unredacted) in the telemetry bucket`,
      ]);
    },
  );

  test('fails when captures would be kept longer than the telemetry bucket keeps anything', () => {
    const doc = example();
    doc.regions[0]!.classifier.dataCapture = {
      enabled: true,
      acknowledgeRawPromptCapture: true,
      retentionDays: 60,
    };
    expect(problems(doc)).toEqual([
      `${FILE}: regions[0].classifier.dataCapture.retentionDays: expected at most telemetry.retentionDays (30): the telemetry bucket expires every object after that, got 60`,
    ]);
  });

  test('fails when the classifier instance type is not a GPU type, naming file, path and value', () => {
    const doc = example();
    doc.regions[2]!.classifier.instanceType = 't3.micro';
    expect(problems(doc)).toEqual([
      `${FILE}: regions[2].classifier.instanceType: expected an ml.g*/ml.p* GPU instance type, got 't3.micro'`,
    ]);
  });

  test.each([['ml.m5.xlarge'], ['ml.g5'], ['g5.xlarge']])(
    'fails when the instance type is %s',
    (instanceType) => {
      const doc = example();
      doc.regions[0]!.classifier.instanceType = instanceType;
      expect(problems(doc)).toEqual([
        `${FILE}: regions[0].classifier.instanceType: expected an ml.g*/ml.p* GPU instance type, got '${instanceType}'`,
      ]);
    },
  );

  test.each([
    [2, 1, 4],
    [1, 5, 4],
    [3, 2, 1],
  ])('fails when min %i <= initial %i <= max %i does not hold', (min, initial, max) => {
    const doc = example();
    Object.assign(doc.regions[1]!.classifier, {
      minInstances: min,
      initialInstances: initial,
      maxInstances: max,
    });
    expect(problems(doc)).toEqual([
      `${FILE}: regions[1].classifier.initialInstances: expected minInstances <= initialInstances <= maxInstances, got ${min} <= ${initial} <= ${max}`,
    ]);
  });

  test('fails when a region appears twice', () => {
    const doc = example();
    doc.regions.push({ ...doc.regions[0]! });
    expect(problems(doc)).toEqual([
      `${FILE}: regions[3].region: duplicate region 'eu-west-1' (already at regions[0])`,
    ]);
  });

  test.each(['europe', '', 'us-iso-east-1'])(
    "fails when the region name is '%s' (not a region of the geography table, nothing close)",
    (region) => {
      const doc = example();
      doc.regions[0]!.region = region;
      expect(problems(doc)).toContain(
        `${FILE}: regions[0].region: expected a known AWS region (41 listed in config/regions.ts, e.g. 'eu-west-1'), got '${region}'`,
      );
    },
  );

  test.each([
    ['eu-nrth-1', 'eu-north-1'],
    ['EU-WEST-1', 'eu-west-1'],
    ['eu-west', 'eu-west-1'],
    ['eu_west_1', 'eu-west-1'],
    ['eu-wset-1', 'eu-west-1'],
    // Region-shaped but not a region: the old pattern accepted it.
    ['eu-west-9', 'eu-west-1'],
  ])("fails when the region name is '%s', naming the field and suggesting '%s'", (region, near) => {
    const doc = example();
    doc.regions[0]!.region = region;
    expect(problems(doc)).toContain(
      `${FILE}: regions[0].region: expected a known AWS region (41 listed in config/regions.ts), got '${region}'; did you mean '${near}'?`,
    );
  });

  test("fails when the residency zone does not contain the region, naming both (us-east-1 as 'EU')", () => {
    const doc = example();
    doc.regions[2]!.residencyZone = 'EU';
    expect(problems(doc)).toEqual([
      `${FILE}: regions[2].residencyZone: 'EU' does not contain us-east-1 (zone of us-east-1: US)`,
    ]);
  });

  test.each([
    ['us-west-2', 'EU', 'US'],
    ['eu-west-2', 'EU', 'UK'],
    ['eu-central-2', 'EU', 'CH'],
    ['us-gov-west-1', 'US', 'US-GOV'],
    ['cn-north-1', 'APAC', 'CN'],
    ['ap-southeast-2', 'NZ', 'AU'],
  ])('fails when %s is declared in zone %s (its zone is %s)', (region, zone, actual) => {
    const doc = example();
    Object.assign(doc.regions[0]!, { region, residencyZone: zone });
    doc.regions[0]!.classifier.imageUri =
      `111111111111.dkr.ecr.${region}.amazonaws.com/safeguards-classifier:1.0.0`;
    expect(problems(doc)).toEqual([
      `${FILE}: regions[0].residencyZone: '${zone}' does not contain ${region} (zone of ${region}: ${actual})`,
    ]);
  });

  test('fails when the overview region is not a known region', () => {
    const doc = example();
    doc.overviewRegion = 'eu-west-7';
    expect(problems(doc)).toEqual([
      `${FILE}: overviewRegion: expected a known AWS region (41 listed in config/regions.ts), got 'eu-west-7'; did you mean 'eu-west-1'?`,
    ]);
  });

  describe('Bedrock by zone', () => {
    const withModel = (modelId: string, region = 0): Doc => {
      const doc = example();
      doc.regions[region]!.upstream = { kind: 'bedrock', modelId };
      return doc;
    };

    test('an eu. Claude profile in an EU region and a us. profile in a US region are accepted', () => {
      const config = parseConfig(example(), FILE);
      expect(config.regions[0]!.upstream).toEqual({
        kind: 'bedrock',
        modelId: 'eu.anthropic.claude-sonnet-4-6',
      });
      expect(config.regions[2]!.upstream).toEqual({
        kind: 'bedrock',
        modelId: 'us.anthropic.claude-sonnet-4-6',
      });
    });

    test('fails for a global. profile, naming the field', () => {
      expect(problems(withModel('global.anthropic.claude-sonnet-4-6'))).toEqual([
        `${FILE}: regions[0].upstream.modelId: inference profile 'global.anthropic.claude-sonnet-4-6' routes to any commercial region, outside zone EU`,
      ]);
    });

    test('fails for a us. profile in the EU zone, naming the regions outside it', () => {
      expect(problems(withModel('us.anthropic.claude-sonnet-4-6'))).toEqual([
        `${FILE}: regions[0].upstream.modelId: inference profile 'us.anthropic.claude-sonnet-4-6' routes to us-east-1, us-east-2, us-west-1, us-west-2, outside zone EU (zone EU: eu-central-1, eu-north-1, eu-south-1, eu-south-2, eu-west-1, eu-west-3)`,
      ]);
    });

    test('fails for an eu. profile of a publisher whose eu. geography reaches London and Zurich', () => {
      expect(problems(withModel('eu.amazon.nova-pro-v1:0'))).toEqual([
        expect.stringMatching(/routes to eu-central-2, eu-west-2, outside zone EU/),
      ]);
    });

    test('fails for a profile, even in its zone, when the zone demands in-region processing', () => {
      const doc = example();
      doc.strictInRegionZones = ['EU'];
      expect(problems(doc)).toEqual([
        `${FILE}: regions[0].upstream.modelId: zone EU requires in-region processing: inference profile 'eu.anthropic.claude-sonnet-4-6' routes to eu-central-1, eu-north-1, eu-south-1, eu-south-2, eu-west-1, eu-west-3; name the in-region model id instead`,
      ]);
      doc.regions[0]!.upstream.modelId = 'anthropic.claude-sonnet-4-6';
      expect(parseConfig(doc, FILE).strictInRegionZones).toEqual(['EU']);
    });

    test('fails when a strict zone is not a zone of the geography table', () => {
      const doc = example();
      doc.strictInRegionZones = ['EUROPE'];
      expect(problems(doc)).toEqual([
        `${FILE}: strictInRegionZones[0]: expected a residency zone of config/regions.ts, got 'EUROPE'`,
      ]);
    });

    test('a plain in-region model id is always accepted', () => {
      expect(() => parseConfig(withModel('anthropic.claude-haiku-4-5-20251001-v1:0'), FILE)).not.toThrow();
    });
  });

  test('runbookBaseUrl: an https URL ending in /', () => {
    const doc = example();
    doc.runbookBaseUrl = 'https://git.example.com/safeguards/docs/runbooks';
    expect(problems(doc)).toEqual([
      `${FILE}: runbookBaseUrl: expected a URL ending in '/', got 'https://git.example.com/safeguards/docs/runbooks'`,
    ]);
    doc.runbookBaseUrl = 'http://git.example.com/runbooks/';
    expect(problems(doc)).toEqual([
      `${FILE}: runbookBaseUrl: expected an https:// URL, got 'http://git.example.com/runbooks/'`,
    ]);
  });

  test('keyAdministratorRoleArns: roles of this account only', () => {
    const doc = example();
    const admin = `arn:aws:iam::${doc.account}:role/cdk-hnb659fds-cfn-exec-role-${doc.account}-eu-west-1`;
    doc.keyAdministratorRoleArns = [admin];
    expect(parseConfig(doc, FILE).keyAdministratorRoleArns).toEqual([admin]);
    doc.keyAdministratorRoleArns = [
      'arn:aws:iam::999999999999:role/KeyAdmin',
      `arn:aws:iam::${doc.account}:user/alice`,
    ];
    expect(problems(doc)).toEqual([
      `${FILE}: keyAdministratorRoleArns[1]: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got 'arn:aws:iam::${doc.account}:user/alice'`,
      `${FILE}: keyAdministratorRoleArns[0]: expected a role of account ${doc.account}, got 'arn:aws:iam::999999999999:role/KeyAdmin' (account '999999999999')`,
    ]);
  });

  test('fails when the account is not 12 digits', () => {
    const doc = example();
    doc.account = '1234';
    expect(problems(doc)).toEqual([`${FILE}: account: expected a 12-digit AWS account id, got '1234'`]);
  });

  test('fails when the classifier image lives in another region (residency)', () => {
    const doc = example();
    doc.regions[0]!.classifier.imageUri =
      '111111111111.dkr.ecr.us-east-1.amazonaws.com/safeguards-classifier:1.0.0';
    expect(problems(doc)).toEqual([
      `${FILE}: regions[0].classifier.imageUri: expected an ECR image in 'eu-west-1' (residency), got one in 'us-east-1'`,
    ]);
  });

  test('fails when the image is not a private ECR image', () => {
    const doc = example();
    doc.regions[0]!.classifier.imageUri = 'docker.io/library/classifier:latest';
    expect(problems(doc)[0]).toMatch(
      /^config\/example\.config\.json: regions\[0\]\.classifier\.imageUri: expected a private ECR image URI/,
    );
  });

  test('fails when the mode is unknown', () => {
    const doc = example();
    doc.regions[0]!.classifier.mode = 'sometimes';
    expect(problems(doc)).toEqual([
      expect.stringMatching(/^config\/example\.config\.json: regions\[0\]\.classifier\.mode: .*"always"/),
    ]);
  });

  test('fails when a secret is put in the config instead of a secret name', () => {
    const doc = example();
    doc.regions[1]!.upstream = { kind: 'https', baseUrl: 'https://api.example.com', apiKey: 'sk-live-123' };
    const lines = problems(doc);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^config\/example\.config\.json: regions\[1\]\.upstream: Unrecognized key: "apiKey"/,
    );
    expect(lines[0]).not.toContain('sk-live-123');
  });

  test('fails when an upstream URL carries credentials or is not https', () => {
    const doc = example();
    doc.regions[1]!.upstream = { kind: 'https', baseUrl: 'https://user:pw@api.example.com' };
    doc.regions[2]!.upstream = { kind: 'https', baseUrl: 'http://api.example.com' };
    doc.regions[2]!.models = ['claude-sonnet-4-6'];
    expect(problems(doc)).toEqual([
      `${FILE}: regions[1].upstream.baseUrl: URLs must not carry credentials or query strings; reference a Secrets Manager secret instead`,
      `${FILE}: regions[2].upstream.baseUrl: expected an https:// URL, got 'http://api.example.com'`,
    ]);
  });

  test.each([
    ['https://x.execute-api.us%2Deast%2D1.amazonaws.com/v1', 'x.execute-api.us%2Deast%2D1.amazonaws.com'],
    [
      'https://x.execute-api.us\uff0deast\uff0d1.amazonaws.com/v1',
      'x.execute-api.us\uff0deast\uff0d1.amazonaws.com',
    ],
    ['https://bücher.example/hook', 'bücher.example'],
  ])('fails when a URL host hides what it resolves to: %s', (url, host) => {
    const doc = example();
    doc.regions[1]!.upstream = { kind: 'https', baseUrl: url };
    doc.regions[0]!.onCall.httpsEndpoints = [url];
    const resolved = new URL(url).host;
    const message = `the host must be plain ASCII without percent-escapes, got '${host}' (resolves to '${resolved}')`;
    expect(problems(doc)).toEqual([
      `${FILE}: regions[0].onCall.httpsEndpoints[0]: ${message}`,
      `${FILE}: regions[1].upstream.baseUrl: ${message}`,
    ]);
  });

  test.each([
    ['https://x.execute-api.US-EAST-1.amazonaws.com', []],
    ['https://pager.example.com:443/hooks', []],
    [
      'https://pager.example.com\\@evil.example/hooks',
      ["the host must be written as it resolves, got 'evil.example' (resolves to 'pager.example.com')"],
    ],
  ])('accepts a host only when written as it resolves: %s', (url, expected) => {
    const doc = example();
    doc.regions[0]!.onCall.httpsEndpoints = [url];
    const run = () => parseConfig(doc, FILE);
    if (expected.length === 0) expect(run).not.toThrow();
    else
      expect(problems(doc)).toEqual(
        expected.map((m) => `${FILE}: regions[0].onCall.httpsEndpoints[0]: ${m}`),
      );
  });

  test('fails when a non-Bedrock upstream names no models, or a model id is malformed', () => {
    const doc = example();
    doc.regions[1]!.models = undefined;
    doc.regions[2]!.models = ['../../admin models'];
    expect(problems(doc)).toEqual([
      `${FILE}: regions[1].models: required when the upstream is 'sagemaker' (only a bedrock upstream provides a default model)`,
      `${FILE}: regions[2].models[0]: expected a model id (letters, digits and .:_-/@), got '../../admin models'`,
    ]);
  });

  test('fails when the canary names a model the region does not serve', () => {
    const doc = example();
    doc.regions[1]!.canary = { model: 'us.anthropic.claude-sonnet-4-6' };
    expect(problems(doc)).toEqual([
      `${FILE}: regions[1].canary.model: expected one of the region's models (claude-sonnet-4-6), got 'us.anthropic.claude-sonnet-4-6': the proxy answers any other model 404`,
    ]);
  });

  test('a Bedrock region serves its upstream model by default; models override it', () => {
    const config = parseConfig(example(), FILE);
    expect(allowedModels(config.regions[0]!)).toEqual([
      (config.regions[0]!.upstream as { modelId: string }).modelId,
    ]);
    expect(allowedModels(config.regions[1]!)).toEqual(['claude-sonnet-4-6']);
  });

  test('fails when the upstream kind is unknown', () => {
    const doc = example();
    doc.regions[0]!.upstream = { kind: 'openai', model: 'x' };
    expect(problems(doc)[0]).toMatch(/^config\/example\.config\.json: regions\[0\]\.upstream\.kind: /);
  });

  test('fails when telemetry retention is out of range', () => {
    const doc = example();
    doc.regions[0]!.telemetry = { retentionDays: 0 };
    const lines = problems(doc);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/regions\[0\]\.telemetry\.retentionDays: /);
  });

  test('fails when a config still carries the removed telemetry.excerpts setting (no record carries prompt text)', () => {
    const doc = example();
    doc.regions[0]!.telemetry = { retentionDays: 30, excerpts: 'redacted' };
    expect(problems(doc)).toEqual([expect.stringMatching(/regions\[0\]\.telemetry: .*excerpts/)]);
  });

  test('fails when an on-call destination is malformed', () => {
    const doc = example();
    doc.regions[0]!.onCall = { emails: ['not-an-email'], httpsEndpoints: ['http://pager.example.com'] };
    expect(problems(doc)).toEqual([
      `${FILE}: regions[0].onCall.emails[0]: expected an email address, got 'not-an-email'`,
      `${FILE}: regions[0].onCall.httpsEndpoints[0]: expected an https:// URL, got 'http://pager.example.com'`,
    ]);
  });

  test('fails when there are no regions, listing every problem at once', () => {
    expect(problems({ partner: '', account: 'x', regions: [] })).toHaveLength(3);
  });
});
