/**
 * `npm run eval -- --data <JSONL file or folder> --out <dir> [--policy <file>] [--scope validation|all]
 *                 [--transforms all|none|legacy|<names and families>] [--sample <n>]
 *                 [--tier2 none|reference|<url>] [--baseline <report.json> --margin 0.01]`
 *
 * Replays labeled rows (JSONL: id, text, label, category, source[, context]) through the engine and
 * writes decisions.jsonl, report.json and report.html. `--transforms` replays the in-scope rows through
 * evasion techniques (scripts/eval/techniques.ts) and reports recall and benign FPR per technique;
 * `--sample n` keeps at most n rows per label for the transformed passes (chosen by a hash of the id).
 * With --baseline, exits 1 when recall falls or false positives rise by more than --margin (absolute)
 * against that report, overall or for any technique both reports have.
 *
 * Every row is decided twice: by tiers 0+1 alone and by the cascade with tier 2 (`--tier2 reference`,
 * the default: the committed tier-2 model in-process; a URL: an endpoint speaking the SageMaker
 * container contract; `none`: no tier 2). decisions.jsonl keeps both (`detected`, `tier1Detected`,
 * `escalated`, `tier2Ms`); the report puts them side by side with the escalation rate on benign rows
 * and the tier-2 latency.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { loadTier2 } from '../classifier/model/tier2';
import type { Tier2Classifier } from '../lambdas/core/engine/tier2';
import {
  createEngine,
  defaultPolicy,
  parsePolicy,
  parseRequest,
  type SafeguardsEngine,
} from '../lambdas/core/index';
import { SAFETY_CATEGORIES } from '../lambdas/core/types';
import { DEFAULT_SIZES, runDilution } from './eval/dilution';
import { renderHtml } from './eval/html';
import { LABELS, type Label } from './eval/metrics';
import { loadTranslations, runMultilingual } from './eval/multilingual';
import { buildReport, type EvalReport, regressions, transformRegressions } from './eval/report';
import { seededRng } from './eval/rng';
import { makeFiller, requestBody, selectTechniques } from './eval/select';
import { isValidationId, SPLIT_RULE } from './eval/split';
import { type EvalRequest, type TechniqueContext, techniqueRng } from './eval/techniques';
import { type CascadeDecision, cascadeHtml, cascadeSummary, httpTier2, inProcessTier2 } from './lib/cascade';

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
    `eval: ${message}\nusage: npm run eval -- --data <file|dir> --out <dir> [--policy <file>] [--scope validation|all] [--transforms all|none|legacy|<names,families>] [--sample <n per label>] [--tier2 none|reference|<url>] [--baseline <report.json>] [--margin 0.01]\n`,
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

/** The row as it was labeled: one user message, with the row's system prompt when it has one. */
function plainRequest(row: Row): EvalRequest {
  return {
    ...(row.context ? { system: row.context } : {}),
    messages: [{ role: 'user', content: row.text === '' ? ' ' : row.text }],
  };
}

interface Engines {
  /** Tiers 0+1 only (no tier 2 wired). */
  readonly local: SafeguardsEngine;
  /** The same policy with tier 2 wired; absent with `--tier2 none`. */
  readonly cascade?: SafeguardsEngine;
}

type Verdict = Awaited<ReturnType<SafeguardsEngine['evaluateRequest']>>;

function outcome(v: Verdict): { flagged: string[]; detected: boolean; scores: Record<string, number> } {
  const flagged = SAFETY_CATEGORIES.filter((c) => v.triggered.includes(c) || v.shadowTriggered.includes(c));
  const scores: Record<string, number> = {};
  for (const [k, s] of Object.entries(v.scores)) scores[k] = Math.round(s * 10_000) / 10_000;
  const detected =
    flagged.length > 0 && (v.action === 'block' || v.action === 'flag' || v.shadowTriggered.length > 0);
  return { flagged, detected, scores };
}

