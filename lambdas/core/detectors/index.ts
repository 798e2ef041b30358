/**
 * Tier-0 detectors: blocklist (Aho-Corasick), secrets and PII patterns (linear-time regexes with
 * checksum validation) and jailbreak / injection heuristics. Built once; `run` is pure and does no I/O.
 */
import { foldLeet } from '../normalize/leet';
import { letterlikeTable } from '../normalize/letterlike';
import { renderMarkup } from '../normalize/markup';
import { canonicalize } from '../normalize/normalize';
import { INVISIBLE_RE } from '../normalize/patterns';
import { foldAccents } from '../normalize/text';
import type { Finding, NormalizedSegment, Segment, TrustBoundary, View } from '../types';
import * as ascii from '../util/ascii';
import {
  type Blocklist,
  type BlocklistEntry,
  type BlocklistHit,
  canonicalPhrase,
  compileBlocklist,
  DEFAULT_BLOCKLIST,
  despacedJoins,
  gapPhrase,
  gateLiterals,
} from './blocklist';
import {
  gibberishSuffixScore,
  HEURISTIC_RULES,
  type HeuristicRule,
  matchRule,
  nextMatch,
} from './heuristics';
import { countDigits, DIGITS, PATTERN_DETECTORS, type PatternDetector } from './patterns';
import { type LiteralCheck, LiteralGates, regexCheck } from './prefilter';

const { isAsciiDigit, isAsciiLower, isAsciiText } = ascii;

export { type AcMatch, AhoCorasick } from './aho-corasick';
export {
  type BlocklistEntry,
  type BlocklistReading,
  canonicalPhrase,
  DEFAULT_BLOCKLIST,
  parseBlocklist,
} from './blocklist';

/** The blocklist's findings. */
export const BLOCKLIST_DETECTOR = 'tier0.blocklist';
/**
 * The blocklist's weak findings: a phrase read across one sentence or list boundary, or inside a longer code
 * identifier. Scored at half the phrase's score and below 0.5, so under a category threshold of 0.5 it never
 * decides alone; the engine sends its category to tier 2 in cascade mode.
 */
export const BLOCKLIST_CROSSED_DETECTOR = 'tier0.blocklist.crossed';
/** Highest score of a {@link BLOCKLIST_CROSSED_DETECTOR} finding. */
const CROSSED_MAX_SCORE = 0.49;

export { gibberishSuffixScore, HEURISTIC_RULES, type HeuristicRule, matchRule } from './heuristics';
export { requiredLiterals } from './literals';
export { PATTERN_DETECTORS, type PatternDetector } from './patterns';
export { type LiteralCheck, LiteralGates, regexCheck } from './prefilter';

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

