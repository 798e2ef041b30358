import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ResidencyGuard } from '../../../../lib/aspects/residency-guard';
import { bedrockInvokeStatements } from '../../../../lib/constructs/serving-functions';
import { classifyAction } from '../../../../lib/report/access';
import { readStackArtifacts, reportAssembly, writeReports } from '../../../../lib/report/assembly';
import { renderMarkdown } from '../../../../lib/report/markdown';
import {
  buildResidencyReport,
  REPORT_SCHEMA_VERSION,
  type ResidencyReport,
} from '../../../../lib/report/report';
import { parseTemplate } from '../../../../lib/report/template';

const ACCOUNT = '111111111111';
const REGION = 'eu-central-1';

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly ids: Record<
    'key' | 'hmacKey' | 'table' | 'bucket' | 'logs' | 'topic' | 'reader' | 'writer' | 'scanner',
    string
  >;
}

/** GIVEN a small stack: a rotated key, a table, a bucket, a log group, a topic and three roles with grants. */
function fixtureStack(extra: (stack: Stack) => void = () => {}): Fixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Report', { env: { account: ACCOUNT, region: REGION } });
  const key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const hmacKey = new kms.Key(stack, 'LooseKey', { enableKeyRotation: false });
  const table = new dynamodb.Table(stack, 'Tenants', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: 'expiresAt',
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const bucket = new s3.Bucket(stack, 'Telemetry', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    lifecycleRules: [{ expiration: Duration.days(30) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const logGroup = new logs.LogGroup(stack, 'Decisions', {
    encryptionKey: hmacKey,
    retention: logs.RetentionDays.ONE_MONTH,
  });
  const topic = new sns.Topic(stack, 'Alarms');
  const reader = new iam.Role(stack, 'Reader', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  const writer = new iam.Role(stack, 'Writer', {
    assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
  });
  const scanner = new iam.Role(stack, 'Scanner', { assumedBy: new iam.AccountRootPrincipal() });
  table.grantReadData(reader);
  bucket.grantWrite(writer);
  scanner.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
  extra(stack);
  const id = (c: { node: { defaultChild?: unknown } }): string =>
    stack.getLogicalId(c.node.defaultChild as kms.CfnKey);
  return {
    app,
    stack,
    ids: {
      key: id(key),
      hmacKey: id(hmacKey),
      table: id(table),
      bucket: id(bucket),
      logs: id(logGroup),
      topic: id(topic),
      reader: id(reader),
      writer: id(writer),
      scanner: id(scanner),
    },
  };
}

let clean: { f: Fixture; report: ResidencyReport } | undefined;
/** The clean fixture and its report, built once for the whole file. */
function cleanFixture(): { f: Fixture; report: ResidencyReport } {
  if (clean === undefined) {
    const f = fixtureStack();
    clean = { f, report: reportOf(f) };
  }
  return clean;
}

function reportOf(f: Fixture): ResidencyReport {
  const template = parseTemplate(Template.fromStack(f.stack).toJSON(), 'test');
  return buildResidencyReport(template, { stackName: f.stack.stackName, region: REGION, zone: 'EU' });
}

describe('compliance report — data stores', () => {
  let f: Fixture;
  let report: ResidencyReport;
  beforeAll(() => {
    ({ f, report } = cleanFixture());
  });
  const store = (id: string) => {
    const s = report.stores.find((x) => x.logicalId === id);
    if (s === undefined) throw new Error(`no store ${id}`);
    return s;
  };

  test('the key shows its rotation flag, and a key without rotation is listed', () => {
    expect(store(f.ids.key)).toMatchObject({ kind: 'kms-key', keyRotation: true, deletionPolicy: 'Retain' });
    expect(store(f.ids.hmacKey).keyRotation).toBe(false);
    expect(report.summary.storesWithoutKeyRotation).toEqual([f.ids.logs]);
  });

  test('the table is encrypted with the stack key, has PITR and TTL', () => {
    expect(store(f.ids.table)).toMatchObject({
      encryption: { type: 'kms-cmk', keyLogicalId: f.ids.key },
      keyRotation: true,
      versioningOrPitr: 'PITR on',
      retention: "TTL on attribute 'expiresAt'",
      deletionPolicy: 'Retain',
    });
  });

  test('the bucket shows key, versioning, lifecycle, public access block and TLS-only policy', () => {
    expect(store(f.ids.bucket)).toMatchObject({
      encryption: { type: 'kms-cmk', keyLogicalId: f.ids.key },
      versioningOrPitr: 'versioning enabled',
      retention: 'lifecycle: expire after 30 d',
      publicAccess: 'blocked (all four settings)',
      tlsOnly: true,
    });
  });

  test('the log group shows retention and its key; the topic shows it is unencrypted', () => {
    expect(store(f.ids.logs)).toMatchObject({
      retention: '30 d',
      encryption: { keyLogicalId: f.ids.hmacKey },
    });
    expect(store(f.ids.topic)).toMatchObject({ encryption: { type: 'none' }, tlsOnly: false });
    expect(report.summary.unencryptedStores).toEqual([f.ids.topic]);
  });
});

describe('compliance report — access', () => {
  let f: Fixture;
  let report: ResidencyReport;
  beforeAll(() => {
    ({ f, report } = cleanFixture());
  });
  const grant = (principal: string, store: string) =>
    report.access.find((g) => g.principal === `role:${principal}` && g.store === store);

  test('a role granted table.grantReadData is a reader, not a writer, of the table and reads its key', () => {
    expect(grant(f.ids.reader, f.ids.table)).toMatchObject({ levels: ['read'], wildcard: false });
    expect(grant(f.ids.reader, f.ids.table)?.actions).toContain('dynamodb:Query');
    expect(grant(f.ids.reader, f.ids.key)).toMatchObject({
      levels: ['read'],
      actions: expect.arrayContaining(['kms:Decrypt']),
    });
    expect(grant(f.ids.reader, f.ids.bucket)).toBeUndefined();
  });

  test('a role granted bucket.grantWrite is a writer of the bucket', () => {
    expect(grant(f.ids.writer, f.ids.bucket)?.levels).toEqual(['write']);
    expect(report.summary.rows.find((r) => r.store === f.ids.bucket)).toMatchObject({
      writers: 1,
      readers: 1,
    }); // reader: the wildcard Scanner
  });

  test('a wildcard-resource statement is flagged on every store of its service', () => {
    expect(grant(f.ids.scanner, f.ids.bucket)).toMatchObject({ levels: ['read'], wildcard: true });
    expect(grant(f.ids.scanner, f.ids.table)).toBeUndefined();
    expect(report.summary.wildcardGrants).toBe(1);
  });

  test('key policy principals are listed, and roles show who assumes them', () => {
    expect(report.access).toContainEqual(
      expect.objectContaining({
        store: f.ids.key,
        principal: expect.stringMatching(/^account:111111111111/),
        levels: ['admin'],
      }),
    );
    expect(report.principals).toContainEqual(
      expect.objectContaining({
        principal: `role:${f.ids.reader}`,
        trustedBy: ['service:lambda.amazonaws.com'],
      }),
    );
  });

  test.each([
    ['dynamodb:GetItem', 'read'],
    ['dynamodb:BatchWriteItem', 'write'],
    ['kms:Decrypt', 'read'],
    ['kms:GenerateDataKey*', 'write'],
    ['kms:CreateGrant', 'admin'],
    ['s3:PutBucketPolicy', 'admin'],
    ['s3:PutObjectTagging', 'write'],
    ['s3:*', 'admin'],
    ['*', 'admin'],
    ['logs:PutRetentionPolicy', 'admin'],
    ['sns:Publish', 'write'],
  ])('classifies %s as %s', (action, level) => {
    expect(classifyAction(action)).toBe(level);
  });
});

describe('compliance report — cross-region references', () => {
  test('a clean stack has no cross-region reference and no residency finding', () => {
    const { report } = cleanFixture();
    expect(report.crossRegionReferences).toEqual([]);
    expect(report.residencyRuleFindings).toEqual([]);
  });

  test('an injected cross-region ARN and endpoint show up with resource, region and path', () => {
    const f = fixtureStack((stack) => {
      const role = new iam.Role(stack, 'Spill', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [`arn:aws:sqs:us-east-1:${ACCOUNT}:spill`],
        }),
      );
      new CfnOutput(stack, 'Upstream', { value: 'https://bedrock-runtime.us-west-2.amazonaws.com' });
    });
    const report = reportOf(f);
    expect(report.crossRegionReferences).toEqual([
      expect.objectContaining({
        rule: 'cross-region-arn',
        logicalId: expect.stringMatching(/^SpillDefaultPolicy/),
        region: 'us-east-1',
        path: 'Properties.PolicyDocument.Statement.0.Resource',
      }),
      expect.objectContaining({
        rule: 'cross-region-endpoint',
        logicalId: 'Outputs.Upstream',
        region: 'us-west-2',
      }),
    ]);
    expect(renderMarkdown(report)).toMatch(/\| SpillDefaultPolicy\w+ \| cross-region-arn \| us-east-1 \|/);
  });

  test('a global table replica in another region is a residency rule finding', () => {
    const f = fixtureStack((stack) => {
      new dynamodb.TableV2(stack, 'Global', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        replicas: [{ region: 'us-east-1' }],
      });
    });
    expect(reportOf(f).residencyRuleFindings).toContainEqual(
      expect.objectContaining({ rule: 'dynamodb-global-table-replica', region: 'us-east-1' }),
    );
  });
});

describe('compliance report — zone geography', () => {
  test('fails when the stack is labelled with a zone that does not contain its region', () => {
    const { f } = cleanFixture();
    const template = parseTemplate(Template.fromStack(f.stack).toJSON(), 'test');
    const report = buildResidencyReport(template, {
      stackName: 'Report',
      region: 'eu-central-1',
      zone: 'US',
    });
    expect(report.residencyRuleFindings).toEqual([
      expect.objectContaining({
        rule: 'zone-geography',
        region: 'eu-central-1',
        message: "'US' does not contain eu-central-1 (zone of eu-central-1: EU)",
      }),
    ]);
    expect(renderMarkdown(report)).toContain('zone-geography');
  });

  test('a label outside the geography table (e.g. OVERVIEW) is reported as given', () => {
    const { f } = cleanFixture();
    const template = parseTemplate(Template.fromStack(f.stack).toJSON(), 'test');
    const report = buildResidencyReport(template, { stackName: 'R', region: REGION, zone: 'OVERVIEW' });
    expect(report.residencyRuleFindings).toEqual([]);
  });
});

describe('compliance report — output', () => {
  test('the JSON is versioned and deterministic, the markdown has every section', () => {
    const { f, report: first } = cleanFixture();
    const second = buildResidencyReport(parseTemplate(Template.fromStack(f.stack).toJSON(), 't'), {
      stackName: 'Report',
      region: REGION,
      zone: 'EU',
    });
    expect(first.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(JSON.stringify(first)).toBe(JSON.stringify(second));
    const md = renderMarkdown(first);
    for (const heading of [
      '## Summary',
      '## Data stores',
      '## Who can read',
      '## Principals',
      '## Cross-region references',
      '## Residency rules',
      '## Regions that may process prompts',
    ]) {
      expect(md).toContain(heading);
    }
    expect(md).toContain(`| ${f.ids.table} | AWS::DynamoDB::Table | KMS CMK ${f.ids.key} | yes |`);
  });

  test('fails when a template has no Resources', () => {
    expect(() => parseTemplate({ Outputs: {} }, 'x.template.json')).toThrow(
      /x.template.json: not a CloudFormation template/,
    );
  });
});

describe('compliance report — regions that may process prompts', () => {
  /** A stack in eu-west-1 whose role invokes `modelId` as the proxy does, plus `extra` statements. */
  const promptReport = (modelId: string, extra: iam.PolicyStatement[] = []): ResidencyReport => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Safeguards-eu-west-1', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const role = new iam.Role(stack, 'ProxyRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    for (const st of [...bedrockInvokeStatements(stack, [modelId]), ...extra]) role.addToPolicy(st);
    const template = parseTemplate(Template.fromStack(stack).toJSON(), 'test');
    return buildResidencyReport(template, { stackName: stack.stackName, region: 'eu-west-1', zone: 'EU' });
  };

  test("an eu. profile: the profile's regions, read from the grant; a plain id: the stack's region only", () => {
    const profile = promptReport('eu.anthropic.claude-sonnet-4-6').promptProcessing;
    expect(profile.regions).toEqual([
      'eu-central-1',
      'eu-north-1',
      'eu-south-1',
      'eu-south-2',
      'eu-west-1',
      'eu-west-3',
    ]);
    expect(profile.processors).toContainEqual({
      region: 'eu-north-1',
      via: 'bedrock foundation-model/anthropic.claude-sonnet-4-6',
      principal: expect.stringMatching(/^role:ProxyRole/),
      conditional: true,
    });
    expect(promptReport('anthropic.claude-haiku-4-5-20251001-v1:0').promptProcessing.regions).toEqual([
      'eu-west-1',
    ]);
  });

  test('computed, not asserted: a grant in another region shows up in the section', () => {
    const report = promptReport('eu.anthropic.claude-sonnet-4-6', [
      new iam.PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6'],
      }),
    ]);
    expect(report.promptProcessing.regions).toContain('us-east-1');
    expect(renderMarkdown(report)).toMatch(
      /## Regions that may process prompts\n\n\*\*eu-central-1, eu-north-1, eu-south-1, eu-south-2, eu-west-1, eu-west-3, us-east-1\*\*/,
    );
  });
});