async function decide(
  engines: Engines,
  row: Row,
  request: EvalRequest,
  transform?: string,
): Promise<CascadeDecision> {
  const body = requestBody(request);
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
      tier1Detected: false,
      flagged: [],
      scores: {},
      escalated: false,
      latencyMs: performance.now() - t0,
    };
  }
  const local = await engines.local.evaluateRequest(parsed.request);
  const localMs = performance.now() - t0;
  const tier1 = outcome(local);
  if (!engines.cascade) {
    return {
      ...base,
      action: local.action,
      ...tier1,
      tier1Detected: tier1.detected,
      escalated: local.tier2.escalated.length > 0,
      latencyMs: Math.round(localMs * 1000) / 1000,
    };
  }
  const t1 = performance.now();
  const v = await engines.cascade.evaluateRequest(parsed.request);
  const latencyMs = performance.now() - t1;
  return {
    ...base,
    action: v.action,
    ...outcome(v),
    tier1Detected: tier1.detected,
    escalated: v.tier2.escalated.length > 0,
    ...(v.tier2.called
      ? { tier2Outcome: v.tier2.outcome, tier2Ms: Math.round(v.latencyMs.tier2 * 1000) / 1000 }
      : {}),
    latencyMs: Math.round(latencyMs * 1000) / 1000,
  };
}

/** `1k,16k,1m,2000` → characters. */
function parseSizes(spec: string): number[] {
  return spec.split(',').map((raw) => {
    const m = /^(\d+)([km]?)$/i.exec(raw.trim());
    if (!m) usage(`--dilution-sizes: "${raw}" is not a size like 4k or 1m`);
    const unit = m[2]?.toLowerCase() === 'k' ? 1024 : m[2]?.toLowerCase() === 'm' ? 1024 * 1024 : 1;
    return Number(m[1]) * unit;
  });
}

