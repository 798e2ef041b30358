import type { LinearClassifier } from '../classifier';
import { BLOCKLIST_CROSSED_DETECTOR, type Tier0 } from '../detectors';
import { type GuessBudget, guessBudget, withGlossView } from '../detectors/multilingual';
import { linedText, normalizeSegment } from '../normalize/normalize';
import { quotedFragments } from '../normalize/reorder';
import type { Policy } from '../policy/load';
import type { CategoryPolicy } from '../policy/schema';
import type { ParsedRequest } from '../request/parse';
import { redactRequest } from '../request/redact';
import type {
  Action,
  Category,
  CategoryScores,
  CheckOutcome,
  CheckResult,
  FailMode,
  Finding,
  NormalizationSignals,
  NormalizedSegment,
  Segment,
  View,
} from '../types';
import { effectiveCategories, type TenantOverrides } from './overrides';
import {
  decisionScore,
  inBand,
  isTierId,
  mostSevere,
  type Tier,
  type TierTop,
  thresholdFor,
  topByTier,
} from './scoring';
import { callTier2, type Tier2Classifier, type Tier2Outcome } from './tier2';
import { type Reading, readingOf, scoreInstructions, type Transcript, transcript } from './trust';

/** What the engine needs; everything is injected so tests can replace any part. */
export interface EngineDeps {
  readonly policy: Policy;
  readonly tier0: Tier0;
  readonly classifier: LinearClassifier;
  /** The remote classifier; absent → tier 2 is recorded as `skipped`. */
  readonly tier2?: Tier2Classifier;
  /** Monotonic milliseconds. @default performance.now */
  readonly now?: () => number;
  /** Maximum characters sent to tier 2 (head of the checked text). @default 16384 */
  readonly tier2MaxChars?: number;
}

/** Per-request options of {@link SafeguardsEngine.evaluateRequest}. */
export interface EvaluateOptions {
  /** Apply the closed fail mode to every category (regional kill switch). @default false */
  readonly forceFailClosed?: boolean;
  /** Per-tenant category overrides; only tightening values apply. @default none */
  readonly overrides?: TenantOverrides;
  /** Categories an operator switched to shadow (evaluated and recorded, not enforced). @default none */
  readonly shadow?: readonly Category[];
}

/** A check that failed and the fail mode that was applied for it. */
export interface FailureApplied {
  readonly check: string;
  readonly category: Category;
  readonly outcome: CheckOutcome;
  readonly failMode: FailMode;
  readonly reason: string;
}

/** The engine's verdict on one request (or one output window). */
export interface Verdict {
  readonly action: Action;
  /** Enforced categories whose action applied (score ≥ threshold or failed closed). */
  readonly triggered: readonly Category[];
  /**
   * Triggered categories that fired only because a failing check's closed fail mode applied (no detector
   * scored them over threshold): refused, but not evidence of abuse — not reported as a violation.
   */
  readonly failedClosedOnly: readonly Category[];
  /** Shadow categories that would have triggered. */
  readonly shadowTriggered: readonly Category[];
  readonly checks: readonly CheckResult[];
  /**
   * Per-category decision score: the highest score among the category's checks, each mapped so that
   * its own threshold sits at 0.5 (the category fired iff ≥ 0.5 or a check failed closed).
   */
  readonly scores: CategoryScores;
  readonly failures: readonly FailureApplied[];
  readonly findings: readonly Finding[];
  readonly signals: NormalizationSignals;
  readonly tier2: {
    readonly called: boolean;
    /** Categories the mode selected for tier 2 (uncertain ones in cascade mode), called or not. */
    readonly escalated: readonly Category[];
    readonly outcome: CheckOutcome;
    readonly reason?: string;
  };
  readonly latencyMs: {
    readonly normalize: number;
    readonly tier0: number;
    readonly tier1: number;
    readonly tier2: number;
  };
}

/** The verdict on a request, with the body to forward when the action is `redact`. */
export interface InputVerdict extends Verdict {
  readonly forwardBody?: Record<string, unknown>;
}

