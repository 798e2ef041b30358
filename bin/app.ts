#!/usr/bin/env node
/**
 * CDK entry point: reads the deployment config once, creates one stack per configured region, and registers the
 * cdk-nag checks. The only place that reads env, context or files.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../config/schema';
import { addNagChecks } from '../lib/nag';
import { SafeguardsStack, stackNameFor } from '../lib/stacks/safeguards-stack';
import { loadConfig, resolveConfigPath } from './load-config';

const app = new App();
const configPath = resolveConfigPath(app.node.tryGetContext('config'), process.env);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(configPath);
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`Invalid safeguards config:\n${e.message}`);
    process.exit(1);
  }
  throw e;
}

for (const settings of config.regions) {
  const name = stackNameFor(settings.region);
  new SafeguardsStack(app, name, {
    stackName: name,
    env: { account: config.account, region: settings.region },
    partner: config.partner,
    settings,
  });
}

addNagChecks(app);
