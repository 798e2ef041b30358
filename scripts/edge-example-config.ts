/**
 * Rewrites config/edge.example.config.json as config/example.config.json plus its `edge` section, so the two
 * examples never drift (test/infra/lib/stacks/edge-stack.test.ts fails when they do):
 *
 *   npx tsx scripts/edge-example-config.ts
 *
 * The edge section is kept; its origins follow the example's regions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const example = JSON.parse(readFileSync(join(root, 'config/example.config.json'), 'utf8')) as {
  account: string;
  regions: { region: string }[];
};
const target = join(root, 'config/edge.example.config.json');
const edge = (JSON.parse(readFileSync(target, 'utf8')) as { edge: Record<string, unknown> }).edge;
edge['origins'] = example.regions.map((r, i) => ({
  region: r.region,
  domainName: `${r.region}.origin.api.example.com`,
  certificateArn: `arn:aws:acm:${r.region}:${example.account}:certificate/00000000-0000-4000-8000-${String(i + 11).padStart(12, '0')}`,
}));
writeFileSync(target, `${JSON.stringify({ ...example, edge }, null, 2)}\n`);