/** Signals with nothing fired, as a new object (to count into). */
function noSignals(): Mutable<NormalizationSignals> {
  return {
    zeroWidth: 0,
    bidi: 0,
    tags: 0,
    variationSelectors: 0,
    homoglyphs: 0,
    letterlike: 0,
    combiningMarks: 0,
    decodedViews: 0,
    transforms: [],
  };
}

/** The signals of a request with no text to normalize (nothing fired). */
export const EMPTY_SIGNALS: NormalizationSignals = noSignals();

interface LocalStage {
  readonly normalized: readonly NormalizedSegment[];
  /** How tier 1 read each segment (trust boundaries). */
  readonly readings: readonly Reading[];
  readonly findings: Finding[];
  readonly tier0Outcome: CheckOutcome;
  tier1Outcome: CheckOutcome;
  readonly tier0Error?: string;
  tier1Error?: string;
  /** Segments were also scored joined (payload splitting). */
  readonly joined: boolean;
  readonly latency: { normalize: number; tier0: number; tier1: number };
}

/** Per-check options of {@link SafeguardsEngine.evaluateOutput}. */
export interface OutputOptions {
  /** The request the output answers ({@link SafeguardsEngine.promptContext}); empty or absent: output alone. */
  readonly prompt?: string;
}

/** The safeguards engine: pure, AWS-free, shared by Lambda, the local gateway, eval and bench. */
export class SafeguardsEngine {
  readonly policy: Policy;
  private readonly deps: EngineDeps;
  private readonly now: () => number;