/** Builds the tier-0 detectors once (automata, rule tables, literal prefilter). */
export function createTier0(options: Tier0Options = {}): Tier0 {
  const entries = [...(options.blocklist ?? DEFAULT_BLOCKLIST), ...(options.extraBlocklist ?? [])].map(
    (e) => ({
      ...e,
      phrase: canonicalPhrase(e.phrase),
    }),
  );
  const blocklist = compileBlocklist(entries);
  const weights = { ...DEFAULT_TRUST_WEIGHTS, ...options.trustWeights };
  const runPatterns = options.patterns ?? true;
  const runHeuristics = options.heuristics ?? true;
  const viewRules = HEURISTIC_RULES.filter((r) => r.on === 'view');
  const rawRules = HEURISTIC_RULES.filter((r) => r.on === 'raw');
  // One prefilter over everything tier 0 looks for, in this order: any blocklist phrase, the view
  // rules, the raw rules, the patterns. A text is read once per view; the view-rule and blocklist
  // results apply to that view, the raw ones to the raw text when the view stands for it.
  const rawChecks = [...rawRules.map((r) => ruleCheck(r)), ...PATTERN_DETECTORS.map(patternCheck)];
  const gates = LiteralGates.build([
    [gateLiterals(entries.map((e) => e.phrase))],
    ...viewRules.map((r) => ruleCheck(r)),
    ...rawChecks,
  ]);
  // Letters and digits of the longest phrase (code units): how far a phrase read across a join reaches into the text
  // on either side of it.
  const reach = entries.reduce(
    (most, e) => Math.max(most, (gapPhrase(e.phrase)?.replaceAll(' ', '') ?? e.phrase).length),
    1,
  );
  const RAW = 1 + viewRules.length;
  const PATTERNS = RAW + rawRules.length;
  // A view equal to the raw text lowercased contains every ASCII literal the raw text contains (in
  // folded case), so its pass stands for the raw text's when every raw literal is ASCII.
  const rawLiteralsAscii = rawChecks.every((c) => c.every((set) => set.every(isAsciiText)));

  return {
    run(segments, normalized) {
      const findings: Finding[] = [];
      const split = splitHits(segments, normalized, blocklist, reach);
      segments.forEach((segment, index) => {
        const raw = segment.text;
        const norm = normalized[index];
        const views: readonly View[] = norm?.views.length
          ? norm.views
          : [{ segment: index, text: raw.toLowerCase(), transforms: ['lowercase'] }];
        const best = new Map<string, Finding>();
        let rawPass: readonly boolean[] | undefined;
        // Whether the canonical view (views[0]), a leet or a markup view holds a blocklist literal: without one, no
        // reading of their words with hidden characters as joins can (symbols aside: see below).
        let gapLiteral = false;
        let markupView = false;
        // Phrases read as a table row where the view's lines are known: the same phrase `joined` in a view without
        // lines (leet, despaced, accent-folded, hidden-gap) is the same row.
        const tables = new Set<string>();
        const found = (hit: BlocklistHit): void =>
          keepBest(best, blocklistFinding(tableAware(hit, tables), index));
        for (const hit of split.get(index) ?? []) keepBest(best, blocklistFinding(hit, index));
        for (const view of views) {
          const text = view.text;
          // Despaced views are also matched without spaces where the despacer joined letters, so the blocklist
          // is not prefiltered there. The heuristics read them like any view (spaced-out text read back whole).
          const despace = view.transforms.includes('despace') ? { joins: joinsOf(text, views) } : undefined;
          const pass = gates.evaluate(text);
          const markup = view.transforms.includes('markup');
          if (markup) markupView = true;
          if ((view === views[0] || markup || view.transforms.includes('leet')) && pass[0]) gapLiteral = true;
          if (despace !== undefined || pass[0]) {
            // A phrase the accent-folded view spells is named like the accent-folded reading below.
            const folded = view.transforms.includes('accents');
            for (const hit of blocklist.match(text, despace, view.breaks))
              found(folded && hit.reading === undefined ? { ...hit, reading: 'accents' } : hit);
          }
          if (runHeuristics)
            for (const f of gatedViewHeuristics(text, index, viewRules, pass, 1)) keepBest(best, f);
          if (
            rawPass === undefined &&
            rawLiteralsAscii &&
            (text === raw || (text.length === raw.length && text === raw.toLowerCase()))
          )
            rawPass = pass;
        }
        const canonical = views[0]?.text;
        const canonicalAscii = canonical === undefined || isAsciiText(canonical);
        if (!canonicalAscii) {
          for (const hit of foldedHits(canonical, blocklist, gates)) found(hit);
        }
        // Hidden, inserted or markup characters a phrase may be read across: looked for only where a view holds a
        // blocklist literal, or where the raw text can hold a symbol (the canonical view is not ASCII, or folding
        // or NFKC changed something: `™` → ` tm `, `＋` → `+`), whose literal may be split by it (`pi™pe b™omb`).
        const symbols =
          norm !== undefined &&
          (!canonicalAscii || norm.signals.letterlike > 0 || norm.signals.transforms.includes('nfkc')) &&
          SYMBOL_TEST.test(raw);
        if (norm !== undefined && (gapLiteral || symbols)) {
          // The invisible gaps are found by one native scan for invisible runs (HIDDEN_GAP_RE as a gate scanned the
          // text ten times slower: an unanchored regex that opens with a letter class tries every letter).
          const invisible = hidesCharacters(norm) ? invisibleGaps(raw) : [];
          const gaps: HiddenGaps = {
            invisible: invisible.length > 0,
            symbols,
            // The markup view may not have fit the normalizer's budget: the reading renders the markup itself.
            markup: markupView || canonical?.includes('<') === true,
          };
          const literal = gapLiteral || gates.evaluate(raw.replace(SYMBOL_RE, ''))[0] === true;
          if ((gaps.invisible || gaps.symbols || gaps.markup) && literal)
            for (const hit of hiddenGapHits(raw, gaps, invisible, blocklist, 3 * reach + 3)) found(hit);
        }
        if (runHeuristics || runPatterns) rawPass ??= gates.evaluate(raw);
        if (runHeuristics) {
          const reversedWords = norm?.views.some((v) => v.transforms.includes('reverse-words')) === true;
          for (const f of gatedRawHeuristics(
            raw,
            index,
            rawRules,
            rawPass!,
            RAW,
            norm?.encodedSpans,
            reversedWords,
          ))
            keepBest(best, f);
          if (norm) for (const f of signalFindings(norm, index)) keepBest(best, f);
        }
        const weight = weights[segment.trust] ?? 1;
        for (const f of best.values()) {
          findings.push(
            f.detector.startsWith('tier0.heuristic.') ? { ...f, score: round(f.score * weight) } : f,
          );
        }
        if (runPatterns)
          findings.push(...gatedPatternFindings(raw, index, PATTERN_DETECTORS, rawPass!, PATTERNS));
      });
      return findings;
    },
  };
}

/**
 * Where the despacer joined letters in a despaced view: read against the view it came from, the accent-folded
 * or the residual view when there is one, else the canonical view (the first).
 */
function joinsOf(text: string, views: readonly View[]): Uint8Array | undefined {
  // A despaced view of accented English is read from the accent-folded view.
  for (const from of ['accents', 'residual'] as const) {
    const source = views.find((v) => v.transforms.includes(from) && !v.transforms.includes('despace'));
    const joins = source === undefined ? undefined : despacedJoins(source.text, text);
    if (joins !== undefined) return joins;
  }
  return views[0] === undefined ? undefined : despacedJoins(views[0].text, text);
}

/** The finding of one blocklist hit: weak hits under their own detector, at half score. */
function blocklistFinding(hit: BlocklistHit, segment: number): Finding {
  const f = {
    detector: hit.weak ? BLOCKLIST_CROSSED_DETECTOR : BLOCKLIST_DETECTOR,
    category: hit.entry.category,
    score: hit.weak ? Math.min(CROSSED_MAX_SCORE, round(hit.entry.score / 2)) : hit.entry.score,
    segment,
    label: hit.entry.phrase,
  };
  return hit.reading === undefined ? f : { ...f, via: hit.reading };
}

/**
 * Invisible characters (the normalizer's `strip-invisible` set) between two letters or digits: where a phrase's word
 * gap may hide. Emoji sequences (ZWJ, VS16) do not match. Linear (`recheck`, patterns.test.ts). The zero-width
 * reading finds the same gaps with {@link invisibleGaps}.
 */
