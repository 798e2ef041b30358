/**
 * `npm run eval -- --data <JSONL file or folder> --out <dir> [--policy <file>] [--scope validation|all]
 *                 [--no-transforms] [--baseline <report.json> --margin 0.01]`
 *
 * Replays labeled rows (JSONL: id, text, label, category, source[, context]) through the engine and
 * writes decisions.jsonl, report.json and report.html. With --baseline, exits 1 when recall falls or
 * false positives rise by more than --margin (absolute) against that report.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { renderHtml } from '../lambdas/core/eval/html';
import { type EvalDecision, LABELS, type Label } from '../lambdas/core/eval/metrics';
import { buildReport, type EvalReport, regressions } from '../lambdas/core/eval/report';
import { isValidationId, SPLIT_RULE } from '../lambdas/core/eval/split';
import { OBFUSCATIONS } from '../lambdas/core/eval/transforms';
import {
  createEngine,
  defaultPolicy,
  parsePolicy,
  parseRequest,
  type SafeguardsEngine,
} from '../lambdas/core/index';
import { SAFETY_CATEGORIES } from '../lambdas/core/types';

const rowSchema = z.looseObject({
  id: z.string().min(1),
  text: z.string(),
  label: z.string(),
  category: z.string().nullable().optional(),
  source: z.string().default('unknown'),
  context: z.string().nullable().optional(),
});
type Row = z.infer<typeof rowSchema>;

function usage(message: string): never {
  process.stderr.write(
    `eval: ${message}\nusage: npm run eval -- --data <file|dir> --out <dir> [--policy <file>] [--scope validation|all] [--no-transforms] [--baseline <report.json>] [--margin 0.01]\n`,
  );
  process.exit(2);
}

function listFiles(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) usage(`--data ${path}: no such file or folder`);
  if (st.isFile()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(path, f));
}

interface Loaded {
  rows: Row[];
  unknownLabel: Row[];
  invalid: { file: string; line: number; problem: string }[];
}

function loadRows(files: readonly string[]): Loaded {
  const out: Loaded = { rows: [], unknownLabel: [], invalid: [] };
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        out.invalid.push({ file, line: i + 1, problem: 'not valid JSON' });
        return;
      }
      const parsed = rowSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        out.invalid.push({
          file,
          line: i + 1,
          problem: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        });
        return;
      }
      if ((LABELS as readonly string[]).includes(parsed.data.label)) out.rows.push(parsed.data);
      else out.unknownLabel.push(parsed.data);
    });
  }
  return out;
}

async function decide(
  engine: SafeguardsEngine,
  row: Row,
  text: string,
  transform?: string,
): Promise<EvalDecision> {
  const body = JSON.stringify({
    model: 'eval',
    max_tokens: 16,
    ...(row.context ? { system: row.context } : {}),
    messages: [{ role: 'user', content: text === '' ? ' ' : text }],
  });
  const t0 = performance.now();
  const parsed = parseRequest(body, { format: 'messages' });
  const base = {
    id: row.id,
    label: row.label as Label,
    category: row.category ?? null,
    source: row.source,
    validation: isValidationId(row.id),
    ...(transform ? { transform } : {}),
  };
  if (!parsed.ok) {
    return {
      ...base,
      action: `rejected:${parsed.error.status}`,
      detected: false,
      flagged: [],
      scores: {},
      escalated: false,
      latencyMs: performance.now() - t0,
    };
  }
  const v = await engine.evaluateRequest(parsed.request);
  const latencyMs = performance.now() - t0;
  const flagged = SAFETY_CATEGORIES.filter((c) => v.triggered.includes(c) || v.shadowTriggered.includes(c));
  const scores: Record<string, number> = {};
  for (const [k, s] of Object.entries(v.scores)) scores[k] = Math.round(s * 10_000) / 10_000;
  return {
    ...base,
    action: v.action,
    detected:
      flagged.length > 0 && (v.action === 'block' || v.action === 'flag' || v.shadowTriggered.length > 0),
    flagged,
    scores,
    escalated: v.tier2.escalated.length > 0,
    latencyMs: Math.round(latencyMs * 1000) / 1000,
  };
}

function progress(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      policy: { type: 'string' },
      scope: { type: 'string', default: 'validation' },
      'no-transforms': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      margin: { type: 'string', default: '0.01' },
    },
  });
  if (!values.data) usage('--data is required');
  if (!values.out) usage('--out is required');
  const scope =
    values.scope === 'all'
      ? 'all'
      : values.scope === 'validation'
        ? 'validation'
        : usage('--scope must be validation or all');
  const margin = Number(values.margin);
  if (!Number.isFinite(margin) || margin < 0) usage('--margin must be a non-negative number');

  const policy = values.policy
    ? parsePolicy(readFileSync(values.policy, 'utf8'), values.policy)
    : defaultPolicy();
  const engine = createEngine({ policy });
  const loaded = loadRows(listFiles(resolve(values.data)));
  const transforms = values['no-transforms'] ? [] : Object.entries(OBFUSCATIONS);
  const total = loaded.rows.length * (1 + transforms.length);

  const decisions: EvalDecision[] = [];
  const transformed: EvalDecision[] = [];
  let done = 0;
  for (const row of loaded.rows) {
    decisions.push(await decide(engine, row, row.text));
    for (const [name, fn] of transforms) transformed.push(await decide(engine, row, fn(row.text), name));
    done += 1 + transforms.length;
    if (done % 50 === 0 || done === total) progress(done, total);
  }

  const byLabel: Record<string, number> = {};
  for (const r of loaded.unknownLabel) byLabel[r.label] = (byLabel[r.label] ?? 0) + 1;
  const report = buildReport({
    decisions,
    transformed,
    skipped: {
      count: loaded.unknownLabel.length,
      byLabel,
      examples: loaded.unknownLabel.slice(0, 20).map((r) => r.id),
    },
    scope,
    splitRule: SPLIT_RULE,
    policy: { name: engine.policy.name, version: engine.policy.version },
    modelVersion: engine.modelVersion,
  });

  mkdirSync(values.out, { recursive: true });
  writeFileSync(
    join(values.out, 'decisions.jsonl'),
    decisions.map((d) => JSON.stringify(d)).join('\n') + '\n',
  );
  writeFileSync(
    join(values.out, 'report.json'),
    `${JSON.stringify({ ...report, invalidRows: loaded.invalid.slice(0, 50), invalidCount: loaded.invalid.length }, null, 2)}\n`,
  );
  writeFileSync(join(values.out, 'report.html'), renderHtml(report));

  const p = (x: number) => `${(x * 100).toFixed(2)}%`;
  process.stdout.write(
    `rows ${report.rows} (${scope}; ${decisions.length} scored in all, ${loaded.unknownLabel.length} unknown label, ${loaded.invalid.length} invalid)\n` +
      `recall harmful ${p(report.recall.harmful)}  jailbreak ${p(report.recall.jailbreak)}  injection ${p(report.recall.injection)}\n` +
      `FPR general ${p(report.fpr.general)}  borderline ${p(report.fpr.borderline)}\n` +
      `latency p50 ${report.latencyMs.p50} ms  p99 ${report.latencyMs.p99} ms  tier-2 escalation ${p(report.tier2EscalationRate)}  AUC ${report.roc.auc}\n` +
      `wrote ${join(values.out, 'decisions.jsonl')}, report.json, report.html\n`,
  );

  if (values.baseline) {
    const baseline = JSON.parse(readFileSync(values.baseline, 'utf8')) as EvalReport;
    const found = regressions(report, baseline, margin);
    if (found.length > 0) {
      process.stderr.write(
        `eval: regression against ${values.baseline} (margin ${margin}):\n${found.map((f) => `  ${f}`).join('\n')}\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`no regression against ${values.baseline} (margin ${margin})\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`eval: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