  /** Version (content hash) of the tier-1 model artifact. */
  readonly modelVersion: string;

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.policy = deps.policy;
    this.modelVersion = deps.classifier.version;
    this.now = deps.now ?? (() => performance.now());
  }

  /**
   * Checks a parsed request: tiers 0 and 1 in-process, tier 2 per the policy's mode, then the policy.
   * `forceFailClosed` (the regional kill switch) applies the closed fail mode to every category.
   */
  async evaluateRequest(request: ParsedRequest, options: EvaluateOptions = {}): Promise<InputVerdict> {
    const local = this.runLocal(request.segments);
    const weakOnly = new Set<Category>();
    const escalate = this.tier2Categories(local.findings, undefined, local.readings, weakOnly);
    let tier2: Tier2Outcome | undefined;
    if (escalate.length > 0 && this.deps.tier2) {
      const text = tier2Text(request.segments, local.readings, this.deps.tier2MaxChars ?? 16_384);
      tier2 = await callTier2(this.deps.tier2, text, this.policy.document.tier2.deadlineMs, this.now);
    }
    const categories = effectiveCategories(
      this.policy.categories,
      options.overrides,
      options.shadow,
      this.deps.classifier.thresholds,
    );
    const verdict = this.decide(
      local,
      escalate,
      tier2,
      categories,
      options.forceFailClosed === true,
      weakOnly,
    );
    if (verdict.action !== 'redact') return verdict;
    return { ...verdict, forwardBody: redactRequest(request, redactionsFor(verdict, this.policy)) };
  }

  /**
   * The request text an output check reads with the output (exchange checks): the request's segments
   * joined with blank lines, its last `output.exchange.promptChars` characters (the end of a
   * conversation is what the completion answers). Empty when the policy has no exchange checks.
   */
  promptContext(request: Pick<ParsedRequest, 'segments'>): string {
    const max = this.policy.document.output.exchange?.promptChars ?? 0;
    if (max === 0) return '';
    const parts: string[] = [];
    let length = 0;
    for (let i = request.segments.length - 1; i >= 0 && length < max; i--) {
      const text = request.segments[i]!.text;
      parts.push(text);
      length += text.length + (parts.length > 1 ? 2 : 0);
    }
    const joined = parts.reverse().join('\n\n');
    return joined.length > max ? joined.slice(joined.length - max) : joined;
  }

  /**
   * Checks model output (a whole completion, or one window of a stream) for the policy's output
   * categories. With `prompt` (see {@link promptContext}) the output is judged as an exchange: tier 1
   * also scores the request's end followed by the output (`output.exchange.tier1`), and an uncertain
   * window escalates to tier 2 with the request as context (`output.exchange.tier2`), under the same
   * deadline and fail modes as an input check. Without exchange settings, in-process tiers only.
   */
  async evaluateOutput(text: string, options: OutputOptions = {}): Promise<Verdict> {
    const segments: Segment[] = [{ trust: 'output', path: 'output', text }];
    const local = this.runLocal(segments);
    const prompt = options.prompt ?? '';
    const exchange = this.policy.document.output.exchange;
    if (prompt !== '' && exchange?.tier1 && local.tier1Outcome === 'ok') {
      const t = this.now();
      try {
        const exchange = normalizeSegment(`${prompt}\n\n${text}`, 0);
        for (const [cat, score] of Object.entries(this.tier1Best(exchange)) as [Category, number][]) {
          local.findings.push({ detector: 'tier1', category: cat, score, segment: 0 });
        }
      } catch (e) {
        local.tier1Outcome = 'error';
        local.tier1Error = errorName(e);
      }
      local.latency.tier1 += this.now() - t;
    }
    const wanted = new Set<Category>(this.policy.document.output.categories);
    const categories = this.policy.categories.filter(([c]) => wanted.has(c));
    // Output windows escalate only when uncertain (the band), even in `always` mode: a stream has many
    // windows, and calling the GPU endpoint for each would multiply its load by the window count.
    const weakOnly = new Set<Category>();
    const escalate = exchange?.tier2
      ? this.tier2Categories(local.findings, 'cascade', [], weakOnly).filter((c) => wanted.has(c))
      : [];
    let tier2: Tier2Outcome | undefined;
    if (escalate.length > 0 && this.deps.tier2) {
      const max = this.deps.tier2MaxChars ?? 16_384;
      tier2 = await callTier2(
        this.deps.tier2,
        text.length > max ? text.slice(0, max) : text,
        this.policy.document.tier2.deadlineMs,
        this.now,
        prompt !== '' ? { prompt } : undefined,
      );
    }
    return this.decide(local, escalate, tier2, categories, false, weakOnly);
  }

  /** Tier 1 over the scored views of one normalized segment: the highest score per category. */
  private tier1Best(n: NormalizedSegment): CategoryScores {
    const best: CategoryScores = {};
    for (const view of scoredViews(n)) {
      const scores = this.deps.classifier.score(linedText(view));
      // `for … in` visits the keys in the order `Object.entries` would, without an array per view.
      for (const cat in scores) {
        const score = scores[cat as Category] as number;
        if (score > (best[cat as Category] ?? -1)) best[cat as Category] = score;
      }
    }
    return best;
  }

  /**
   * Tier-1 findings of one segment by its reading (see trust.ts): every window of a plain segment;
   * operator text per instruction at the operator thresholds, without injection; a harness block's
   * jailbreak and injection per instruction.
   */
  private tier1Read(n: NormalizedSegment, segment: number, reading: Reading): Finding[] {
    const out: Finding[] = [];
    if (reading === 'operator') {
      const op = this.policy.document.operator.tier1;
      const model = this.deps.classifier.thresholds;
      const best = scoreInstructions(this.deps.classifier, scoredViews(n), {
        categories: ['harmful', 'jailbreak'],
        prohibitionsExempt: true,
      });
      for (const [cat, score] of Object.entries(best) as ['harmful' | 'jailbreak', number][]) {
        const t = op[cat];
        const threshold = t === 'model' ? model[cat] : t;
        out.push({
          detector: 'tier1',
          category: cat,
          score,
          segment,
          reading: 'operator',
          ...(threshold !== undefined ? { threshold } : {}),
        });
      }
      return out;
    }
    const whole = this.tier1Best(n);
    if (reading === 'harness') {
      const perInstruction = scoreInstructions(this.deps.classifier, scoredViews(n), {
        categories: ['jailbreak', 'injection'],
        prohibitionsExempt: false,
        deferenceExempt: true,
      });
      for (const cat of ['jailbreak', 'injection'] as const) {
        if (perInstruction[cat] !== undefined) whole[cat] = perInstruction[cat];
      }
    }
    for (const cat in whole) {
      const finding: Mutable<Finding> = {
        detector: 'tier1',
        category: cat as Category,
        score: whole[cat as Category] as number,
        segment,
      };
      if (reading === 'harness') finding.reading = reading;
      out.push(finding);
    }
    return out;
  }

  /**
   * Tier 1 over a written-out dialogue (many-shot), turn by turn: each turn normalized and scored as if
   * it were a message of its own, and each two consecutive turns joined (a request split between a
   * question and its answer), and each two consecutive turns of the asking side (a request split around a
   * reply). The whole dialogue is not scored, nor the asking side whole: pooled, dozens of eager "Sure,
   * here is how" replies or of "How do I …" questions add up to a harmful score, whatever is asked.
   */
  private tier1Turns({ turns, asking }: Transcript, segment: number, budget: GuessBudget): Finding[] {
    const best: CategoryScores = {};
    const keep = (scores: CategoryScores): void => {
      for (const [cat, score] of Object.entries(scores) as [Category, number][]) {
        if (score > (best[cat] ?? -1)) best[cat] = score;
      }
    };
    let previous: string | undefined;
    /** The last asking turn's text and index. */
    let asked: string | undefined;
    let askedAt = -1;
    for (let t = 0; t < turns.length; t++) {
      const n = normalizeForScoring(turns[t] as string, segment, budget);
      keep(this.tier1Best(n));
      const text = primaryText(n);
      if (previous !== undefined) keep(this.deps.classifier.score(`${previous}\n${text}`));
      previous = text;
      if (!asking[t]) continue;
      // A reply stands between this asking turn and the last one: join the two as well, whatever ends the last
      // one. A full stop is no proof of a whole request ("Tell me how to make." … "methamphetamine at home."),
      // and any gate the text itself sets is one the attacker sets. The cost: pairs of whole everyday questions
      // pool into a higher score (benign many-shot variants flagged 2.00 → 3.59 % on the dev validation split).
      if (asked !== undefined && askedAt < t - 1) keep(this.deps.classifier.score(`${asked}\n${text}`));
      asked = text;
      askedAt = t;
    }
    return (Object.entries(best) as [Category, number][]).map(([category, score]) => ({
      detector: 'tier1',
      category,
      score,
      segment,
    }));
  }

  private runLocal(segments: readonly Segment[]): LocalStage {
    const t0 = this.now();
    // One gloss guess budget for the whole request, sized by all of its text: splitting a request into
    // many blocks does not multiply it.
    let length = 0;
    for (const s of segments) length += s.text.length;
    const budget = guessBudget(length);
    const normalized = segments.map((s, i) => normalizeForScoring(s.text, i, budget));
    const t1 = this.now();
    const findings: Finding[] = [];
    const markup = this.policy.document.operator.harnessMarkup;
    const readings = segments.map((s) => readingOf(s, markup));
    let tier0Outcome: CheckOutcome = 'ok';
    let tier0Error: string | undefined;
    try {
      for (const f of this.deps.tier0.run(segments, normalized)) findings.push(f);
    } catch (e) {
      tier0Outcome = 'error';
      tier0Error = errorName(e);
    }
    const t2 = this.now();
    let tier1Outcome: CheckOutcome = 'ok';
    let tier1Error: string | undefined;
    let joined = false;
    try {
      normalized.forEach((n, segment) => {
        const reading = readings[segment] ?? 'whole';
        const dialogue = reading === 'whole' ? transcript(segments[segment]?.text ?? '') : undefined;
        const read = dialogue
          ? this.tier1Turns(dialogue, segment, budget)
          : this.tier1Read(n, segment, reading);
        for (const f of read) findings.push(f);
      });
      // Payload splitting: content of one trust class, split across messages, blocks or tool results,
      // is also scored joined (windows see across the joins).
      for (const { segment, text } of joinedTexts(segments, normalized, readings)) {
        joined = true;
        const scores = this.deps.classifier.score(text);
        for (const [cat, score] of Object.entries(scores) as [Category, number][]) {
          findings.push({ detector: 'tier1', category: cat, score, segment });
        }
      }
    } catch (e) {
      tier1Outcome = 'error';
      tier1Error = errorName(e);
    }
    const t3 = this.now();
    return {
      normalized,
      readings,
      findings,
      tier0Outcome,
      tier1Outcome,
      tier0Error,
      tier1Error,
      joined,
      latency: { normalize: t1 - t0, tier0: t2 - t1, tier1: t3 - t2 },
    };
  }

  /**
   * Categories to send to tier 2, per mode: all (always), uncertain ones (cascade), none (never). In cascade mode a
   * category is uncertain when tier 1's decision falls in the band, or below it when the category's top tier-0
   * finding is a blocklist phrase read across a hard boundary in a segment tier 2 reads (`readings`: per segment,
   * absent = `whole`). Categories escalated only for that weak reading (tier 1 below the band) are added to
   * `weakOnly`: a tier-2 failure fails them open ({@link decide}).
   */
  private tier2Categories(
    findings: readonly Finding[],
    modeCap?: 'cascade',
    readings: readonly Reading[] = [],
    weakOnly?: Set<Category>,
  ): Category[] {
    const t2 = this.policy.document.tier2;
    if (t2.mode === 'never') return [];
    const mode = modeCap ?? t2.mode;
    const out: Category[] = [];
    // Operator text and harness blocks are judged by tier 1 alone (tier 2 does not read them): their
    // scores do not escalate.
    const whole = mode === 'always' ? findings : findings.filter((f) => f.reading === undefined);
    // Categories of weak blocklist findings in text tier 2 reads (no allocation when there is none).
    let crossed: Category[] | undefined;
    for (const f of whole) {
      if (f.detector !== BLOCKLIST_CROSSED_DETECTOR || (readings[f.segment] ?? 'whole') !== 'whole') continue;
      crossed ??= [];
      crossed.push(f.category);
    }
    for (const cat of t2.categories) {
      const cp = this.policy.document.categories[cat];
      if (!cp) continue;
      if (mode === 'always') {
        out.push(cat);
        continue;
      }
      const tops = topByTier(whole, cat, cp, this.deps.classifier.thresholds);
      // Already decided by a deterministic tier-0 hit: no need to pay for tier 2.
      if ((tops.tier0?.decision ?? 0) >= 0.5) continue;
      // The band is in decision-score space: tier 1's own threshold sits at 0.5.
      const t1 = tops.tier1?.decision ?? 0;
      // A blocklist phrase read across a sentence or list boundary is not a verdict, but it makes every tier-1
      // score below the band's top uncertain. Above it tier 1 has decided, and tier 2 is not asked to overrule it.
      const weak = crossed?.includes(cat) === true && tops.tier0?.detector === BLOCKLIST_CROSSED_DETECTOR;
      if (inBand(t1, t2.band)) out.push(cat);
      else if (weak && inBand(t1, [0, t2.band[1]])) {
        out.push(cat);
        weakOnly?.add(cat);
      }
    }
    return out;
  }

  private decide(
    local: LocalStage,
    escalated: readonly Category[],
    tier2: Tier2Outcome | undefined,
    categories: Policy['categories'],
    forceFailClosed = false,
    weakOnly?: ReadonlySet<Category>,
  ): Verdict {
    const findings = local.findings;
    if (tier2?.outcome === 'ok') {
      for (const cat of escalated) {
        const score = tier2.scores[cat];
        if (score !== undefined) findings.push({ detector: 'tier2', category: cat, score, segment: 0 });
      }
    }
    const escalatedSet = new Set(escalated);
    const checks: CheckResult[] = [];
    const failures: FailureApplied[] = [];
    const triggered: Category[] = [];
    const shadowTriggered: Category[] = [];
    const failedClosedOnly: Category[] = [];
    const scores: CategoryScores = {};
    let action: Action = 'allow';

    const modelThresholds = this.deps.classifier.thresholds;
    for (const [cat, cp] of categories) {
      const tops = topByTier(findings, cat, cp, modelThresholds);
      const failMode: FailMode = forceFailClosed ? 'closed' : cp.failMode;
      const tier2Answered = escalatedSet.has(cat) && tier2?.outcome === 'ok' && tops.tier2 !== undefined;
      let decision = 0;
      // A failure recorded for this category applies its fail mode (see `failure`). Plain statements
      // rather than per-category closures: this runs for every category of every request.
      const failuresBefore = failures.length;

      if (usesTier(cp, 'tier0')) {
        const top = tops.tier0;
        const check = this.check(
          'tier0',
          cat,
          cp,
          top,
          top?.threshold ?? cp.threshold,
          local.latency.tier0,
          local.tier0Outcome,
        );
        checks.push(check);
        decision = raised(decision, check, top);
        if (local.tier0Outcome !== 'ok')
          failures.push(failure('tier0', cat, local.tier0Outcome, failMode, local.tier0Error ?? 'error'));
      }
      if (usesTier(cp, 'tier1')) {
        // Tier 2 reads everything but operator text and harness blocks: its answer supersedes tier 1
        // there, while tier 1's reading of those segments stands.
        const operatorTop = tier2Answered
          ? topByTier(
              findings.filter((f) => f.reading !== undefined),
              cat,
              cp,
              modelThresholds,
            ).tier1
          : undefined;
        const top = operatorTop ?? tops.tier1;
        const check = this.check(
          'tier1',
          cat,
          cp,
          top,
          top?.threshold ?? categoryThreshold(cp, cat, 'tier1', modelThresholds),
          local.latency.tier1,
          local.tier1Outcome,
        );
        const added = tier2Answered && !operatorTop ? { ...check, superseded: true } : check;
        checks.push(added);
        decision = raised(decision, added, top);
        if (local.tier1Outcome !== 'ok')
          failures.push(failure('tier1', cat, local.tier1Outcome, failMode, local.tier1Error ?? 'error'));
      }
      if (usesTier(cp, 'tier2')) {
        const threshold2 = categoryThreshold(cp, cat, 'tier2', modelThresholds);
        if (!escalatedSet.has(cat) || !tier2) {
          // Not escalated, or no tier-2 client configured: recorded as skipped, not as a failure.
          checks.push(this.check('tier2', cat, cp, undefined, threshold2, 0, 'skipped'));
        } else if (tier2.outcome === 'ok') {
          const top = tops.tier2;
          const check = this.check('tier2', cat, cp, top, threshold2, tier2.latencyMs, 'ok');
          checks.push(check);
          decision = raised(decision, check, top);
        } else {
          // Escalated only because of a weak blocklist reading (a sign, not a verdict: tier 1 was below the band):
          // tier 2 failing fails open, recorded and counted like any failure. The kill switch still closes it.
          const mode: FailMode = weakOnly?.has(cat) === true && !forceFailClosed ? 'open' : failMode;
          const c = this.check('tier2', cat, cp, undefined, threshold2, tier2.latencyMs, tier2.outcome);
          checks.push({ ...c, failMode: mode });
          failures.push(failure('tier2', cat, tier2.outcome, mode, tier2.reason ?? tier2.outcome));
        }
      }

      scores[cat] = round4(decision);
      let failedClosed = false;
      for (let i = failuresBefore; i < failures.length; i++)
        if (failures[i]?.failMode === 'closed') failedClosed = true;
      const fires = decision >= 0.5 || failedClosed;
      if (!fires || cp.action === 'allow') continue;
      if (cp.shadow) {
        shadowTriggered.push(cat);
        continue;
      }
      triggered.push(cat);
      if (decision < 0.5) failedClosedOnly.push(cat);
      action = mostSevere(action, cp.action);
    }

    return {
      action,
      triggered,
      failedClosedOnly,
      shadowTriggered,
      checks,
      scores,
      failures,
      findings,
      signals: mergeSignals(local.normalized, local.joined ? ['joined'] : [], findings),
      tier2: {
        called: tier2 !== undefined,
        escalated,
        outcome: tier2?.outcome ?? 'skipped',
        ...(tier2?.reason ? { reason: tier2.reason } : {}),
      },
      latencyMs: {
        normalize: local.latency.normalize,
        tier0: local.latency.tier0,
        tier1: local.latency.tier1,
        tier2: tier2?.latencyMs ?? 0,
      },
    };
  }

  private check(
    check: Tier,
    category: Category,
    cp: CategoryPolicy,
    top: TierTop | undefined,
    threshold: number,
    latencyMs: number,
    outcome: CheckOutcome,
  ): CheckResult {
    const score = top?.score ?? 0;
    const action: Action = outcome === 'ok' && score >= threshold ? cp.action : 'allow';
    const result: Mutable<CheckResult> = {
      check,
      category,
      score: round4(score),
      threshold: round4(threshold),
      action,
      latencyMs: round4(latencyMs),
      outcome,
    };
    // Optional members assigned in this order (the record lists them so), not spread: a spread of a
    // conditional literal per member cost more than the rest of the check.
    if (cp.shadow) result.shadow = true;
    if (top && check === 'tier0') result.detector = top.detector;
    if (top?.reading) result.reading = top.reading;
    return result;
  }
}