export const HIDDEN_GAP_RE = new RegExp(`[\\p{L}\\p{N}]${INVISIBLE_RE.source}+[\\p{L}\\p{N}]`, 'u');

/** Whether normalization removed invisible characters from the segment. */
const hidesCharacters = (norm: NormalizedSegment): boolean =>
  norm.signals.zeroWidth + norm.signals.bidi + norm.signals.variationSelectors + norm.signals.tags > 0;

/**
 * Marks where hidden or inserted characters stood, through canonicalization (private-use code points: NFKC, folding
 * and lowercasing keep them): invisible characters, symbols, markup. Tier 0 drops them and reads a join there.
 */
const HIDDEN_MARK = '\ue000';
const SYMBOL_MARK = '\ue001';
const MARKUP_MARK = '\ue002';
/** A symbol glued after a word, a blank after it ({@link symbolMark}). */
const SIGN_MARK = '\ue003';

/**
 * Symbols beyond ASCII (`™ ® © ° ★ 💣`…, and the bullets and middle dots `• · ‧ ・ ‣ ⁃`, and the Greek ano teleia
 * U+0387, which NFKC makes a middle dot after the symbols are marked) that {@link hiddenGapHits}
 * reads as absent. ASCII symbols are leetspeak and code (`$ + | < >`); symbols that canonicalization reads as letters
 * (`Ⓑ`, Braille, regional indicators) are letters there ({@link isInsertedSymbol}). Linear (`recheck`, patterns.test.ts).
 */
export const SYMBOL_RE = /(?![\0-\x7f])[\p{S}\u00B7\u0387\u2022\u2023\u2027\u2043\u30FB]/gu;
const SYMBOL_TEST = new RegExp(SYMBOL_RE.source, 'u');
/** Per symbol: whether it is read as absent (cached: the answer needs NFKC and the letter-like table). */
const INSERTED = new Map<string, boolean>();

/**
 * Whether a {@link SYMBOL_RE} symbol stands for nothing but itself: neither canonicalization (letter-like folding,
 * NFKC) makes it a letter or digit (`Ⓑ` b, `⠃` b, `🇧` b stay letters), or it is one that they spell as an
 * abbreviation between spaces (`™` tm, `℠` sm, `№` no), which hides the word it is glued to behind a word of its own.
 */
function isInsertedSymbol(ch: string): boolean {
  let known = INSERTED.get(ch);
  if (known === undefined) {
    const folded = letterlikeTable().get(ch.codePointAt(0) ?? 0);
    // A blank (the Braille blank U+2800) is a space there, not a symbol.
    known =
      folded !== undefined
        ? folded.startsWith(' ') && folded.trim() !== ''
        : !/[\p{L}\p{N}]/u.test(ch.normalize('NFKC'));
    INSERTED.set(ch, known);
  }
  return known;
}

/**
 * What a {@link SYMBOL_RE} symbol at `at` of `text` is read as in {@link hiddenGapHits}. With a blank before it
 * (`car • Bomb`, `car ™Bomb`) it stays as it is: the views read a spaced bullet as a hard boundary, a sign as a word.
 * Glued after a word and followed by no letter or digit (`Car™ Bomb`, `make™ a™`, `Bomb™.`) it is a sign mark: a phrase may hold it only
 * when its last word carries one too (`make a Pipe™ Bomb™`, `make™ a™ pipe™ bomb™`: a name decorated through its
 * end), not when the sign marks one word of a longer name (`Make a Car™ Bomb-sniffing dog`). Any other inserted
 * symbol is a mark (`pipe™bomb`, `pi•pe`: a join between two letters).
 */
function symbolMark(ch: string, at: number, text: string): string {
  if (!isInsertedSymbol(ch)) return ch;
  if (isBlankAt(text, at - 1)) return ch;
  return /[\p{L}\p{N}\p{M}]/u.test(text.charAt(at + ch.length)) ? SYMBOL_MARK : SIGN_MARK;
}

/** Whether `text[i]` is a space, a tab or a line break (out of range is not). */
const isBlankAt = (text: string, i: number): boolean => i >= 0 && /\s/.test(text.charAt(i));

/** Which kind of mark a reading's join came from, as a bit: invisible characters, symbols, markup (signs: 8 too). */
const KIND_OF: Readonly<Record<number, number>> = { 57344: 1, 57345: 2, 57346: 4, 57347: 10 };

/** What {@link hiddenGapHits} reads. */
interface HiddenGaps {
  /** Invisible characters stand between two letters or digits of the raw text. */
  readonly invisible: boolean;
  /** The raw text holds a symbol of {@link SYMBOL_RE}. */
  readonly symbols: boolean;
  /** The normalizer rendered markup (a `markup` view), or the canonical view holds a `<`. */
  readonly markup: boolean;
}

/**
 * Blocklist hits that need a hidden or inserted character read as absent: the canonical view drops invisible
 * characters (`pi\u200Bpe` reads `pipe`), which joins words as well (`pipe\u200Bbomb` reads `pipebomb`); a symbol
 * inside a word is a gap there (`pi•pe`), and one NFKC spells as letters is a word (`pipe™bomb` reads `pipe tm bomb`);
 * a tag between two letters is a join in the rendered view (`pipe<b></b>bomb` reads `pipebomb`) and a word in the
 * canonical one. Only the raw text around each such mark is read again ({@link hiddenGapWindows}: `reach` letters or
 * digits on each side of an invisible run between two letters or digits, an inserted symbol, or a whole tag or
 * comment; windows that meet merged): a phrase that uses the mark lies inside its window, and a long text with one
 * mark pays for a window, not for the whole text. Linear: each code unit is scanned at most a fixed number of times,
 * and canonicalized, rendered and matched (twice) at most once.
 */