/** At most `n` rows per label, chosen by a seeded hash of the id (the same rows every run). */
function sampleByLabel(rows: readonly Row[], n: number): Row[] {
  if (!Number.isFinite(n)) return [...rows];
  const keyed = rows.map((r) => ({ r, k: seededRng(`sample\u0000${r.id}`).next() }));
  keyed.sort((a, b) => a.k - b.k);
  const per = new Map<string, number>();
  const keep = new Set<Row>();
  for (const { r } of keyed) {
    const c = per.get(r.label) ?? 0;
    if (c >= n) continue;
    per.set(r.label, c + 1);
    keep.add(r);
  }
  return rows.filter((r) => keep.has(r));
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
      transforms: { type: 'string' },
      'no-transforms': { type: 'boolean', default: false },
      sample: { type: 'string' },
      dilution: { type: 'boolean', default: false },
      'dilution-rows': { type: 'string', default: '30' },
      'dilution-sizes': { type: 'string' },
      multilingual: { type: 'boolean', default: false },
      translations: { type: 'string' },
      baseline: { type: 'string' },
      margin: { type: 'string', default: '0.01' },
      tier2: { type: 'string', default: 'reference' },
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
  const tier2Arg = values.tier2 ?? 'reference';
  let tier2: Tier2Classifier | undefined;
  let tier2Model: string | undefined;
  if (tier2Arg === 'reference') {
    const model = loadTier2();
    tier2 = inProcessTier2(model);
    tier2Model = model.version;
  } else if (/^https?:\/\/\S+$/.test(tier2Arg)) {
    tier2 = httpTier2(tier2Arg);
  } else if (tier2Arg !== 'none') {
    usage('--tier2 must be none, reference or an http(s) URL of a tier-2 endpoint');
  }
  const engine = createEngine({ policy });
  const engines: Engines = { local: engine, ...(tier2 ? { cascade: createEngine({ policy, tier2 }) } : {}) };
  const loaded = loadRows(listFiles(resolve(values.data)));
  let techniques: ReturnType<typeof selectTechniques>;
  try {
    techniques = selectTechniques(values['no-transforms'] ? 'none' : (values.transforms ?? 'legacy'));
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  const sample = values.sample === undefined ? Number.POSITIVE_INFINITY : Number(values.sample);
  if (!(sample > 0) || (Number.isFinite(sample) && !Number.isInteger(sample)))
    usage('--sample must be a positive integer (rows per label)');

  const dilutionRows = Number(values['dilution-rows']);
  if (!Number.isInteger(dilutionRows) || dilutionRows < 1)
    usage('--dilution-rows must be a positive integer');
  const dilutionSizes = values['dilution-sizes'] ? parseSizes(values['dilution-sizes']) : DEFAULT_SIZES;

  // Transformed passes: in-scope rows only, at most `sample` per label (lowest hash of the id first).
  const inScope = loaded.rows.filter((r) => scope === 'all' || isValidationId(r.id));
  const variantRows = sampleByLabel(inScope, sample);
  const total = loaded.rows.length + variantRows.length * techniques.length;

  const decisions: CascadeDecision[] = [];
  const transformed: CascadeDecision[] = [];
  let done = 0;
  for (const row of loaded.rows) {
    decisions.push(await decide(engines, row, plainRequest(row)));
    done += 1;
    if (done % 50 === 0 || done === total) progress(done, total);
  }
  // Filler for the dilution techniques and the sweep: general benign rows the engine passes on their
  // own, so a detection inside padding is the payload's, not a false positive already in the filler.
  const passed = new Set(decisions.filter((d) => !d.detected).map((d) => d.id));
  const benignPool = loaded.rows
    .filter(
      (r) =>
        r.label === 'benign' &&
        !(r.category ?? '').startsWith('borderline:') &&
        r.text.length < 4000 &&
        passed.has(r.id),
    )
    .map((r) => r.text);
  const filler = benignPool.length > 0 ? makeFiller(benignPool) : undefined;
  for (const technique of techniques) {
    for (const row of variantRows) {
      const ctx: TechniqueContext = {
        rng: techniqueRng(row.id, technique.name),
        filler: (chars, rng) => {
          if (!filler) throw new Error('dilution techniques need general benign rows in --data');
          return filler(chars, rng);
        },
      };
      transformed.push(await decide(engines, row, technique.apply(row, ctx), technique.name));
      done += 1;
      if (done % 50 === 0 || done === total) progress(done, total);
    }
  }

  const dilution = values.dilution
    ? await runDilution(
        inScope,
        makeFiller(benignPool.filter((t) => /^[\x20-\x7e\n]*$/.test(t))),
        async (row, request) => {
          const d = await decide(engines, row as Row, request, 'dilution');
          return { detected: d.detected, latencyMs: d.latencyMs, rejected: d.action.startsWith('rejected') };
        },
        { sizes: dilutionSizes, perLabel: dilutionRows },
      )
    : undefined;

  let multilingual: Awaited<ReturnType<typeof runMultilingual>> | undefined;
  if (values.multilingual || values.translations) {
    let translations: ReturnType<typeof loadTranslations>;
    try {
      if (!values.translations)
        throw new Error(
          '--multilingual needs a folder of <lang>.jsonl translations (kept outside this repository)',
        );
      translations = loadTranslations(resolve(values.translations));
    } catch (e) {
      usage(`--translations: ${e instanceof Error ? e.message : String(e)}`);
    }
    const byId = new Map(loaded.rows.map((r) => [r.id, r]));
    multilingual = await runMultilingual(translations, byId, async (row, text) => {
      const src = row as Row;
      const d = await decide(engines, src, { messages: [{ role: 'user', content: text }] }, 'language');
      return d.detected;
    });
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
    families: Object.fromEntries(techniques.map((t) => [t.name, t.family])),
    ...(dilution ? { dilution } : {}),
    ...(multilingual ? { multilingual } : {}),
  });

  const headline = decisions.filter((d) => scope === 'all' || d.validation);
  const cascade = cascadeSummary(headline, tier2Arg, engine.policy.document.tier2.band, tier2Model);

  mkdirSync(values.out, { recursive: true });
  writeFileSync(
    join(values.out, 'decisions.jsonl'),
    decisions.map((d) => JSON.stringify(d)).join('\n') + '\n',
  );
  writeFileSync(
    join(values.out, 'report.json'),
    `${JSON.stringify({ ...report, cascade, invalidRows: loaded.invalid.slice(0, 50), invalidCount: loaded.invalid.length }, null, 2)}\n`,
  );
  writeFileSync(join(values.out, 'report.html'), renderHtml(report, cascadeHtml(cascade)));

  const p = (x: number) => `${(x * 100).toFixed(2)}%`;
  process.stdout.write(
    `rows ${report.rows} (${scope}; ${decisions.length} scored in all, ${loaded.unknownLabel.length} unknown label, ${loaded.invalid.length} invalid)\n` +
      `recall harmful ${p(report.recall.harmful)}  jailbreak ${p(report.recall.jailbreak)}  injection ${p(report.recall.injection)}\n` +
      `FPR general ${p(report.fpr.general)}  borderline ${p(report.fpr.borderline)}\n` +
      `latency p50 ${report.latencyMs.p50} ms  p99 ${report.latencyMs.p99} ms  tier-2 escalation ${p(report.tier2EscalationRate)}  AUC ${report.roc.auc}\n` +
      `tiers 0+1 alone: recall harmful ${p(cascade.tier1Only.recall.harmful)}  jailbreak ${p(cascade.tier1Only.recall.jailbreak)}  injection ${p(cascade.tier1Only.recall.injection)}  FPR general ${p(cascade.tier1Only.fpr.general)}  borderline ${p(cascade.tier1Only.fpr.borderline)}\n` +
      `cascade (tier 2 ${tier2Arg}${tier2Model ? ` ${tier2Model}` : ''}, band [${cascade.band.join(', ')}]): benign escalated ${p(cascade.escalation.benignRate)} (${cascade.escalation.perThousandBenign} per 1,000), tier-2 calls ${cascade.tier2LatencyMs.calls} p50 ${cascade.tier2LatencyMs.p50} ms p99 ${cascade.tier2LatencyMs.p99} ms ${JSON.stringify(cascade.tier2Outcomes)}\n` +
      `wrote ${join(values.out, 'decisions.jsonl')}, report.json, report.html\n`,
  );

  if (report.transformsOverall) {
    const o = report.transformsOverall;
    process.stdout.write(
      `${o.techniques} techniques, ${o.rows} variants (${variantRows.length} rows each): recall harmful ${p(o.recall.harmful)}  jailbreak ${p(o.recall.jailbreak)}  injection ${p(o.recall.injection)}  benign FPR ${p(o.benignFpr)}\n`,
    );
    const weak = Object.entries(report.byTransform)
      .filter(([, t]) => (t.counts['harmful'] ?? 0) > 0 && t.recall.harmful < 0.7)
      .map(([n, t]) => `${n} ${p(t.recall.harmful)}`);
    if (weak.length > 0) process.stdout.write(`harmful recall < 70%: ${weak.join(', ')}\n`);
  }

  if (report.dilution) {
    const d = report.dilution;
    process.stdout.write(
      `dilution (${d.harmfulRows} harmful, ${d.benignRows} benign rows): recall start/middle/end | benign FPR\n`,
    );
    for (const c of d.cells)
      process.stdout.write(
        `  ${c.paddingChars === 0 ? 'alone   ' : `${String(Math.round(c.paddingChars / 1024)).padStart(5)} KB`}  ${d.positions.map((x) => p(c.recall[x] ?? 0)).join(' / ')}  |  ${d.positions.map((x) => p(c.benignFpr[x] ?? 0)).join(' / ')}  (${c.harmfulRows}+${c.benignRows} rows, p50 ${c.latencyMsP50} ms${c.rejected ? `, ${c.rejected} rejected` : ''})\n`,
      );
  }

  if (report.multilingual) {
    const m = report.multilingual;
    const line = (l: string, x: typeof m.english) =>
      `  ${l.padEnd(3)} harmful recall ${p(x.recallHarmful)} (${x.harmfulRows})  benign FPR ${p(x.benignFpr)} (${x.benignRows})${x.missing ? `  ${x.missing} missing` : ''}\n`;
    process.stdout.write(`languages (${m.source}):\n${line('en', m.english)}`);
    for (const [l, x] of Object.entries(m.byLanguage)) process.stdout.write(line(l, x));
  }

  if (values.baseline) {
    const baseline = JSON.parse(readFileSync(values.baseline, 'utf8')) as EvalReport;
    const found = [
      ...regressions(report, baseline, margin),
      ...transformRegressions(report, baseline, margin),
    ];
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