/**
 * Trust classes whose segments are joined for scoring: text the user wrote (every user message and
 * block), and external content (tool results and documents). System text, assistant turns and tool
 * calls are not joined with them: a payload split across a trust boundary is not one author's text,
 * and joining trusted instructions with untrusted data would make ordinary system prompts read as
 * injections.
 */
const JOIN_CLASSES: Readonly<Partial<Record<Segment['trust'], string>>> = {
  user: 'user',
  tool_result: 'external',
  document: 'external',
};

/** Characters of each end of a segment that take part in the joined text (the middle is scored alone already). */
export const JOIN_EDGE = 2048;

/**
 * Joined texts for payload-splitting detection: per trust class with two or more segments, the
 * segments' scored views in document order, one per line; a segment longer than 2 × {@link JOIN_EDGE}
 * contributes only its head and tail (a split payload sits at the joins). Linear in the input.
 */
export function joinedTexts(
  segments: readonly Segment[],
  normalized: readonly NormalizedSegment[],
  readings: readonly Reading[] = [],
): Array<{ segment: number; text: string }> {
  const groups = new Map<string, { segment: number; parts: string[] }>();
  segments.forEach((s, i) => {
    // A harness block is the harness's text, not the user's: not joined with what the user wrote.
    const cls = readings[i] === 'harness' ? undefined : JOIN_CLASSES[s.trust];
    const n = normalized[i];
    if (cls === undefined || n === undefined) return;
    const text = primaryText(n);
    if (text.trim().length === 0) return;
    const part =
      text.length > 2 * JOIN_EDGE ? `${text.slice(0, JOIN_EDGE)}\n${text.slice(-JOIN_EDGE)}` : text;
    const g = groups.get(cls);
    if (g) g.parts.push(part);
    else groups.set(cls, { segment: i, parts: [part] });
  });
  const out: Array<{ segment: number; text: string }> = [];
  for (const g of groups.values()) {
    if (g.parts.length < 2) continue;
    const text = g.parts.join('\n');
    out.push({ segment: g.segment, text });
    // Parts assigned to variables across turns (`A = "…"`, then `B = "…"`) are also read joined.
    const fragments = quotedFragments(text);
    if (fragments !== undefined) out.push({ segment: g.segment, text: fragments });
  }
  return out;
}