function hiddenGapHits(
  raw: string,
  gaps: HiddenGaps,
  invisible: ReadonlyArray<readonly [number, number]>,
  blocklist: Blocklist,
  reach: number,
): BlocklistHit[] {
  const marks = mergeSpans(
    invisible,
    gaps.symbols ? insertedSymbols(raw) : [],
    gaps.markup ? markupSpans(raw) : [],
    gaps.markup ? referenceSpans(raw) : [],
  );
  const hits: BlocklistHit[] = [];
  for (const [a, b] of hiddenGapWindows(raw, reach, marks)) {
    for (const hit of hiddenGapWindowHits(raw.slice(a, b), gaps, blocklist)) hits.push(hit);
  }
  return hits;
}

/**
 * The hidden-gap reading of one window: canonicalized with each invisible character and inserted symbol marked,
 * its markup rendered with the inline tags marked, the marks dropped, and a run of them between two letters or digits
 * made a join ({@link despacedJoins}' 1) where a phrase's word gap may fall. The text and its leet reading
 * (`p1pe\u200Bb0mb`) are matched. Only hits with a mark inside them are returned (the others are the views'), named
 * by the kind of mark (`markup`, then `symbol`, then `zero-width`).
 */
function hiddenGapWindowHits(raw: string, gaps: HiddenGaps, blocklist: Blocklist): BlocklistHit[] {
  let source = gaps.invisible ? raw.replace(INVISIBLE_RE, HIDDEN_MARK) : raw;
  if (gaps.symbols) source = source.replace(SYMBOL_RE, symbolMark);
  let marked = canonicalize(source);
  if (gaps.markup) marked = renderMarkup(marked, MARKUP_MARK) ?? marked;
  const at = new Uint8Array(marked.length + 1);
  const kinds = new Uint8Array(marked.length + 1);
  let text = '';
  let any = false;
  let from = 0;
  for (let i = 0; i < marked.length; i++) {
    const c = marked.charCodeAt(i);
    if (c < 0xe000 || c > 0xe003) continue;
    text += marked.slice(from, i);
    let j = i;
    let kind = 0;
    for (let d = c; d >= 0xe000 && d <= 0xe003; d = marked.charCodeAt(++j)) kind |= KIND_OF[d] as number;
    kinds[text.length] = kind;
    any = true;
    if (isJoinable(marked.charCodeAt(i - 1)) && isJoinable(marked.charCodeAt(j))) at[text.length] = 1;
    from = j;
    i = j - 1;
  }
  if (!any) return [];
  text += marked.slice(from);
  const joins = at.subarray(0, text.length + 1);
  const hits: BlocklistHit[] = [];
  const leet = foldLeet(text);
  for (const reading of leet === text ? [text] : [text, leet]) {
    for (const hit of blocklist.match(reading, { joins })) {
      if (hit.weak) continue;
      let kind = 0;
      for (let p = hit.start + 1; p < hit.end; p++) kind |= kinds[p] as number;
      if (kind === 0) continue;
      // A sign glued after a word counts only where the phrase's last word carries one too (symbolMark).
      if (kind & 8 && !((kinds[hit.end] as number) & 8)) continue;
      hits.push({ ...hit, reading: kind & 4 ? 'markup' : kind & 2 ? 'symbol' : 'zero-width' });
    }
  }
  return hits;
}

/** A run of invisible characters (the normalizer's `strip-invisible` set). */
const INVISIBLE_RUN_RE = new RegExp(`${INVISIBLE_RE.source}+`, 'gu');

/** Per BMP code unit: 0 not yet asked, 1 a letter or digit (`\p{L}`, `\p{N}`), 2 not. Filled as text is read. */
const bmpLetter = new Uint8Array(0x10000);
const LETTER_OR_DIGIT_RE = /^[\p{L}\p{N}]$/u;

function isLetterOrDigit(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || ((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a);
  if (cp >= 0x10000) return LETTER_OR_DIGIT_RE.test(String.fromCodePoint(cp));
  let known = bmpLetter[cp];
  if (known === 0) {
    known = LETTER_OR_DIGIT_RE.test(String.fromCharCode(cp)) ? 1 : 2;
    bmpLetter[cp] = known;
  }
  return known === 1;
}

/**
 * Letters that canonicalize to a space, not a letter (the Hangul fillers, `letterlike.ts`; U+037A, whose NFKC is
 * a space and a mark): they do not count toward a window's reach. Every other letter or digit gives at least one
 * (a unit test checks every code point).
 */
export const LETTERS_READ_AS_SPACES: ReadonlySet<number> = new Set([0x37a, 0x115f, 0x1160, 0x3164, 0xffa0]);

/** Whether the code point canonicalizes to at least one letter or digit (one that counts toward a reach). */
const countsAsLetter = (cp: number): boolean => isLetterOrDigit(cp) && !LETTERS_READ_AS_SPACES.has(cp);

/** The code point that ends at code unit `i` of `text` (exclusive). */
function codePointBefore(text: string, i: number): number {
  const c = text.charCodeAt(i - 1);
  if ((c & 0xfc00) === 0xdc00 && i >= 2) {
    const h = text.charCodeAt(i - 2);
    if ((h & 0xfc00) === 0xd800) return ((h - 0xd800) << 10) + (c - 0xdc00) + 0x10000;
  }
  return c;
}

/**
 * The runs of invisible characters between two letters or digits (what {@link HIDDEN_GAP_RE} finds), as `[start, end)`
 * spans of `raw`, in order. One native scan for the runs.
 */
export function invisibleGaps(raw: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = INVISIBLE_RUN_RE;
  re.lastIndex = 0;
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    const s = m.index;
    const e = s + m[0].length;
    if (s === 0 || e >= raw.length) continue;
    if (!isLetterOrDigit(codePointBefore(raw, s)) || !isLetterOrDigit(raw.codePointAt(e) as number)) continue;
    out.push([s, e]);
  }
  return out;
}

