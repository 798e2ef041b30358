import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadConfig } from '../../bin/load-config';
import { addNagChecks } from '../../lib/nag';
import { addEdgeStack, addSafeguardsStacks } from '../../lib/safeguards-app';
import { makeApp, testConfig } from './helpers';

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

describe('cdk-nag (AwsSolutions, NIST 800-53 R5, Serverless), same wiring as bin/app.ts', () => {
  test('every stack synthesizes with zero unacknowledged findings', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'safeguards-nag-'));
    const app = makeApp({ outdir });
    addSafeguardsStacks(app, testConfig());
    const synth = () => {
      try {
        app.synth();
      } catch (e) {
        console.error(`cdk-nag findings:\n${findings(outdir)}`);
        throw e;
      }
    };
    expect(synth).not.toThrow();
  });

  test('the edge stack synthesizes with zero unacknowledged findings', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'safeguards-nag-edge-'));
    const app = makeApp({ outdir });
    addEdgeStack(app, loadConfig('config/edge.example.config.json'));
    addNagChecks(app);
    const synth = () => {
      try {
        app.synth();
      } catch (e) {
        console.error(`cdk-nag findings:\n${findings(outdir)}`);
        throw e;
      }
    };
    expect(synth).not.toThrow();
  });

  test('fails when a resource is left unacknowledged (the check can fail)', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'safeguards-nag-'));
    const app = makeApp({ outdir });
    const [stack] = addSafeguardsStacks(app, { ...testConfig(), regions: [testConfig().regions[0]!] });
    new s3.Bucket(stack!, 'BareBucket');
    expect(() => app.synth()).toThrow();
    expect(findings(outdir)).toMatch(/AwsSolutions-S1 Safeguards-eu-west-1\/BareBucket\/Resource/);
  });
});
