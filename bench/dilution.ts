/**
 * `npx tsx bench/dilution.ts --data <dir>`: recall of harmful validation prompts buried in benign text,
 * by padding size and by position (start / middle / end), and the flag rate of benign prompts padded the
 * same way (filler and benign probes: general questions from nq_open, webquestions and gsm8k; strategyqa and truthfulqa ask about killing and poisons too often to be neutral filler); and payload splitting (a harmful prompt cut in two user messages). The padding is benign
 * validation prompts of other rows, joined into paragraphs. Reads the labeled data at run time; prints a
 * table. Not a test: figures go in docs/normalization.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine, parseRequest } from '../lambdas/core/index';
import { isValidationId } from '../scripts/eval/split';

interface Row {
  readonly id: string;
  readonly text: string;
  readonly label: string;
  readonly category?: string | null;
  readonly source: string;
}

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/dev' },
    rows: { type: 'string', default: '120' },
  },
});
const dir = values.data as string;
const limit = Number(values.rows);
const read = (label: string): Row[] =>
  readFileSync(join(dir, `${label}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row)
    .filter((r) => isValidationId(r.id) && r.label === label);

const harmful = read('harmful').slice(0, limit);
/** Filler and benign probes: general (not borderline) questions from factual Q&A and maths sources. */
const FILLER_SOURCES = new Set(['nq_open', 'gsm8k', 'gsm8k_train', 'webquestions']);
const benign = read('benign').filter((r) => FILLER_SOURCES.has(r.source));
const engine = createEngine();
let fill = 0;
/** Benign filler of about `chars` characters, from the benign rows in turn (deterministic). */
const filler = (chars: number): string => {
  let out = '';
  while (out.length < chars) {
    const r = benign[fill++ % benign.length] as Row;
    out += `${r.text.trim()}${/[.!?]$/.test(r.text.trim()) ? '' : '.'}\n\n`;
  }
  return out.slice(0, chars);
};

async function detected(messages: Array<{ role: string; content: string }>): Promise<boolean> {
  const parsed = parseRequest(JSON.stringify({ model: 'x', max_tokens: 8, messages }), {
    format: 'messages',
  });
  if (!parsed.ok) return false;
  const v = await engine.evaluateRequest(parsed.request);
  return v.action === 'block' || v.action === 'flag';
}

const place = (text: string, pad: string, where: string): string => {
  if (where === 'start') return `${text}\n\n${pad}`;
  if (where === 'end') return `${pad}\n\n${text}`;
  const half = Math.floor(pad.length / 2);
  return `${pad.slice(0, half)}\n\n${text}\n\n${pad.slice(half)}`;
};

async function main(): Promise<void> {
  const sizes = [0, 1024, 4096, 16_384, 65_536];
  const benignRows = benign.slice(0, limit);
  console.log(`harmful rows ${harmful.length}, benign rows ${benignRows.length}`);
  console.log('padding   position  harmful recall  benign flagged');
  for (const size of sizes) {
    for (const where of size === 0 ? ['alone'] : ['start', 'middle', 'end']) {
      let hit = 0;
      let fp = 0;
      fill = 0;
      for (const r of harmful)
        if (await detected([{ role: 'user', content: place(r.text, filler(size), where) }])) hit++;
      fill = 7;
      for (const r of benignRows)
        if (await detected([{ role: 'user', content: place(r.text, filler(size), where) }])) fp++;
      console.log(
        `${String(size).padStart(7)}   ${where.padEnd(8)}  ${((100 * hit) / harmful.length).toFixed(1).padStart(13)}%  ${((100 * fp) / benignRows.length).toFixed(1).padStart(13)}%`,
      );
    }
  }
  // Payload splitting: the prompt cut at a word boundary near its middle into two user messages.
  let split = 0;
  let splitBenign = 0;
  const halves = (t: string): [string, string] => {
    const mid = t.indexOf(' ', Math.floor(t.length / 2));
    return mid < 0 ? [t, '.'] : [t.slice(0, mid), t.slice(mid + 1)];
  };
  for (const r of harmful) {
    const [a, b] = halves(r.text);
    if (
      await detected([
        { role: 'user', content: a },
        { role: 'assistant', content: 'Go on.' },
        { role: 'user', content: b },
      ])
    )
      split++;
  }
  for (const r of benignRows) {
    const [a, b] = halves(r.text);
    if (
      await detected([
        { role: 'user', content: a },
        { role: 'assistant', content: 'Go on.' },
        { role: 'user', content: b },
      ])
    )
      splitBenign++;
  }
  console.log(
    `split across two user messages: harmful recall ${((100 * split) / harmful.length).toFixed(1)}%, benign flagged ${((100 * splitBenign) / benignRows.length).toFixed(1)}%`,
  );
}

void main();