/**
 * One segment's (or dialogue turn's) views: the normalizer's, and the English gloss when it applies, its
 * guesses spent from the request's `budget`.
 */
function normalizeForScoring(text: string, segment: number, budget: GuessBudget): NormalizedSegment {
  return withGlossView(normalizeSegment(text, segment), budget);
}

/**
 * The one text that stands for a segment where segments are joined: the residual view when there is
 * one (encoded runs blanked), else the canonical view, with its line breaks.
 */
function primaryText(n: NormalizedSegment): string {
  const view = n.views.find((v) => v.transforms.includes('residual')) ?? n.views[0];
  return view ? linedText(view) : '';
}

/**
 * The views tier 1 scores: all of them, except that the canonical view gives way to the residual view
 * when there is one (the same text with its decoded encoded runs blanked). Encoded noise — Morse, HTML
 * entities, binary — is then judged only by what it decodes to, so a benign prompt stays benign under
 * any encoding, while plain text around the runs is still scored. A reading of the whole text (`whole`: Pig Latin
 * read back whole, plain words kept) replaces both: the text itself is then only the cipher's noise.
 */
export function scoredViews(n: NormalizedSegment): readonly View[] {
  if (n.views.some((v) => v.whole === true))
    return n.views.filter((v, i) => i > 0 && !v.transforms.includes('residual'));
  if (!n.views.some((v) => v.transforms.includes('residual'))) return n.views;
  return n.views.slice(1);
}

