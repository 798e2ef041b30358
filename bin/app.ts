#!/usr/bin/env node
/**
 * CDK entry point: reads the deployment config once (the only place that reads env, context or files) and adds
 * one guarded, nag-checked stack per configured region.
 *
 *   npx cdk synth                                  # config/example.config.json
 *   npx cdk synth -c config=config/acme.json       # or SAFEGUARDS_CONFIG=config/acme.json
 */
import { App } from 'aws-cdk-lib';
import { ConfigError, type SafeguardsConfig } from '../config/schema';
import { addSafeguardsStacks } from '../lib/safeguards-app';
import { loadConfig, resolveConfigPath } from './load-config';

const app = new App();
const configPath = resolveConfigPath(app.node.tryGetContext('config'), process.env);

let config: SafeguardsConfig;
try {
  config = loadConfig(configPath);
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`Invalid safeguards config:\n${e.message}`);
  process.exit(1);
}

addSafeguardsStacks(app, config);
