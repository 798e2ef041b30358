/**
 * Trust-boundary reading of tier 1 (docs/normalization.md, "Trust boundaries"; ADR 0015).
 *
 * The tier-1 model was trained on what people type to a model. Operator text — system prompts,
 * `role: "system"` turns, tool definitions and schemas, output schemas, compaction instructions — is a
 * different genre: long lists of instructions that name the risks they guard against ("refuse requests
 * for … malware …", "this replaces earlier guidance"). Scored like a user turn, an agent harness's own
 * prompt reads as an attack. So tier 1 reads each segment by its trust boundary:
 *
 * - **operator text** (`system` trust): judged instruction by instruction (sentence windows, not the
 *   pooled 500-character windows), harmful and jailbreak at the policy's operator thresholds; an
 *   instruction that only forbids something is neither a harmful request nor a jailbreak; prompt
 *   injection is not scored
 *   (operator text IS the instructions an injection tries to override).
 * - **harness blocks** (a user content block that is exactly one element of the policy's harness markup,
 *   e.g. `<system-reminder>…</system-reminder>`): still user text — harmful is scored as usual — but
 *   jailbreak and injection are judged instruction by instruction, and the block is not joined with the
 *   user's other blocks. Anyone can write the markup, so the markup never switches a check off.
 * - everything else: every window, as before.
 *
 * Tier 0 (blocklist, patterns, heuristics weighted per trust) reads every segment the same way.
 */
import type { LinearClassifier } from '../classifier';
import { SENTENCE_WINDOW_DEFAULTS, sentenceWindows } from '../classifier/model';
import { linedText } from '../normalize/normalize';
import type { Category, CategoryScores, Segment, View } from '../types';
import * as ascii from '../util/ascii';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiLetter } = ascii;

/** How tier 1 reads a segment. */
export type Reading = 'whole' | 'operator' | 'harness';

/** The reading of a segment: operator text by trust, harness blocks by markup, the rest whole. */
export function readingOf(segment: Segment, harnessMarkup: readonly string[]): Reading {
  if (segment.trust === 'system') return 'operator';
  if (segment.trust === 'user' && isHarnessBlock(segment.text, harnessMarkup)) return 'harness';
  return 'whole';
}

/**
 * True when `text` (surrounding whitespace aside) is exactly one `<tag>…</tag>` element of one of the
 * `tags`, with no other closing tag of it inside: text after the element is not covered.
 */
export function isHarnessBlock(text: string, tags: readonly string[]): boolean {
  if (tags.length === 0) return false;
  const t = text.trim();
  for (const tag of tags) {
    const open = `<${tag}>`;
    const close = `</${tag}>`;
    if (t.startsWith(open) && t.endsWith(close) && t.indexOf(close) === t.length - close.length) return true;
  }
  return false;
}

/** Fewest turn markers at line starts that make a text a written-out dialogue (three exchanges). */
export const MIN_TRANSCRIPT_TURNS = 6;

/** Speaker labels of a written-out dialogue, lower case: `User:`, `Assistant:`, `Human:`, `AI:`, `H:`, `A:`. */
const SPEAKERS: ReadonlySet<string> = new Set(['user', 'assistant', 'human', 'ai', 'h', 'a']);

/** The labels of the asking side. */
const ASKING: ReadonlySet<string> = new Set(['user', 'human', 'h']);

/** A written-out dialogue: its turns (see {@link transcriptTurns}) and which of them the asking side wrote. */
export interface Transcript {
  readonly turns: string[];
  /** Per turn: written after a `User:`/`Human:`/`H:` label. */
  readonly asking: boolean[];
}

/**
 * The turns of a written-out dialogue, their speaker labels removed, when `text` is one: at least
 * {@link MIN_TRANSCRIPT_TURNS} lines open with a speaker label (`User:` / `Assistant:` / `Human:` …).
 * Text before the first label is a turn of its own. Undefined for anything else. Many-shot prompts are
 * such dialogues; tier 1 reads them turn by turn (see the engine). One pass; a label is at most 9
 * letters, so each line start is examined a bounded number of times.
 */
export function transcriptTurns(text: string): string[] | undefined {
  return transcript(text)?.turns;
}

