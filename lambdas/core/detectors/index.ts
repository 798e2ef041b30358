/**
 * Tier-0 detectors: blocklist (Aho-Corasick), secrets and PII patterns (linear-time regexes with
 * checksum validation) and jailbreak / injection heuristics. Built once; `run` is pure and does no I/O.
 */
import type { Finding, NormalizedSegment, Segment, TrustBoundary, View } from '../types';
import { type BlocklistEntry, canonicalPhrase, compileBlocklist, DEFAULT_BLOCKLIST } from './blocklist';
import {
  gibberishSuffixScore,
  HEURISTIC_RULES,
  type HeuristicRule,
  matchRule,
  nextMatch,
} from './heuristics';
import { PATTERN_DETECTORS, type PatternDetector, textFacts } from './patterns';

export { type AcMatch, AhoCorasick } from './aho-corasick';
export { type BlocklistEntry, canonicalPhrase, DEFAULT_BLOCKLIST, parseBlocklist } from './blocklist';
export { gibberishSuffixScore, HEURISTIC_RULES, type HeuristicRule, matchRule } from './heuristics';
export { PATTERN_DETECTORS, type PatternDetector } from './patterns';

/**
 * How much a heuristic hit weighs by trust boundary. Instructions inside tool results and documents
 * (indirect injection) are more suspicious than the same words typed by the user.
 */
export const DEFAULT_TRUST_WEIGHTS: Readonly<Record<TrustBoundary, number>> = {
  system: 0.5,
  user: 0.85,
  assistant: 0.6,
  output: 0.6,
  tool_use: 0.9,
  tool_result: 1,
  document: 1,
};

/** Options of {@link createTier0}. */
export interface Tier0Options {
  /** Blocklist entries. @default - the committed config/blocklists/default.json */
  readonly blocklist?: readonly BlocklistEntry[];
  /** Entries added to `blocklist` (e.g. a tenant's own terms). @default - none */
  readonly extraBlocklist?: readonly BlocklistEntry[];
  /** Run the secrets and PII patterns. @default true */
  readonly patterns?: boolean;
  /** Run the jailbreak / injection heuristics. @default true */
  readonly heuristics?: boolean;
  /** Multipliers of heuristic scores per trust boundary, merged over {@link DEFAULT_TRUST_WEIGHTS}. */
  readonly trustWeights?: Partial<Record<TrustBoundary, number>>;
}

/** The tier-0 detector set. */
export interface Tier0 {
  /**
   * Runs every detector. `normalized[i]` must be the normalization of `segments[i]`. Returns at most
   * one finding per (segment, detector id) for view-based detectors (the highest score), and one per
   * occurrence for span-carrying secrets/PII findings.
   */
  run(segments: readonly Segment[], normalized: readonly NormalizedSegment[]): Finding[];
}

/** Builds the tier-0 detectors once (automata, rule tables). */
export function createTier0(options: Tier0Options = {}): Tier0 {
  const blocklist = compileBlocklist(
    [...(options.blocklist ?? DEFAULT_BLOCKLIST), ...(options.extraBlocklist ?? [])].map((e) => ({
      ...e,
      phrase: canonicalPhrase(e.phrase),
    })),
  );
  const weights = { ...DEFAULT_TRUST_WEIGHTS, ...options.trustWeights };
  const runPatterns = options.patterns ?? true;
  const runHeuristics = options.heuristics ?? true;

  return {
    run(segments, normalized) {
      const findings: Finding[] = [];
      segments.forEach((segment, index) => {
        const norm = normalized[index];
        const views: readonly View[] = norm?.views.length
          ? norm.views
          : [{ segment: index, text: segment.text.toLowerCase(), transforms: ['lowercase'] }];
        const best = new Map<string, Finding>();
        for (const view of views) {
          const despaced = view.transforms.includes('despace');
          for (const hit of blocklist.match(view.text, despaced)) {
            keepBest(best, {
              detector: 'tier0.blocklist',
              category: hit.entry.category,
              score: hit.entry.score,
              segment: index,
              label: hit.entry.phrase,
            });
          }
          if (runHeuristics && !despaced) for (const f of viewHeuristics(view.text, index)) keepBest(best, f);
        }
        if (runHeuristics) {
          for (const f of rawHeuristics(segment.text, index, HEURISTIC_RULES, norm?.encodedSpans))
            keepBest(best, f);
          if (norm) for (const f of signalFindings(norm, index)) keepBest(best, f);
        }
        const weight = weights[segment.trust] ?? 1;
        for (const f of best.values()) {
          findings.push(
            f.detector.startsWith('tier0.heuristic.') ? { ...f, score: round(f.score * weight) } : f,
          );
        }
        if (runPatterns) findings.push(...patternFindings(segment.text, index));
      });
      return findings;
    },
  };
}