describe('compliance report — cloud assembly and script', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'residency-report-'));
    const app = new App({ outdir: dir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Safeguards-eu-central-1', { env: { account: ACCOUNT, region: REGION } });
    new kms.Key(stack, 'DataKey', { enableKeyRotation: true });
    ResidencyGuard.apply(stack, { region: REGION, zone: 'EU', allowedRegions: ['eu-west-1'] });
    app.synth();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads region from the environment and zone from the guard metadata', () => {
    expect(readStackArtifacts(dir)).toEqual([
      expect.objectContaining({
        stackName: 'Safeguards-eu-central-1',
        region: REGION,
        zone: 'EU',
        allowedRegions: ['eu-central-1', 'eu-west-1'],
      }),
    ]);
  });

  test('falls back to the zone tag when the stack has no guard metadata', () => {
    const untagged = mkdtempSync(join(tmpdir(), 'residency-report-tag-'));
    try {
      const app = new App({ outdir: untagged });
      const stack = new Stack(app, 'Us', { env: { account: ACCOUNT, region: 'us-east-1' } });
      new sns.Topic(stack, 'T');
      Tags.of(stack).add('safeguards:residency-zone', 'US');
      app.synth();
      expect(readStackArtifacts(untagged)).toEqual([
        expect.objectContaining({
          stackName: 'Us',
          region: 'us-east-1',
          zone: 'US',
          allowedRegions: undefined,
        }),
      ]);
    } finally {
      rmSync(untagged, { recursive: true, force: true });
    }
  });

  test('writes markdown and JSON per stack', () => {
    const files = writeReports(reportAssembly(dir), join(dir, 'reports'));
    expect(files.map((file) => file.slice(dir.length))).toEqual([
      '/reports/Safeguards-eu-central-1.residency.md',
      '/reports/Safeguards-eu-central-1.residency.json',
    ]);
    const json = JSON.parse(
      readFileSync(join(dir, 'reports/Safeguards-eu-central-1.residency.json'), 'utf8'),
    );
    expect(json).toMatchObject({
      schemaVersion: 1,
      region: REGION,
      zone: 'EU',
      allowedRegions: ['eu-central-1', 'eu-west-1'],
    });
  });

  test('the script runs over cdk.out and exits 0', () => {
    rmSync(join(dir, 'reports'), { recursive: true, force: true });
    const out = execFileSync('npx', ['tsx', 'scripts/compliance-report.ts', dir, '--fail-on-findings'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/Safeguards-eu-central-1 \(EU\/eu-central-1\): 1 stores/);
    expect(existsSync(join(dir, 'reports/Safeguards-eu-central-1.residency.md'))).toBe(true);
  });
});