/** `decision` raised to the check's decision score when the check counts (answered, not superseded). */
function raised(decision: number, check: CheckResult, top: TierTop | undefined): number {
  return check.outcome === 'ok' && !check.superseded && top ? Math.max(decision, top.decision) : decision;
}

/** A failed check of `category` with the fail mode that applies to it. */
function failure(
  check: string,
  category: Category,
  outcome: CheckOutcome,
  failMode: FailMode,
  reason: string,
): FailureApplied {
  return { check, category, outcome, failMode, reason };
}

/** The threshold of `tier`'s checks in a category: the detector reference's own, else the category's. */
function categoryThreshold(
  cp: CategoryPolicy,
  category: Category,
  tier: Tier,
  modelThresholds: Partial<Record<Category, number>>,
): number {
  return thresholdFor(cp, category, tier, modelThresholds) ?? cp.threshold;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Whether a category policy takes findings of `tier`. Read from the policy on every call, not cached: a policy
 * object changed after first use (an operator's override applied in place) must not keep its old answer.
 */
function usesTier(cp: CategoryPolicy, tier: Tier): boolean {
  // `tier` itself or `tier.…` (every tier name is `tier` and a digit).
  const digit = tier.charCodeAt(4);
  for (const ref of cp.detectors) if (isTierId(typeof ref === 'string' ? ref : ref.id, digit)) return true;
  return false;
}

/** Spans to redact: findings with a span in enforced, triggered categories whose action is redact. */
function redactionsFor(verdict: Verdict, policy: Policy) {
  const redactCats = new Set(
    verdict.triggered.filter((c) => policy.document.categories[c]?.action === 'redact'),
  );
  const out: { segment: number; span: readonly [number, number]; label: string }[] = [];
  for (const f of verdict.findings) {
    if (!f.span || !redactCats.has(f.category)) continue;
    const cp = policy.document.categories[f.category];
    const threshold = cp ? thresholdFor(cp, f.category, f.detector, {}) : undefined;
    if (threshold === undefined || decisionScore(f.score, threshold) < 0.5) continue;
    out.push({ segment: f.segment, span: f.span, label: f.label ?? f.category });
  }
  return out;
}

function mergeSignals(
  normalized: readonly NormalizedSegment[],
  extra: readonly string[] = [],
  findings: readonly Finding[] = [],
): NormalizationSignals {
  if (normalized.length === 0 && extra.length === 0) return EMPTY_SIGNALS;
  const s = noSignals();
  let readings: Set<string> | undefined;
  for (const f of findings) {
    if (f.via === undefined) continue;
    readings ??= new Set();
    readings.add(f.via);
  }
  if (readings !== undefined) s.blocklist = [...readings].sort();
  const transforms = new Set<string>(extra);
  for (const n of normalized) {
    s.zeroWidth += n.signals.zeroWidth;
    s.bidi += n.signals.bidi;
    s.tags += n.signals.tags;
    s.variationSelectors += n.signals.variationSelectors;
    s.homoglyphs += n.signals.homoglyphs;
    s.letterlike += n.signals.letterlike;
    s.combiningMarks += n.signals.combiningMarks;
    s.decodedViews += n.signals.decodedViews;
    if (n.signals.glossUnguessed) s.glossUnguessed = (s.glossUnguessed ?? 0) + n.signals.glossUnguessed;
    for (const t of n.signals.transforms) transforms.add(t);
  }
  // Every request has one segment or more with no transform fired: no set to array and sort for it.
  if (transforms.size > 0) s.transforms = [...transforms].sort();
  return s;
}

/**
 * Text for tier 2: the checked segments joined, capped at `max` characters — except operator text and
 * harness blocks, which tier 1 reads per instruction and tier 2 would read as one user prompt.
 */
function tier2Text(segments: readonly Segment[], readings: readonly Reading[], max: number): string {
  let out = '';
  for (const [i, s] of segments.entries()) {
    if (out.length >= max) break;
    if ((readings[i] ?? 'whole') !== 'whole') continue;
    out += (out ? '\n\n' : '') + s.text;
  }
  return out.length > max ? out.slice(0, max) : out;
}

function errorName(e: unknown): string {
  return (e instanceof Error ? e.name : 'unknown').slice(0, 64);
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
