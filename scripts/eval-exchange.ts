/**
 * `npm run eval:exchange -- --data <dir> [--tier2 none|reference|<url>] [--scope validation|all] [--out <dir>]`
 *
 * Measures the output check on exchange pairs (classifier/exchange/pairs.ts): each harmful and each
 * benign request of the labeled data (`harmful.jsonl`, `benign.jsonl`), followed by the same written
 * continuations (generic compliant, compliant echoing the request, refusal). Every pair goes through
 * the engine's output check twice — the continuation alone, and with the request as context — with
 * tiers 0+1 only and with tier 2 (`reference`: the committed tier-2 model in-process; a URL: any
 * endpoint that passes the conformance suite). Reports, per arm: detection on harmful pairs, false
 * positives on benign pairs (general and borderline), and detection on the harmful pairs whose
 * request the input check let through — where an output check matters.
 *
 * Validation rows only by default (the tier-1 model was trained on the others). Prints a table;
 * `--out` writes exchange-report.json. Data rows are read at run time and never written out.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { CONTINUATION_KINDS, type ContinuationKind, continuation } from '../classifier/exchange/pairs';
import { TIER2_MODEL_DIR } from '../classifier/model/tier2';
import { loadServedModel } from '../classifier/server/served-model';
import type { Tier2Classifier, Tier2Context } from '../lambdas/core/engine/tier2';
import {
  compilePolicy,
  createEngine,
  defaultPolicy,
  parseRequest,
  type SafeguardsEngine,
} from '../lambdas/core/index';
import { nearestRank } from './eval/metrics';
import { isValidationId, SPLIT_RULE } from './eval/split';

function usage(message: string): never {
  process.stderr.write(
    `eval:exchange: ${message}\nusage: npm run eval:exchange -- --data <dir> [--tier2 none|reference|<url>] [--scope validation|all] [--out <dir>]\n`,
  );
  process.exit(2);
}

const rowSchema = z.looseObject({
  id: z.string().min(1),
  text: z.string(),
  label: z.enum(['harmful', 'benign']),
  category: z.string().nullable().optional(),
});
type Row = z.infer<typeof rowSchema>;

function loadRows(dir: string, scope: 'validation' | 'all'): { rows: Row[]; skipped: number } {
  const rows: Row[] = [];
  let skipped = 0;
  for (const file of ['harmful.jsonl', 'benign.jsonl']) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch (e) {
      usage(`--data ${dir}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let parsed: ReturnType<typeof rowSchema.safeParse>;
      try {
        parsed = rowSchema.safeParse(JSON.parse(line));
      } catch {
        skipped++;
        continue;
      }
      if (!parsed.success) {
        skipped++;
        continue;
      }
      if (scope === 'validation' && !isValidationId(parsed.data.id)) continue;
      rows.push(parsed.data);
    }
  }
  return { rows, skipped };
}

/**
 * Tier 2 in-process: the committed tier-2 model (classifier/model/tier2.json, as `npm run eval`
 * uses), called the way the classifier server calls it.
 */
function referenceTier2(): Tier2Classifier & { name: string } {
  const model = loadServedModel(TIER2_MODEL_DIR);
  return {
    name: `reference ${model.version}`,
    async classify(text: string, _signal: AbortSignal, context?: Tier2Context) {
      return {
        scores: await model.score(context ? { prompt: context.prompt, completion: text } : { prompt: text }),
      };
    },
  };
}

/** Tier 2 over HTTP: any endpoint that implements the contract. */
function urlTier2(base: string): Tier2Classifier & { name: string } {
  const url = `${base.replace(/\/+$/, '')}/invocations`;
  return {
    name: url,
    async classify(text: string, signal: AbortSignal, context?: Tier2Context) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(context ? { inputs: text, prompt: context.prompt } : { inputs: text }),
        signal,
      });
      if (res.status !== 200)
        throw Object.assign(new Error(`HTTP ${res.status}`), { name: `http-${res.status}` });
      return (await res.json()) as unknown;
    },
  };
}

type Group = 'harmful' | 'general' | 'borderline';

