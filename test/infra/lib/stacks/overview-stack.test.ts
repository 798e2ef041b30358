import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addSafeguardsStacks } from '../../../../lib/safeguards-app';
import { OVERVIEW_STACK_NAME } from '../../../../lib/stacks/overview-stack';
import { makeApp, testConfig } from '../../helpers';

process.env['CDK_VALIDATION'] = 'false';

const overviewOf = (app: ReturnType<typeof makeApp>) =>
  app.node.children.find((c): c is Stack => c instanceof Stack && c.stackName === OVERVIEW_STACK_NAME);

describe('cross-region overview', () => {
  test('one dashboard in its own stack (first region by default) with a row per region, metrics only', () => {
    const app = makeApp();
    const config = testConfig();
    addSafeguardsStacks(app, config, { nagChecks: false });
    const overview = overviewOf(app);
    expect(overview?.region).toBe(config.regions[0]!.region);
    const template = Template.fromStack(overview!);
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!['Properties']['DashboardBody']);
    for (const r of config.regions) expect(body).toContain(`\\"region\\":\\"${r.region}\\"`);
    expect(body).not.toMatch(/"log"|SOURCE '/); // no Logs Insights widgets: nothing but metrics leaves a region
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(1);
  });

  test('the regional stacks still reference only their own region', () => {
    const app = makeApp();
    const stacks = addSafeguardsStacks(app, testConfig(), { nagChecks: false });
    expect(() => app.synth()).not.toThrow();
    expect(stacks.every((s) => s.stackName !== OVERVIEW_STACK_NAME)).toBe(true);
  });

  test('overviewRegion: null deploys no overview; a named region is used', () => {
    const none = makeApp();
    addSafeguardsStacks(none, { ...testConfig(), overviewRegion: null }, { nagChecks: false });
    expect(overviewOf(none)).toBeUndefined();
    const named = makeApp();
    addSafeguardsStacks(named, { ...testConfig(), overviewRegion: 'us-east-1' }, { nagChecks: false });
    expect(overviewOf(named)?.region).toBe('us-east-1');
  });
});