/** The symbols of `raw` that {@link hiddenGapWindowHits} reads as absent ({@link isInsertedSymbol}), as spans, in order. */
function insertedSymbols(raw: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = SYMBOL_RE;
  re.lastIndex = 0;
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    if (isInsertedSymbol(m[0])) out.push([m.index, m.index + m[0].length]);
  }
  re.lastIndex = 0;
  return out;
}

/**
 * The code units canonicalization reads as `<`, `>`, `-`, `!`, `"` and `'` (a unit test checks every code point): the
 * characters a tag or comment of the canonical text is made of, besides its name.
 */
export const TAG_CHARS: Readonly<
  Record<'open' | 'close' | 'dash' | 'bang' | 'quote' | 'apostrophe', string>
> = {
  open: '<\uFE64\uFF1C',
  close: '>\uFE65\uFF1E',
  dash: '-\u2824\uFE63\uFF0D',
  bang: '!\u203C\u2048\u2049\u2816\uFE15\uFE57\uFF01',
  quote: '"\u2836\uFF02',
  apostrophe: "'\u2804\uFF07",
};
const TAG_OPEN_RE = new RegExp(`[${TAG_CHARS.open}]`, 'g');
const isTagChar = (c: number, set: string): boolean =>
  c < 0x80 ? set.charCodeAt(0) === c : set.includes(String.fromCharCode(c));

/**
 * Where the markup that {@link renderMarkup} may read in the canonicalized text stands in `raw`: from each character
 * read as `<` to the next one read as `>` outside quotes (markup.ts's tags hold `>` in quoted attribute values), or
 * up to the next `<` (where a tag's scan stops); a comment (`<!--`) to the next `>` after two `-`. When nothing closes
 * a quote or a comment, to the first `>`. Every tag or comment of the canonical text lies inside one span, so its
 * window holds the whole tag (a comment may be long); a span wider than the tag only costs a wider window. Linear: a
 * scan stops at the next `<`, and a comment that does not close ends the search for closing ones.
 */
export function markupSpans(raw: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = raw.length;
  const re = TAG_OPEN_RE;
  re.lastIndex = 0;
  // Once a comment has no `-->` after it, no later one can close either (as in markup.ts).
  let commentsClose = true;
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    const i = m.index;
    const comment = commentsClose && isTagChar(raw.charCodeAt(i + 1), TAG_CHARS.bang);
    let dashes = 0;
    let quote = 0;
    let firstClose = -1;
    let end = -1;
    // A comment's `-->` starts after its `<!--` (`<!-->` does not close it).
    for (let j = comment ? Math.min(n, i + 4) : i + 1; j < n; j++) {
      const c = raw.charCodeAt(j);
      if (isTagChar(c, TAG_CHARS.close)) {
        if (firstClose < 0) firstClose = j + 1;
        if (comment ? dashes >= 2 : quote === 0) {
          end = j + 1;
          break;
        }
      }
      if (comment) {
        dashes = isTagChar(c, TAG_CHARS.dash) ? dashes + 1 : 0;
        continue;
      }
      if (isTagChar(c, TAG_CHARS.open)) {
        end = j;
        break;
      }
      const q = isTagChar(c, TAG_CHARS.quote) ? 1 : isTagChar(c, TAG_CHARS.apostrophe) ? 2 : 0;
      if (q !== 0) quote = quote === 0 ? q : quote === q ? 0 : quote;
    }
    if (end < 0) {
      if (comment) commentsClose = false;
      end = firstClose;
    }
    // Nothing read as `>` after this `<`: no tag opens here or later.
    if (end < 0) break;
    out.push([i, end]);
    re.lastIndex = end;
  }
  re.lastIndex = 0;
  return out;
}

/**
 * The character references of `raw` (`&` to the next `;` within 24 code units: `&#8203;`, `&ZeroWidthSpace;`), as
 * `[start, end)` in order: marks for the hidden-gap windows, since the markup reading renders a reference to an
 * invisible character as nothing (markup.ts). Linear: one pass for `&`, one for `;`.
 */
export function referenceSpans(raw: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  // The next `;` after the scan, found once: once none is found, none is later.
  let semi = -2;
  for (let i = raw.indexOf('&'); i >= 0; i = raw.indexOf('&', i + 1)) {
    if (semi !== -1 && semi < i + 2) semi = raw.indexOf(';', i + 2);
    if (semi < 0) break;
    if (semi - i <= 24) out.push([i, semi + 1]);
  }
  return out;
}

/** Spans in order of their start, from lists each in that order (they may overlap). */
function mergeSpans(
  ...lists: ReadonlyArray<ReadonlyArray<readonly [number, number]>>
): Array<readonly [number, number]> {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return [...(nonEmpty[0] ?? [])];
  const out: Array<readonly [number, number]> = [];
  const at = nonEmpty.map(() => 0);
  for (;;) {
    let pick = -1;
    for (let k = 0; k < nonEmpty.length; k++) {
      const span = (nonEmpty[k] as ReadonlyArray<readonly [number, number]>)[at[k] as number];
      if (span === undefined) continue;
      if (pick < 0) pick = k;
      else {
        const best = (nonEmpty[pick] as ReadonlyArray<readonly [number, number]>)[at[pick] as number];
        if (span[0] < (best as readonly [number, number])[0]) pick = k;
      }
    }
    if (pick < 0) return out;
    out.push(
      (nonEmpty[pick] as ReadonlyArray<readonly [number, number]>)[at[pick] as number] as readonly [
        number,
        number,
      ],
    );
    at[pick] = (at[pick] as number) + 1;
  }
}