/**
 * How the output check sees the pair: the continuation alone; with the request, read by tier 1
 * (`output.exchange.tier1`); with the request, read only by tier 2 on escalated windows; both.
 */
type Context = 'alone' | 'prompt→tier1' | 'prompt→tier2' | 'prompt→tier1+2';

interface Cell {
  pairs: number;
  blocked: number;
  tier2Calls: number;
  ms: number[];
}

interface ArmResult {
  readonly arm: string;
  readonly context: Context;
  readonly kind: ContinuationKind;
  readonly detection: number;
  readonly detectionAfterInputPass: number;
  readonly fprGeneral: number;
  readonly fprBorderline: number;
  readonly tier2CallRateBenign: number;
  readonly pairs: Record<Group, number>;
  readonly harmfulPassedInput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const rate = (c: Cell | undefined) =>
  c && c.pairs > 0 ? Math.round((c.blocked / c.pairs) * 10_000) / 100 : 0;

async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        data: { type: 'string' },
        tier2: { type: 'string', default: 'reference' },
        scope: { type: 'string', default: 'validation' },
        out: { type: 'string' },
      },
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (e) {
    usage((e as Error).message);
  }
  if (!values['data']) usage('--data is required');
  const scope = values['scope'];
  if (scope !== 'validation' && scope !== 'all') usage(`--scope: expected validation or all, got '${scope}'`);
  const tier2Arg = values['tier2'] ?? 'reference';
  let tier2: (Tier2Classifier & { name: string }) | undefined;
  if (tier2Arg === 'reference') tier2 = referenceTier2();
  else if (tier2Arg !== 'none') {
    try {
      tier2 = urlTier2(new URL(tier2Arg).toString());
    } catch {
      usage(`--tier2: expected none, reference or an http(s) URL, got '${tier2Arg}'`);
    }
  }

  const { rows, skipped } = loadRows(values['data'], scope);
  // The policy's exchange settings, with tier 1 reading the exchange or not.
  const policyWith = (tier1: boolean) => {
    const doc = defaultPolicy().document;
    return compilePolicy(
      {
        ...doc,
        output: {
          ...doc.output,
          exchange: { promptChars: 2048, tier2: true, ...doc.output.exchange, tier1 },
        },
      },
      `default policy, output.exchange.tier1 = ${tier1}`,
    );
  };
  /** Each arm: its engines and the contexts it is measured in. */
  const arms: Array<{ name: string; contexts: Array<[Context, SafeguardsEngine]> }> = [];
  const tiers01 = createEngine({ policy: policyWith(false) });
  arms.push({
    name: 'tiers 0+1',
    contexts: [
      ['alone', tiers01],
      ['prompt→tier1', createEngine({ policy: policyWith(true) })],
    ],
  });
  if (tier2) {
    const cascade = createEngine({ tier2, policy: policyWith(false) });
    arms.push({
      name: `cascade (tier 2: ${tier2.name})`,
      contexts: [
        ['alone', cascade],
        ['prompt→tier2', cascade],
        ['prompt→tier1+2', createEngine({ tier2, policy: policyWith(true) })],
      ],
    });
  }
  const inputEngine = arms.at(-1)!.contexts[0]![1];

  const cells = new Map<string, Cell>();
  const cell = (key: string): Cell => {
    const c = cells.get(key) ?? { pairs: 0, blocked: 0, tier2Calls: 0, ms: [] };
    cells.set(key, c);
    return c;
  };
  let harmfulPassedInput = 0;
  for (const row of rows) {
    const parsed = parseRequest(
      JSON.stringify({
        model: 'eval',
        max_tokens: 16,
        messages: [{ role: 'user', content: row.text === '' ? ' ' : row.text }],
      }),
      { format: 'messages' },
    );
    if (!parsed.ok) continue;
    const group: Group =
      row.label === 'harmful'
        ? 'harmful'
        : row.category?.startsWith('borderline:')
          ? 'borderline'
          : 'general';
    // Would the request itself have been let through (the full cascade when tier 2 is on)?
    const passed =
      group === 'harmful' && (await inputEngine.evaluateRequest(parsed.request)).action !== 'block';
    if (passed) harmfulPassedInput++;
    for (const { name: arm, contexts } of arms) {
      for (const kind of CONTINUATION_KINDS) {
        const text = continuation(kind, row.id, row.text);
        for (const [context, engine] of contexts) {
          const prompt = engine.promptContext(parsed.request);
          const t = performance.now();
          const v = await engine.evaluateOutput(text, context === 'alone' ? {} : { prompt });
          const ms = performance.now() - t;
          const blocked = v.action === 'block';
          for (const g of passed ? [group, 'harmful-passed'] : [group]) {
            const c = cell(`${arm}|${context}|${kind}|${g}`);
            c.pairs++;
            if (blocked) c.blocked++;
            if (v.tier2.called) c.tier2Calls++;
            c.ms.push(ms);
          }
        }
      }
    }
  }

  const results: ArmResult[] = [];
  for (const { name: arm, contexts } of arms) {
    for (const kind of CONTINUATION_KINDS) {
      for (const [context] of contexts) {
        const get = (g: string) => cells.get(`${arm}|${context}|${kind}|${g}`);
        const benignCalls = (get('general')?.tier2Calls ?? 0) + (get('borderline')?.tier2Calls ?? 0);
        const benignPairs = (get('general')?.pairs ?? 0) + (get('borderline')?.pairs ?? 0);
        const ms = [
          ...(get('harmful')?.ms ?? []),
          ...(get('general')?.ms ?? []),
          ...(get('borderline')?.ms ?? []),
        ].sort((a, b) => a - b);
        results.push({
          arm,
          context,
          kind,
          detection: rate(get('harmful')),
          detectionAfterInputPass: rate(get('harmful-passed')),
          fprGeneral: rate(get('general')),
          fprBorderline: rate(get('borderline')),
          tier2CallRateBenign: benignPairs > 0 ? Math.round((benignCalls / benignPairs) * 10_000) / 100 : 0,
          pairs: {
            harmful: get('harmful')?.pairs ?? 0,
            general: get('general')?.pairs ?? 0,
            borderline: get('borderline')?.pairs ?? 0,
          },
          harmfulPassedInput,
          p50Ms: Math.round(nearestRank(ms, 50) * 100) / 100,
          p99Ms: Math.round(nearestRank(ms, 99) * 100) / 100,
        });
      }
    }
  }

  const first = results[0];
  process.stdout.write(
    `exchange pairs: ${scope} rows (${SPLIT_RULE}); harmful ${first?.pairs.harmful}, benign general ${first?.pairs.general}, borderline ${first?.pairs.borderline}; ${skipped} rows skipped as invalid\n` +
      `harmful requests the input check let through: ${harmfulPassedInput}\n` +
      'blocked = output check action block; detection on harmful pairs, FPR on benign pairs (%)\n\n',
  );
  process.stdout.write(
    `${'arm'.padEnd(40)} ${'continuation'.padEnd(12)} ${'context'.padEnd(15)} ${'detect'.padStart(7)} ${'det|pass'.padStart(8)} ${'FPR gen'.padStart(8)} ${'FPR bord'.padStart(8)} ${'t2 benign'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `${r.arm.slice(0, 40).padEnd(40)} ${r.kind.padEnd(12)} ${r.context.padEnd(15)} ${String(r.detection).padStart(7)} ${String(r.detectionAfterInputPass).padStart(8)} ${String(r.fprGeneral).padStart(8)} ${String(r.fprBorderline).padStart(8)} ${String(r.tier2CallRateBenign).padStart(9)} ${String(r.p50Ms).padStart(7)} ${String(r.p99Ms).padStart(7)}\n`,
    );
  }
  if (values['out']) {
    mkdirSync(values['out'], { recursive: true });
    writeFileSync(
      join(values['out'], 'exchange-report.json'),
      `${JSON.stringify({ schema: 'csp.exchange-report/v1', scope, split: SPLIT_RULE, skipped, results }, null, 2)}\n`,
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`eval:exchange: ${(e as Error).message}\n`);
  process.exit(1);
});
