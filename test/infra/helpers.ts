import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { loadConfig } from '../../bin/load-config';
import type { RegionConfig, SafeguardsConfig } from '../../config/schema';

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
    onCall: { emails: ['oncall-au@example.com'], httpsEndpoints: [] },
  };
  return { ...example, regions: [...example.regions, extra] };
};
