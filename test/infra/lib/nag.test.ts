import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadConfig } from '../../../bin/load-config';
import { addNagChecks } from '../../../lib/nag';
import { addEdgeStack, addSafeguardsStacks } from '../../../lib/safeguards-app';
import { makeApp, testConfig } from '../helpers';

process.env['CDK_VALIDATION'] = 'false';

/** The validation report of a failed synth, one finding per line, so a failure says what to fix. */
const findings = (outdir: string): string => {
  const file = path.join(outdir, 'validation-report.json');
  if (!existsSync(file)) return '(no validation-report.json)';
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    pluginReports: Array<{
      pluginName: string;
      violations: Array<{
        ruleName: string;
        severity?: string;
        violatingConstructs?: Array<{ constructPath: string }>;
      }>;
    }>;
  };
  return report.pluginReports
    .flatMap((r) =>
      r.violations.flatMap((v) =>
        (v.violatingConstructs ?? []).map((c) => `${v.severity ?? '?'} ${v.ruleName} ${c.constructPath}`),
      ),
    )
    .join('\n');
};

/** A synth of what `build` adds to a fresh app, printing the validation report's findings when it throws. */
const synthReportingFindings = (prefix: string, build: (app: App) => void) => () => {
  const outdir = mkdtempSync(path.join(tmpdir(), prefix));
  const app = makeApp({ outdir });
  build(app);
  try {
    app.synth();
  } catch (e) {
    console.error(`cdk-nag findings:\n${findings(outdir)}`);
    throw e;
  }
};

describe('cdk-nag (AwsSolutions, NIST 800-53 R5, Serverless) and Control Tower cfn-guard rules, same wiring as bin/app.ts', () => {
  test('every stack synthesizes with zero unacknowledged findings', () => {
    expect(
      synthReportingFindings('safeguards-nag-', (app) => addSafeguardsStacks(app, testConfig())),
    ).not.toThrow();
  });

  test('the edge stack synthesizes with zero unacknowledged findings', () => {
    const build = (app: App) => {
      addEdgeStack(app, loadConfig('config/edge.example.config.json'));
      addNagChecks(app);
    };
    expect(synthReportingFindings('safeguards-nag-edge-', build)).not.toThrow();
  });

  test('fails when a resource is left unacknowledged (the check can fail)', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'safeguards-nag-'));
    const app = makeApp({ outdir });
    const [stack] = addSafeguardsStacks(app, { ...testConfig(), regions: [testConfig().regions[0]!] });
    new s3.Bucket(stack!, 'BareBucket');
    new kms.Key(stack!, 'BareKey');
    expect(() => app.synth()).toThrow();
    const report = findings(outdir);
    expect(report).toMatch(/AwsSolutions-S1 Safeguards-eu-west-1\/BareBucket\/Resource/);
    // The Control Tower rules run too (cfn-guard, offline): a key without the grant restriction (CT.KMS.PR.3).
    expect(report).toMatch(/kms_create_grant_aws_service_check Safeguards-eu-west-1\/BareKey\/Resource/);
    expect(report).not.toMatch(/kms_create_grant_aws_service_check Safeguards-eu-west-1\/Keys\//);
  });
});