/**
 * The spans of `raw` the hidden-gap reading reads again: around each mark (by default the invisible gaps,
 * {@link invisibleGaps}; an inserted symbol; a tag or comment, whole), `reach` letters or digits on each side (fewer
 * at the text's ends), with whatever stands between them (spaces, punctuation, marks, invisible characters: a
 * phrase's gaps may be long). A letter canonicalizes to at least one letter (Hangul jamo: three to one, hence the
 * caller's 3 × the longest phrase), so a phrase that uses the mark lies inside. Windows that meet are merged; a
 * window's right end is found by one forward scan that never goes back (a mark inside a window extends it by `reach`
 * letters from where it ended), and a left end never scans past the window before it: every code unit is read at
 * most twice.
 */
export function hiddenGapWindows(
  raw: string,
  reach: number,
  marks: ReadonlyArray<readonly [number, number]> = invisibleGaps(raw),
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [s, e] of marks) {
    const last = out[out.length - 1];
    let b: number;
    if (last !== undefined && s <= last[1]) {
      b = Math.max(last[1], e);
    } else {
      const floor = last === undefined ? 0 : last[1];
      let a = s;
      for (let n = 0; a > floor && n < reach; ) {
        const cp = codePointBefore(raw, a);
        a -= cp > 0xffff ? 2 : 1;
        if (countsAsLetter(cp)) n++;
      }
      b = e;
      if (last !== undefined && a <= last[1]) last[1] = b;
      else out.push([a, b]);
    }
    for (let n = 0; b < raw.length && n < reach; ) {
      const cp = raw.codePointAt(b) as number;
      b += cp > 0xffff ? 2 : 1;
      if (countsAsLetter(cp)) n++;
    }
    (out[out.length - 1] as [number, number])[1] = b;
  }
  return out;
}

/**
 * A hit as a table row when the same phrase, with the same field separator for every gap, was read as one
 * (`table`) in a view whose lines are known: views without line breaks (leet, despaced, decoded, accent-folded,
 * zero-width) cannot tell a row from a line of its own. Records `phrase separator` of `table` hits in `tables`. A
 * `joined` hit with other gaps (`m4ke/a/p1pe/b0mb` beside a table row) is not a row.
 */
function tableAware(hit: BlocklistHit, tables: Set<string>): BlocklistHit {
  if (hit.field === undefined) return hit;
  const key = `${hit.entry.phrase} ${hit.field}`;
  if (hit.reading === 'table') tables.add(key);
  else if (hit.reading === 'joined' && tables.has(key)) return { ...hit, reading: 'table', weak: true };
  return hit;
}

/**
 * Trust classes whose segments are read across their joins, in document order, as tier 1 joins them
 * (`joinedTexts`, lambdas/core/engine/evaluate.ts): text the user wrote (messages, blocks, stop sequences), and
 * external content (tool results and documents). Operator text and assistant turns are read across the joins of
 * adjacent text blocks of one content list only ({@link SPLIT_BLOCK_CLASSES}); tool calls are JSON fields, not text.
 */
const SPLIT_CLASSES: Readonly<Partial<Record<TrustBoundary, string>>> = {
  user: 'user',
  tool_result: 'external',
  document: 'external',
};

/** Trust classes read across the joins of adjacent text blocks of one content list only (one author's one text). */
const SPLIT_BLOCK_CLASSES: Readonly<Partial<Record<TrustBoundary, string>>> = {
  system: 'system',
  assistant: 'assistant',
};

/** The path of a text block: its content list and index (`messages[2].content[1].text`, `system[0].text`). */
const BLOCK_PATH_RE = /^(.*)\[(\d+)\]\.text$/;
/** The message a segment belongs to. */
const MESSAGE_PATH_RE = /^messages\[(\d+)\]/;

/** Whether `b` is the text block right after `a` in one content list: the two read as one text. */
function adjacentBlocks(a: Segment, b: Segment): boolean {
  const ma = BLOCK_PATH_RE.exec(a.path);
  const mb = ma === null ? null : BLOCK_PATH_RE.exec(b.path);
  return ma !== null && mb !== null && ma[1] === mb[1] && Number(mb[2]) === Number(ma[2]) + 1;
}

/** Whether two segments are parts of one message. */
function sameMessage(a: Segment, b: Segment): boolean {
  const ma = MESSAGE_PATH_RE.exec(a.path);
  return ma !== null && MESSAGE_PATH_RE.exec(b.path)?.[1] === ma[1];
}

const isWordUnit = (c: number): boolean => isLetterOrDigit(c) && !(c >= 0xd800 && c <= 0xdfff);

/** Offset in `text` right after its `count`-th letter or digit, or undefined when it has fewer. */
function afterLetters(text: string, count: number): number | undefined {
  for (let i = 0, n = 0; i < text.length; i++)
    if (isWordUnit(text.charCodeAt(i)) && ++n === count) return i + 1;
  return undefined;
}

/** Offset in `text` of its `count`-th letter or digit from the end, or undefined when it has fewer. */
function beforeLetters(text: string, count: number): number | undefined {
  for (let i = text.length - 1, n = 0; i >= 0; i--)
    if (isWordUnit(text.charCodeAt(i)) && ++n === count) return i;
  return undefined;
}

