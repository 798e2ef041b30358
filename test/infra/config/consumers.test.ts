/**
 * No dead settings, one contract: every config field reaches a consumer (config/consumers.ts), and what the
 * constructs write into the functions' environments comes back out of the synthesized templates, through the
 * functions' own reader, as the config said (config → construct → environment → function settings).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import type { z } from 'zod';
import { CONFIG_CONSUMERS, type Consumer } from '../../../config/consumers';
import { allowedModels, ConfigSchema, type SafeguardsConfig } from '../../../config/schema';
import { fromEnvironment } from '../../../lambdas/shared/environment';
import type { FunctionName } from '../../../lambdas/shared/names';
import { collectPromptProcessing } from '../../../lib/report/prompt-processing';
import { regionTemplates, testConfig } from '../helpers';

const ROOT = path.resolve(__dirname, '../../..');

/** The leaf paths of a zod schema (`[]` for array items); a union's options are merged. */
function leafPaths(schema: z.ZodType, at = ''): string[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'object': {
      const shape = def['shape'] as Record<string, z.ZodType>;
      return Object.entries(shape).flatMap(([key, value]) =>
        leafPaths(value, at === '' ? key : `${at}.${key}`),
      );
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return leafPaths(def['innerType'] as z.ZodType, at);
    case 'pipe':
      return leafPaths(def['in'] as z.ZodType, at);
    case 'array': {
      const element = def['element'] as z.ZodType;
      const inner = leafPaths(element, `${at}[]`);
      // An array of values is one field; an array of objects has fields of its own.
      return inner.length === 1 && inner[0] === `${at}[]` ? [at] : inner;
    }
    case 'union': {
      const options = def['options'] as z.ZodType[];
      const paths = options.flatMap((o) => leafPaths(o, at));
      return [...new Set(paths)];
    }
    default:
      return [at];
  }
}

/** `a.b.c` of an object. */
const get = (value: unknown, dotted: string): unknown =>
  dotted
    .split('.')
    .reduce<unknown>(
      (v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
      value,
    );

/** A function's environment in a template, CloudFormation references replaced by placeholder strings. */
function environmentOf(template: Template, variable: string): Record<string, string> {
  const fns = Object.values(template.findResources('AWS::Lambda::Function'));
  const env = fns
    .map((f) => (f['Properties']?.Environment?.Variables ?? {}) as Record<string, unknown>)
    .find((vars) => variable in vars);
  if (!env) throw new Error(`no function with ${variable}`);
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      typeof v === 'string'
        ? v
        : k.endsWith('_URL')
          ? 'https://resolved.invalid/prod/'
          : `resolved-${k.toLowerCase()}`,
    ]),
  );
}

/**
 * The example config with an edge in front of every example region (required there, so their canaries are off) and
 * the canary, with its model and output probes, in the https region the edge does not front.
 */
const config = (): SafeguardsConfig => {
  const base = testConfig();
  const edge = JSON.parse(readFileSync(path.join(ROOT, 'config/edge.example.config.json'), 'utf8')).edge;
  const fronted = (region: string) => edge.origins.some((o: { region: string }) => o.region === region);
  return ConfigSchema.parse({
    ...base,
    regions: base.regions.map((r) =>
      fronted(r.region)
        ? { ...r, canary: { enabled: false } }
        : {
            ...r,
            ...(r.upstream.kind === 'https'
              ? { upstream: { ...r.upstream, apiKeySecretName: 'safeguards/upstream-key' } }
              : {}),
            canary: { model: allowedModels(r)[0], outputProbes: true },
          },
    ),
    edge: {
      ...edge,
      requireEdge: true,
      origins: edge.origins.filter((o: { region: string }) =>
        base.regions.some((r) => r.region === o.region),
      ),
    },
  });
};

describe('every config field reaches a consumer', () => {
  const fields = leafPaths(ConfigSchema).sort();

  test('the schema walk finds the fields (the walk itself is not vacuous)', () => {
    expect(fields).toEqual(
      expect.arrayContaining(['partner', 'regions[].upstream.baseUrl', 'edge.origins[].domainName']),
    );
    expect(fields.length).toBeGreaterThan(40);
  });

  test('each field has a consumer, and each consumer entry is a field', () => {
    const listed = Object.keys(CONFIG_CONSUMERS).sort();
    expect(fields.filter((f) => !listed.includes(f))).toEqual([]);
    expect(listed.filter((f) => !fields.includes(f))).toEqual([]);
  });

  test.each(Object.entries(CONFIG_CONSUMERS))(
    '%s: its consumer file still reads it',
    (_field, consumer: Consumer) => {
      const source = readFileSync(path.join(ROOT, consumer.file), 'utf8');
      expect(source).toContain(consumer.reads);
    },
  );
});

describe('config → construct → environment → function, over the example config', () => {
  const c = config();
  const templates = regionTemplates(c);
  const settingsOf = (fn: FunctionName, region: string): unknown => {
    const variable = {
      proxy: 'UPSTREAM',
      authorizer: 'TENANT_CACHE_TTL_MS',
      canary: 'CANARY_MODEL',
      operator: 'HMAC_KEY_ID',
      // No config field reaches the canary-tenant function (it gets table names only); never looked up.
      canaryTenant: 'TENANTS_TABLE',
    }[fn];
    const env = environmentOf(templates(region), variable);
    // What the Lambda runtime adds.
    return fromEnvironment(fn, { ...env, AWS_REGION: region, AWS_SESSION_TOKEN: 'session' });
  };

  test.each(c.regions.map((r) => [r.region]))('%s: every function reads its environment', (region) => {
    for (const fn of ['proxy', 'authorizer', 'operator'] as const)
      expect(() => settingsOf(fn, region)).not.toThrow();
  });

  const envConsumers = Object.entries(CONFIG_CONSUMERS).filter(
    (e): e is [string, Extract<Consumer, { kind: 'env' }>] => e[1].kind === 'env',
  );

  test.each(envConsumers)('%s comes back out of the environment unchanged', (field, consumer) => {
    let compared = 0;
    for (const r of c.regions) {
      let expected: unknown;
      if (field.startsWith('regions[].')) {
        expected = get(r, field.slice('regions[].'.length));
        if (field === 'regions[].models') expected = allowedModels(r);
      } else {
        expected = get(c, field);
      }
      if (expected === undefined) continue;
      if (consumer.fn === 'canary' && !r.canary.enabled) continue;
      // The edge's keys reach the authorizers of the regions it fronts.
      if (field.startsWith('edge.') && !c.edge?.origins.some((o) => o.region === r.region)) continue;
      expect(get(settingsOf(consumer.fn, r.region), consumer.setting)).toEqual(expected);
      compared++;
    }
    // Some region of the config carries the field: the comparison ran.
    expect(compared).toBeGreaterThan(0);
  });

  test('the compliance report finds the https upstream host in what the construct wrote', () => {
    const au = c.regions.find((r) => r.upstream.kind === 'https');
    if (!au) throw new Error('the test config has an https upstream');
    const report = collectPromptProcessing(templates(au.region).toJSON() as never, au.region);
    expect(report.externalHosts).toEqual(['models.example.com']);
  });
});
