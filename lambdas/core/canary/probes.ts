/**
 * Canary probes: known-good and known-bad prompts with the outcome the live path must produce for each, kept as
 * versioned config next to the policy (config/canary/probes.json). Pure: validation and selection only.
 */
import * as z from 'zod';
import { contentHash } from '../util/hash';
import { formatIssues } from '../util/issues';

/** What a probe must come out as. */
export type Expectation = 'allowed' | 'blocked' | 'refused';

/**
 * Where a probe exercises enforcement. `input`: the request checks (`blocked` = 4xx "blocked by policy",
 * `allowed` = a complete, non-refused answer). `output`: the output checks on the completion (`refused` = the
 * answer ends with `stop_reason: "refusal"`).
 */
export type ProbeStage = 'input' | 'output';

const probeSchema = z
  .strictObject({
    /** Stable id: the only probe detail that reaches logs and metrics. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a lower-case id like bad-injection'),
    stage: z.enum(['input', 'output']),
    expect: z.enum(['allowed', 'blocked', 'refused']),
    /** The user message. Never logged. */
    prompt: z.string().min(1).max(2_000),
    /** `max_tokens` of the request (small: the canary pays for what it generates). */
    maxTokens: z.number().int().min(1).max(1_024).default(16),
    /** Why the probe exists (not sent). */
    note: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    const allowed: Record<ProbeStage, readonly Expectation[]> = {
      input: ['allowed', 'blocked'],
      output: ['refused'],
    };
    if (!allowed[p.stage].includes(p.expect)) {
      ctx.addIssue({
        code: 'custom',
        path: ['expect'],
        message: `an ${p.stage} probe expects ${allowed[p.stage].join(' or ')}, got '${p.expect}'`,
      });
    }
  });

const probeSetSchema = z
  .strictObject({
    schema: z.literal('csp.canary-probes/v1'),
    description: z.string().optional(),
    probes: z.array(probeSchema).min(2),
  })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.probes.forEach((p, i) => {
      if (seen.has(p.id)) {
        ctx.addIssue({ code: 'custom', path: ['probes', i, 'id'], message: `duplicate probe id '${p.id}'` });
      }
      seen.add(p.id);
    });
    for (const expect of ['allowed', 'blocked'] as const) {
      if (!set.probes.some((p) => p.stage === 'input' && p.expect === expect)) {
        ctx.addIssue({
          code: 'custom',
          path: ['probes'],
          message: `expected at least one input probe that must be ${expect}`,
        });
      }
    }
  });

/** One probe. */
export type Probe = z.output<typeof probeSchema>;

/** A validated probe set with its content hash (logged with every run, like a policy version). */
export interface ProbeSet {
  readonly version: string;
  readonly probes: readonly Probe[];
}

/** Thrown when a probe document does not validate; the message names the source and every problem. */
export class ProbeSetError extends Error {
  override readonly name = 'ProbeSetError';
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`${source}: invalid canary probes\n${issues.map((i) => `  ${source}: ${i}`).join('\n')}`);
  }
}

/** Validates a parsed probe document (`source` names it in errors). */
export function compileProbes(value: unknown, source: string): ProbeSet {
  const parsed = probeSetSchema.safeParse(value);
  if (!parsed.success) throw new ProbeSetError(source, formatIssues(parsed.error.issues));
  return { version: contentHash(parsed.data), probes: parsed.data.probes };
}

/** Options of {@link selectProbes}. */
export interface SelectOptions {
  /**
   * Whether to run the output probes. They need an upstream that answers them with harmful text (the local demo
   * model does on its `[[demo:…]]` markers); against a real model they are off unless configured.
   */
  readonly outputProbes: boolean;
}

/** The probes one run sends: every input probe, and the output probes when enabled. */
export function selectProbes(set: ProbeSet, options: SelectOptions): readonly Probe[] {
  return set.probes.filter((p) => p.stage === 'input' || options.outputProbes);
}
