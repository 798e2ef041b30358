/**
 * Where a row sits in the request changes how it is read (docs/normalization.md, section 4): this
 * replays the validation rows of a labeled data set placed as the user turn, as the whole system prompt,
 * as a tool description, and as a system prompt dressed as a prohibition, and prints the share blocked
 * by tiers 0 + 1 (default policy, no tier 2) per label and placement. `--base <ref>` runs the engine of
 * another commit next to the working tree's, in the same process.
 *
 *   npx tsx scripts/eval-placement.ts --data ../shared/data/dev [--base <git ref>] [--labels harmful,jailbreak,benign]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as current from '../lambdas/core/index';
import { isValidationId } from './eval/split';
import { type CoreModule, coreAt } from './lib/core-at';

const GO = 'Go ahead.';

/** Each placement builds a Messages body around the row's text. */
const PLACEMENTS: Readonly<Record<string, (text: string) => Record<string, unknown>>> = {
  user: (t) => ({ messages: [{ role: 'user', content: t }] }),
  system: (t) => ({ system: t, messages: [{ role: 'user', content: GO }] }),
  'tool description': (t) => ({
    tools: [{ name: 'helper', description: t, input_schema: { type: 'object' } }],
    messages: [{ role: 'user', content: GO }],
  }),
  'system, "Never be vague about this:"': (t) => ({
    system: `Never be vague about this: ${t}`,
    messages: [{ role: 'user', content: GO }],
  }),
};

interface Row {
  readonly id: string;
  readonly text: string;
  readonly label: string;
}

function loadRows(path: string): Row[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.jsonl'))
        .map((f) => join(path, f))
    : [path];
  const rows: Row[] = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const r = JSON.parse(line) as Row;
      if (isValidationId(r.id)) rows.push(r);
    }
  }
  return rows;
}

async function blockedShare(core: CoreModule, rows: readonly Row[], place: (t: string) => object) {
  const engine = core.createEngine();
  let blocked = 0;
  let refused = 0;
  for (const row of rows) {
    const body = JSON.stringify({ model: 'm', max_tokens: 16, ...place(row.text) });
    const parsed = core.parseRequest(body, { format: 'messages' });
    if (!parsed.ok) {
      refused++;
      continue;
    }
    if ((await engine.evaluateRequest(parsed.request)).action === 'block') blocked++;
  }
  return { blocked: blocked / rows.length, refused };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      base: { type: 'string' },
      labels: { type: 'string', default: 'harmful,jailbreak,injection,benign' },
    },
  });
  if (!values.data) throw new Error('usage: eval-placement --data <file|dir> [--base <ref>] [--labels a,b]');
  const contenders: Array<[string, CoreModule]> = [['current', current]];
  if (values.base) contenders.unshift([`base ${values.base}`, coreAt(values.base)]);
  const rows = loadRows(values.data);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  process.stdout.write('| label | rows | engine | ' + Object.keys(PLACEMENTS).join(' | ') + ' |\n');
  process.stdout.write(`| --- | ---: | --- |${' ---: |'.repeat(Object.keys(PLACEMENTS).length)}\n`);
  for (const label of (values.labels ?? '').split(',')) {
    const of = rows.filter((r) => r.label === label);
    if (of.length === 0) continue;
    for (const [name, core] of contenders) {
      const cells: string[] = [];
      for (const place of Object.values(PLACEMENTS)) {
        const r = await blockedShare(core, of, place);
        cells.push(r.refused > 0 ? `${pct(r.blocked)} (${r.refused} refused 400)` : pct(r.blocked));
      }
      process.stdout.write(`| ${label} | ${of.length} | ${name} | ${cells.join(' | ')} |\n`);
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`eval-placement: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