/** Index of the first element of the sorted `values` above `x` (`values.length` when none is). */
function firstAbove(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((values[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Texts of segments put together for the split reading, with where each segment starts and where they join. A join
 * reads as a space (so a sentence mark that ends one block and a word that opens the next stay a sentence boundary);
 * between two letters or digits it is marked as a space that may be none ({@link despacedJoins}' 3), so a word split
 * across two blocks (`pipe bo` + `mb`) is read whole.
 */
class SplitRun {
  private parts: string[] = [];
  private length = 0;
  private last = -1;
  /** Offsets of the joins' spaces that stand between two letters or digits. */
  private readonly glued: number[] = [];
  /** Where the next segment's text starts, per join. */
  private readonly joins: number[] = [];
  private readonly starts: number[] = [];
  private readonly segments: number[] = [];

  add(segment: number, text: string): void {
    this.starts.push(this.length);
    this.segments.push(segment);
    this.parts.push(text);
    this.length += text.length;
    this.last = text.charCodeAt(text.length - 1);
  }

  /** A join before the next {@link add}, whose text begins with code unit `next`. */
  join(next: number): void {
    if (isWordUnit(this.last) && isWordUnit(next)) this.glued.push(this.length);
    this.parts.push(' ');
    this.length++;
    this.joins.push(this.length);
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** Hits of the run that span a join, each with the segment it starts in; the run is emptied. */
  flush(blocklist: Blocklist, weak: boolean, out: Map<number, BlocklistHit[]>): void {
    if (this.joins.length > 0) {
      const text = this.parts.join('');
      // The despaced reading (and its marks) only where a join stands between two letters or digits.
      let despace: { joins: Uint8Array } | undefined;
      if (this.glued.length > 0) {
        despace = { joins: new Uint8Array(text.length + 1) };
        for (const p of this.glued) despace.joins[p] = 3;
      }
      for (const hit of blocklist.match(text, despace)) {
        // The first join after the hit's start, and the segment the hit starts in (the last start at or before it).
        const j = this.joins[firstAbove(this.joins, hit.start)];
        if (j === undefined || j >= hit.end) continue;
        const segment = this.segments[firstAbove(this.starts, hit.start) - 1] as number;
        const list = out.get(segment) ?? [];
        list.push({ ...hit, reading: 'split', ...(weak || hit.weak ? { weak: true } : {}) });
        out.set(segment, list);
      }
    }
    this.parts = [];
    this.length = 0;
    this.last = -1;
    this.glued.length = 0;
    this.joins.length = 0;
    this.starts.length = 0;
    this.segments.length = 0;
  }
}

/**
 * Payload splitting in tier 0: blocklist hits that span the join of two segments of one trust class
 * ({@link SPLIT_CLASSES}: `[{text: 'how to make a pipe'}, {text: 'bomb'}]`, a phrase over two user turns, over two
 * tool results; {@link SPLIT_BLOCK_CLASSES}: over two blocks of one system prompt), read in each segment's
 * canonical view, and, weak, across the join of a user text and a tool result or document next to it in one message.
 * Each segment takes part with its first and last `reach` letters or digits (whole when it has at most twice that):
 * a phrase that spans a join has fewer on either side of it; a run of short segments is read as one text, so a
 * phrase over many tiny blocks is found. Reported per segment where the hit starts, `via: split`, weak when the
 * reading it needed is (a sentence boundary at the join: `make a pipe.` + `Bomb squads …`) or the join crosses a
 * trust boundary. Linear: each code unit is read at most twice, and the texts read add up to at most twice the input.
 */
function splitHits(
  segments: readonly Segment[],
  normalized: readonly NormalizedSegment[],
  blocklist: Blocklist,
  reach: number,
): Map<number, BlocklistHit[]> {
  const out = new Map<number, BlocklistHit[]>();
  if (segments.length < 2) return out;
  const canonical = (i: number): string =>
    normalized[i]?.views[0]?.text ?? (segments[i] as Segment).text.toLowerCase();
  const long = (text: string): boolean => afterLetters(text, 2 * reach + 1) !== undefined;
  const head = (text: string, isLong = long(text)): string =>
    isLong ? text.slice(0, afterLetters(text, reach)) : text;
  const tail = (text: string, isLong = long(text)): string =>
    isLong ? text.slice(beforeLetters(text, reach)) : text;
  // Per class: the run being read and the segment last added to it.
  const runs = new Map<string, { run: SplitRun; previous: number }>();
  let before = -1;
  segments.forEach((segment, i) => {
    const text = canonical(i);
    if (text.length === 0) return;
    const isLong = long(text);
    const open = SPLIT_CLASSES[segment.trust];
    const blocks = SPLIT_BLOCK_CLASSES[segment.trust];
    const cls = open ?? blocks;
    // A user text next to a tool result or document of the same message: read across their join, weak.
    const prior = before < 0 ? undefined : segments[before];
    if (prior !== undefined && open !== undefined && SPLIT_CLASSES[prior.trust] !== undefined) {
      if (SPLIT_CLASSES[prior.trust] !== open && sameMessage(prior, segment)) {
        const pair = new SplitRun();
        pair.add(before, tail(canonical(before)));
        pair.join(text.charCodeAt(0));
        pair.add(i, head(text, isLong));
        pair.flush(blocklist, true, out);
      }
    }
    before = i;
    if (cls === undefined) return;
    let state = runs.get(cls);
    if (
      state !== undefined &&
      blocks !== undefined &&
      !adjacentBlocks(segments[state.previous] as Segment, segment)
    ) {
      state.run.flush(blocklist, false, out);
      state = undefined;
    }
    if (state === undefined) {
      state = { run: new SplitRun(), previous: i };
      runs.set(cls, state);
    } else {
      state.run.join(text.charCodeAt(0));
    }
    state.previous = i;
    if (!isLong) {
      state.run.add(i, text);
      return;
    }
    // A long segment ends the run with its head and starts the next one with its tail.
    state.run.add(i, head(text, true));
    state.run.flush(blocklist, false, out);
    state.run.add(i, tail(text, true));
  });
  for (const { run } of runs.values()) if (!run.empty) run.flush(blocklist, false, out);
  return out;
}

/**
 * Blocklist hits in the accent-folded reading of a view (`make a pipé bomb`, `máke a pipe bomb`, `how to make sarín`,
 * `pipe\u0301`): the phrases are plain ASCII, so a mark on one letter hid them. Only the hits the view itself
 * does not have are kept (`keepBest` keeps the view's on a tie), named `accents` unless a wider reading found them.
 * One NFD pass, gated by the blocklist's literal prefilter over the folded text.
 */
function foldedHits(text: string, blocklist: Blocklist, gates: LiteralGates): BlocklistHit[] {
  const folded = foldAccents(text);
  if (folded === text || !gates.evaluate(folded)[0]) return [];
  return blocklist
    .match(folded)
    .map((hit) => (hit.reading === undefined ? { ...hit, reading: 'accents' } : hit));
}

/** A letter or digit a hidden join may stand next to: ASCII alphanumerics and anything beyond ASCII but a space. */
const isJoinable = (c: number): boolean =>
  isAsciiDigit(c) || isAsciiLower(c) || (c > 0x7f && c !== 0xe000 && c !== 0xa0 && c !== 0x3000);

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
  return gatedPatternFindings(text, segment, detectors, gatesOf(detectors, patternCheck).evaluate(text), 0);
}

/**
 * {@link patternFindings} where `pass[offset + i]` says whether detector `i`'s regex can match (its
 * required literals occur in `text`); the regex runs only then.
 */
function gatedPatternFindings(
  text: string,
  segment: number,
  detectors: readonly PatternDetector[],
  pass: readonly boolean[],
  offset: number,
): Finding[] {
  const all: Array<Finding & { readonly span: readonly [number, number] }> = [];
  let digits: number | undefined;
  for (let i = 0; i < detectors.length; i++) {
    const d = detectors[i]!;
    if (!pass[offset + i]) continue;
    if (d.minDigits !== undefined) {
      digits ??= countDigits(text, mostDigits(detectors));
      if (digits < d.minDigits) continue;
    }
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

/** The regexes a rule needs to match: its anchor and every pattern that must follow it. */
function ruleRegexes(rule: HeuristicRule): readonly RegExp[] {
  return [rule.regex, ...(rule.followedBy?.patterns ?? [])];
}

/** The prefilter check of a heuristic rule: its anchor and every pattern that must follow it. */
function ruleCheck(rule: HeuristicRule): LiteralCheck {
  return regexCheck(ruleRegexes(rule));
}

/** The prefilter check of a pattern detector: its regex's literals, and a digit when it needs digits. */
function patternCheck(d: PatternDetector): LiteralCheck {
  const check = regexCheck([d.regex]);
  return d.minDigits !== undefined && d.minDigits > 0 ? [...check, DIGITS] : check;
}

/** The largest `minDigits` of a detector list, computed once per list (digits are counted up to it). */
const MOST_DIGITS = new WeakMap<readonly PatternDetector[], number>();

function mostDigits(detectors: readonly PatternDetector[]): number {
  let most = MOST_DIGITS.get(detectors);
  if (most === undefined) {
    most = 0;
    for (const d of detectors) most = Math.max(most, d.minDigits ?? 0);
    MOST_DIGITS.set(detectors, most);
  }
  return most;
}

/** Prefilters of the exported single-purpose runners, built once per rule or detector list. */
const GATES = new WeakMap<readonly unknown[], LiteralGates>();

function gatesOf<T>(items: readonly T[], check: (item: T) => LiteralCheck): LiteralGates {
  let g = GATES.get(items);
  if (!g) {
    g = LiteralGates.build(items.map(check));
    GATES.set(items, g);
  }
  return g;
}

/** Heuristics over one normalized (lowercase) view, first hit per rule; rule `i` runs only where `pass[offset + i]`. */
function gatedViewHeuristics(
  text: string,
  segment: number,
  rules: readonly HeuristicRule[],
  pass: readonly boolean[],
  offset: number,
): Finding[] {
  const out: Finding[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (pass[offset + i] && matchRule(rule, text)) out.push(ruleFinding(rule, segment));
  }
  return out;
}

/**
 * Heuristics over raw text (role markers, adversarial suffixes), spans in the raw text; rule `i` runs only where
 * `pass[offset + i]`. The suffix heuristic skips `decoded` spans (the normalizer's `encodedSpans`): encoded text is
 * judged by what it decodes to. When the normalizer read the text as words spelled backwards (`reversedWords`: it
 * made a `reverse-words` view), a token counts as machine-made only if it would read so in either direction (see
 * {@link gibberishSuffixScore}).
 */
function gatedRawHeuristics(
  text: string,
  segment: number,
  rules: readonly HeuristicRule[],
  pass: readonly boolean[],
  offset: number,
  decoded: readonly (readonly [number, number])[] = [],
  reversedWords = false,
): Finding[] {
  const out: Finding[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!pass[offset + i]) continue;
    const span = matchRule(rule, text);
    if (span) out.push(ruleFinding(rule, segment, span));
  }
  const gcg = gibberishSuffixScore(text, decoded, reversedWords);
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
