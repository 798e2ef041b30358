import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../bin/load-config';
import type { RegionConfig, SafeguardsConfig } from '../../config/schema';
import { addSafeguardsStacks } from '../../lib/safeguards-app';

const ROOT = path.resolve(__dirname, '../..');

/** An App with the same feature flags as the CLI (cdk.json context) and bundling skipped. */
export const makeApp = (props: Omit<AppProps, 'context'> = {}): App => {
  const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: object };
  return new App({ ...props, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
};

/** The shipped example config, loaded exactly as `bin/app.ts` loads it. */
export const exampleConfig = (): SafeguardsConfig => loadConfig('config/example.config.json');

/**
 * The example config plus one region exercising the other branches: classifier mode `never` (no endpoint),
 * an HTTPS upstream (no Bedrock endpoint), no on-call HTTPS endpoint.
 */
export const testConfig = (): SafeguardsConfig => {
  const example = exampleConfig();
  const first = example.regions[0]!;
  const extra: RegionConfig = {
    ...first,
    region: 'ap-southeast-2',
    residencyZone: 'AU',
    classifier: {
      ...first.classifier,
      imageUri: first.classifier.imageUri.replace(first.region, 'ap-southeast-2'),
      mode: 'never',
    },
    upstream: { kind: 'https', baseUrl: 'https://models.example.com/anthropic' },
    models: ['claude-sonnet-4-6'],
    onCall: { emails: ['oncall-au@example.com'], httpsEndpoints: [] },
  };
  return { ...example, regions: [...example.regions, extra] };
};

/** A lookup of regional templates by region, with the regions it holds. */
export type RegionTemplates = ((region: string) => Template) & { readonly regions: readonly string[] };

/**
 * Synthesizes every stack of `config` once (bundling skipped, no nag) and returns the regional templates by
 * region; an unknown region throws, so a typo in a test cannot pass silently.
 */
export const regionTemplates = (config: SafeguardsConfig): RegionTemplates => {
  const app = makeApp();
  const templates = new Map(
    addSafeguardsStacks(app, config, { nagChecks: false }).map(
      (s) => [s.region, Template.fromStack(s)] as const,
    ),
  );
  const lookup = (region: string): Template => {
    const template = templates.get(region);
    if (!template) throw new Error(`no stack for ${region}`);
    return template;
  };
  return Object.assign(lookup, { regions: [...templates.keys()] });
};

/** Synthesizes `app` and returns the error message, or '' when synthesis succeeded. */
export const synthError = (app: App): string => {
  try {
    app.synth();
    return '';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
};
