import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { canonicalModel } from '../../../lambdas/core/models/identity';

const ROOT = path.resolve(__dirname, '../../..');

/** The files a partner copies from: the example config, the README, the docs and the local demo. */
const sources = (): string[] => [
  'config/example.config.json',
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(path.join(ROOT, 'local'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `local/${f}`),
];

/**
 * Every Claude model id written in `text` (API ids, Bedrock ids, inference-profile ids); not `claude-code` (the
 * CLI) nor `claude-demo` (the local demo upstream's model, not a Claude model).
 */
const claudeIds = (text: string): string[] =>
  [
    ...text.matchAll(/(?:[a-z-]+\.)?(?:anthropic\.)?claude-(?!code\b|demo\b)[a-z0-9][a-z0-9.:-]*[a-z0-9]/g),
  ].map((m) => m[0]);

describe('current models in what partners copy', () => {
  test('the example config, README, docs and demo name only active models of config/models.ts', () => {
    const offenders: string[] = [];
    let seen = 0;
    for (const file of sources()) {
      for (const id of claudeIds(readFileSync(path.join(ROOT, file), 'utf8'))) {
        seen += 1;
        const { entry } = canonicalModel(id);
        if (entry === null) offenders.push(`${file}: '${id}' is not in config/models.ts`);
        else if (entry.status !== 'active') {
          offenders.push(
            `${file}: '${id}' is ${entry.status}${entry.retiredOn ? ` since ${entry.retiredOn}` : ''}`,
          );
        }
      }
    }
    expect(offenders).toEqual([]);
    expect(seen).toBeGreaterThanOrEqual(3);
  });

  test('the check fails for a retired model (Claude Sonnet 4.5, retired 2026-11-30)', () => {
    const { entry } = canonicalModel(
      claudeIds('"modelId": "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"')[0]!,
    );
    expect(entry?.status).toBe('retired');
  });
});