/** Keeps the highest-scoring finding per detector (the first one on a tie). */
function keepBest(best: Map<string, Finding>, f: Finding): void {
  const prev = best.get(f.detector);
  if (!prev || f.score > prev.score) best.set(f.detector, f);
}

function round(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
}

/**
 * Secrets / PII findings on raw text, with spans. Where two matches overlap (a phone-shaped run inside
 * a card number), only the higher-scoring one is kept. Sorted by span start.
 */
export function patternFindings(text: string, segment: number, detectors = PATTERN_DETECTORS): Finding[] {
  const all: Array<Finding & { readonly span: readonly [number, number] }> = [];
  const facts = textFacts(text);
  for (const d of detectors) {
    if (d.requires && !d.requires(text, facts)) continue;
    const re = d.regex;
    re.lastIndex = 0;
    for (let m = nextMatch(re, text); m !== null; m = nextMatch(re, text)) {
      const start = m.index;
      if (d.validate && !d.validate(m[0])) continue;
      const end = d.extend ? d.extend(text, start + m[0].length) : start + m[0].length;
      all.push({
        detector: detectorId(d),
        category: d.category,
        score: d.score,
        segment,
        label: d.id,
        span: [start, end],
      });
    }
  }
  const kept: typeof all = [];
  for (const f of [...all].sort((a, b) => b.score - a.score || a.span[0] - b.span[0])) {
    if (!kept.some((k) => f.span[0] < k.span[1] && k.span[0] < f.span[1])) kept.push(f);
  }
  return kept.sort((a, b) => a.span[0] - b.span[0]);
}

function detectorId(d: PatternDetector): string {
  return `tier0.${d.category}.${d.id}`;
}

function ruleFinding(rule: HeuristicRule, segment: number, span?: readonly [number, number]): Finding {
  return {
    detector: `tier0.heuristic.${rule.id}`,
    category: rule.category,
    score: rule.score,
    segment,
    label: rule.id,
    ...(span ? { span } : {}),
  };
}

/** Heuristics over one normalized (lowercase) view; first hit per rule. */
export function viewHeuristics(text: string, segment: number, rules = HEURISTIC_RULES): Finding[] {
  const out: Finding[] = [];
  for (const rule of rules) {
    if (rule.on !== 'view') continue;
    if (matchRule(rule, text)) out.push(ruleFinding(rule, segment));
  }
  return out;
}

/**
 * Heuristics over raw text (role markers, adversarial suffixes); spans refer to the raw text. The
 * suffix heuristic skips `decoded` spans (the normalizer's `encodedSpans`): encoded text is judged by
 * what it decodes to.
 */
export function rawHeuristics(
  text: string,
  segment: number,
  rules = HEURISTIC_RULES,
  decoded: readonly (readonly [number, number])[] = [],
): Finding[] {
  const out: Finding[] = [];
  for (const rule of rules) {
    if (rule.on !== 'raw') continue;
    const span = matchRule(rule, text);
    if (span) out.push(ruleFinding(rule, segment, span));
  }
  const gcg = gibberishSuffixScore(text, decoded);
  if (gcg > 0) {
    out.push({
      detector: 'tier0.heuristic.adversarial-suffix',
      category: 'jailbreak',
      score: round(gcg),
      segment,
      label: 'adversarial-suffix',
      span: [Math.max(0, text.length - 160), text.length],
    });
  }
  return out;
}

/**
 * Hidden-character signals from the normalizer. They are evidence, not a verdict: the text they hid is
 * decoded into views and judged on its content, so a benign prompt sprinkled with zero-width or tag
 * characters stays benign and a harmful one stays detected (the property tests hold both). Scores are
 * therefore capped below the default 0.5 operating point: the finding is recorded with the decision and a
 * policy that wants to refuse hidden characters outright sets its own threshold for
 * `tier0.heuristic.hidden-chars` (e.g. `{ "id": "tier0.heuristic.hidden-chars", "threshold": 0.3 }`).
 */
export function signalFindings(norm: NormalizedSegment, segment: number): Finding[] {
  const s = norm.signals;
  let score = 0;
  if (s.tags > 0) score = Math.max(score, s.tags >= 8 ? 0.45 : 0.4);
  if (s.zeroWidth >= 3) score = Math.max(score, Math.min(0.4, 0.2 + s.zeroWidth * 0.01));
  if (s.bidi > 0) score = Math.max(score, 0.35);
  if (s.variationSelectors >= 4) score = Math.max(score, 0.4);
  if (score === 0) return [];
  return [
    {
      detector: 'tier0.heuristic.hidden-chars',
      category: 'injection',
      score: round(score),
      segment,
      label: 'hidden-chars',
    },
  ];
}