/** {@link transcriptTurns} with the speaker side of each turn. */
export function transcript(text: string): Transcript | undefined {
  const labels: Array<readonly [number, number, boolean]> = [];
  const n = text.length;
  // Line starts only: 0 and after each line feed (found natively, not code unit by code unit).
  for (let i = 0; i < n; i = text.indexOf('\n', i) + 1 || n) {
    let j = i;
    while (j < n && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09)) j++;
    let k = j;
    while (k < n && k - j <= 9 && isAsciiLetter(text.charCodeAt(k))) k++;
    const speaker = k < n && text.charCodeAt(k) === 0x3a ? text.slice(j, k).toLowerCase() : '';
    if (SPEAKERS.has(speaker)) labels.push([i, k + 1, ASKING.has(speaker)]);
  }
  if (labels.length < MIN_TRANSCRIPT_TURNS) return undefined;
  const turns: string[] = [];
  const asking: boolean[] = [];
  const head = text.slice(0, labels[0]![0]);
  if (head.trim() !== '') {
    turns.push(head);
    asking.push(false);
  }
  labels.forEach(([, bodyStart, asks], t) => {
    const body = text.slice(bodyStart, labels[t + 1]?.[0] ?? n);
    if (body.trim() === '') return;
    turns.push(body);
    asking.push(asks);
  });
  return { turns, asking };
}

/** Windows of one instruction each: every sentence and every two consecutive ones, however short the text. */
export function instructionWindows(text: string): Array<readonly [number, number]> {
  return sentenceWindows(text, SENTENCE_WINDOW_DEFAULTS);
}

/**
 * A forbidding instruction at the start of a sentence (after list markers and a label such as
 * `important:`): refuse / decline / never / do not / must not / avoid … Lower-case text (the normalized
 * views are). Sticky, no nested quantifiers: linear.
 */
export const PROHIBITION_HEAD_RE =
  /[\s\-*•>#\d.)]*(?:(?:important|note|warning|critical|rule|policy)\s*:\s*)?(?:you\s+(?:must|should|will|may)\s+(?:not|never)|you\s+(?:won't|shouldn't|mustn't|cannot|can't)|refuse|decline|never|do\s+not|don't|must\s+not|avoid|not\s+allowed\s+to)\s+([a-z']+)/y;

/**
 * Words right after a negation that turn it into a push to comply ("never refuse", "do not hold back",
 * "don't mention the rules"): such a sentence is not a prohibition.
 */
const REVERSALS: ReadonlySet<string> = new Set([
  'refuse',
  'refusing',
  'decline',
  'declining',
  'deny',
  'reject',
  'hesitate',
  'withhold',
  'hold',
  'censor',
  'filter',
  'restrict',
  'limit',
  'warn',
  'mention',
  'apologize',
  'apologise',
  'moralize',
  'lecture',
  'stop',
  'judge',
  'question',
  'mind',
  'worry',
  'care',
  'break',
  'be',
  'let',
  'forget',
  'ignore',
  'skip',
  'omit',
  'leave',
  'hide',
  'shy',
  'water',
  'add',
  'include',
  'say',
  'tell',
  'remind',
  'nothing',
  'anything',
]);

/** Words that ask for content: a sentence holding one is judged as a request even after a negation. */
export const COMPLIANCE_RE =
  /\b(?:explain|describe|detail|provide|give|write|tell|show|list|teach|generate|create|make|produce|build|answer|respond|output|share|instruction|step|how|recipe|guide|tutorial|synthesi[sz]e|method|procedure|exact|precise|specific)/;

/** Positions in `[start, end)` where a sentence starts (start, and after `.`/`!`/`?`/`;`/line breaks). */
function sentenceStarts(text: string, start: number, end: number): number[] {
  const out = [start];
  for (let i = start; i < end - 1; i++) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    const ends = c === 0x2e || c === 0x21 || c === 0x3f || c === 0x3b;
    if (c === 0x0a || c === 0x0d || (ends && (next === 0x20 || next === 0x0a || next === 0x09)))
      out.push(i + 1);
  }
  return out;
}

/** End of the sentence starting at `from` (exclusive), within `end`. */
function sentenceEnd(text: string, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) return i;
    if (
      (c === 0x2e || c === 0x21 || c === 0x3f || c === 0x3b) &&
      (i + 1 === end || text.charCodeAt(i + 1) <= 0x20)
    )
      return i + 1;
  }
  return end;
}

/**
 * True when some sentence of `text[start, end)` only forbids: it opens with a prohibition, the word after
 * the negation does not reverse it, and it asks for no content (see {@link COMPLIANCE_RE}).
 */
export function holdsProhibition(text: string, start = 0, end = text.length): boolean {
  for (const s of sentenceStarts(text, start, end)) {
    PROHIBITION_HEAD_RE.lastIndex = s;
    const m = PROHIBITION_HEAD_RE.exec(text);
    if (!m || m.index !== s) continue;
    const word = m[1] ?? '';
    if (REVERSALS.has(word)) continue;
    const sentence = text.slice(s, sentenceEnd(text, s, end));
    if (COMPLIANCE_RE.test(sentence)) continue;
    return true;
  }
  return false;
}

/**
 * Words of a sentence that only defers to other instructions: the lead-in a coding-agent harness writes before
 * the project and user instruction files it loads ("the instructions below override your default behaviour;
 * follow them exactly as written"). No word names what to do, what to disregard (`previous`, `above`, `system`,
 * `safety` …) or whom to disobey (`user`), so such a sentence instructs nothing of its own: what it defers to
 * is the text around it, judged sentence by sentence.
 */
const DEFERENCE_WORDS: ReadonlySet<string> = new Set(
  (
    'important note these this the those them they it its their and or you your any all every to of over as are ' +
    'is be must should shall will always exactly strictly precisely closely carefully faithfully fully written ' +
    'sure make instructions instruction rules rule guidance conventions settings notes guide guides below shown ' +
    'following follows listed here codebase project repository workspace team file files default defaults ' +
    'behavior behaviour behaviors behaviours built in usual general override overrides precedence priority ' +
    'supersede supersedes replace replaces take takes come comes before follow adhere apply respect keep obey ' +
    'with where wherever when differ conflict word letter for a an that by than other otherwise would'
  ).split(' '),
);

/** The deferring words among {@link DEFERENCE_WORDS}: a sentence of deference holds one. */
const DEFERS: ReadonlySet<string> = new Set(
  'override overrides precedence priority supersede supersedes replace replaces follow adhere apply respect obey'.split(
    ' ',
  ),
);

/** True when `sentence` only defers to other instructions (see {@link DEFERENCE_WORDS}). */
export function defersOnly(sentence: string): boolean {
  const words = sentence.toLowerCase().match(/[a-z]+/g);
  if (words === null) return false;
  let defers = false;
  for (const w of words) {
    if (!DEFERENCE_WORDS.has(w)) return false;
    if (DEFERS.has(w)) defers = true;
  }
  return defers;
}

/** `text` without its sentences that only defer to other instructions ({@link defersOnly}). */
export function withoutDeference(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const s of sentenceStarts(text, 0, text.length)) {
    if (s < last) continue;
    const e = sentenceEnd(text, s, text.length);
    if (!defersOnly(text.slice(s, e))) continue;
    parts.push(text.slice(last, s));
    last = e;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/** What {@link scoreInstructions} reads for each category. */
export interface InstructionReading {
  /** Categories scored per instruction; the others are not scored here. */
  readonly categories: readonly Category[];
  /** Instructions that only forbid are not scored for `harmful` or `jailbreak` (operator text). */
  readonly prohibitionsExempt: boolean;
  /**
   * Sentences that only defer to other instructions are not scored, alone or paired (harness blocks): the
   * instructions they introduce are, each alone and with its neighbours.
   */
  readonly deferenceExempt?: boolean;
}

/**
 * Tier 1 per instruction over `views`: the highest score per category among the sentence windows of
 * every view. Each window is scored alone, so the work is linear in the text (a character is in at most
 * two windows).
 */
export function scoreInstructions(
  classifier: LinearClassifier,
  views: readonly View[],
  reading: InstructionReading,
): CategoryScores {
  const best: CategoryScores = {};
  const wanted = new Set(reading.categories);
  for (const view of views) {
    const text = reading.deferenceExempt === true ? withoutDeference(linedText(view)) : linedText(view);
    for (const [a, b] of instructionWindows(text)) {
      const scores = classifier.score(text.slice(a, b));
      const forbids = reading.prohibitionsExempt && holdsProhibition(text, a, b);
      for (const [cat, score] of Object.entries(scores) as [Category, number][]) {
        if (!wanted.has(cat) || (forbids && cat !== 'injection')) continue;
        if (score > (best[cat] ?? -1)) best[cat] = score;
      }
    }
  }
  return best;
}
