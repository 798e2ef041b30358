import type { NormalizationSignals, NormalizedSegment, Transform, View } from '../types';
import { isAsciiText } from '../util/ascii';
import { foldStrayAccents } from './accents';
import { decodeBase85Runs, decodeUuencode, MIN_BASE85_RUN, VISIBLE_ASCII } from './base85';
import { caesarReading, namesCaesar } from './caesar';
import { decodeBase64Words, decodeCharCodes } from './charcodes';
import {
  decodeBase64Runs,
  decodeHexRuns,
  decodeUrlRuns,
  layerReadsRotated,
  rot13,
  rot13Reading,
  wantsRot13,
} from './decode';
import { collapseSpacedLetters, joinSplitTokens, readSpacedWords } from './despace';
import { embeddedText } from './embedded';
import { dropGluedEmoji, mayHoldGluedEmoji } from './emoji';
import {
  type Decoded,
  decodeBase32Runs,
  decodeBinaryRuns,
  decodeHtmlEntities,
  decodeMorseRuns,
  decodeQuotedPrintable,
  decodeUnicodeEscapes,
  type Span,
} from './encodings';
import { foldHomoglyphs } from './homoglyph-fold';
import { decodeTagRuns, emptyInvisibleCounts, type InvisibleCounts, stripInvisible } from './invisible';
import { foldHeavyLeet, foldLeet } from './leet';
import { foldLetterlike } from './letterlike';
import { renderMarkup } from './markup';
import { decodeNatoRuns } from './nato';
import {
  COMBINING_MARK_RE,
  HEX_ESCAPED_RE,
  HEX_SPACED_RE,
  NON_ASCII_RUN_RE,
  REVERSED_HINT_RE,
  ROLE_MARKER_RE,
  ROLE_NAME_AT_RE,
  URL_RUN_RE,
} from './patterns';
import { readPigLatin } from './piglatin';
import { hasNonInert, hasNonPlain } from './plain';
import {
  atbashReading,
  quotedFragments,
  respaceMarks,
  reversedByWordList,
  reversedStretch,
  reverseEachWord,
  reverseText,
  rightSideUp,
  runTogether,
  splitCamelCase,
  visualOrder,
  wantsAtbash,
  wantsReverse,
  wordOrderReading,
} from './reorder';
import { collapseWhitespace, type LowerScan, lineBreakOffsets, scanLower } from './scan';
import { splitLongRuns } from './segment';
import { decodeInvisibleBits, decodeVariationSelectors, MIN_SMUGGLED_RUN } from './smuggle';
import { substitutionReading } from './substitution';
import { clipAdversarialSuffix } from './suffix';
import { blankSpans, contextEnd, contextStart, hasRun } from './text';

/** Bounds on the views produced for one segment. */
export interface NormalizeOptions {
  /**
   * Maximum number of views, the canonical one included.
   * @default 8
   */
  readonly maxViews?: number;
  /**
   * Maximum total view text, as a multiple of the input length (UTF-16 code units).
   * @default 4
   */
  readonly maxExpansion?: number;
  /**
   * How many layers of nested encodings are decoded (base64 inside base64 is depth 2).
   * @default 3
   */
  readonly maxDepth?: number;
}

/**
 * Defaults for {@link NormalizeOptions}. Ten views: the canonical one, up to three hidden-character
 * payloads or re-orderings, leet/despace, a three-deep decoding chain and the residual view fit
 * together; views are produced only on evidence, so ordinary text still has one.
 */
export const NORMALIZE_DEFAULTS: Required<NormalizeOptions> = { maxViews: 10, maxExpansion: 4, maxDepth: 3 };

/**
 * A view recovered from Unicode tag characters ("ASCII smuggling"). `View` has no transform for this,
 * so the view carries the canonical transforms plus this marker; it is still assignable to `View`.
 */
export interface SmuggledView extends View {
  readonly decodedFrom: 'tag-chars';
}

/** Transforms that produce the canonical view, in the order they are applied. */
export const CANONICAL_TRANSFORMS: readonly Transform[] = [
  'strip-invisible',
  'letterlike',
  'nfkc',
  'strip-marks',
  'homoglyph',
  'lowercase',
];

/** Canonical steps: reported in `signals.transforms` only when they changed something (counted). */
const CANONICAL_SET: ReadonlySet<Transform> = new Set(CANONICAL_TRANSFORMS);

interface Stages {
  /**
   * Invisible-stripped, letter-like symbols folded, NFKC-normalized and combining marks removed; case
   * and spacing untouched (the decoders' input).
   */
  readonly nfkc: string;
  /** Folded and lowercased, whitespace not yet collapsed (the despacer's input). */
  readonly lower: string;
  readonly homoglyphs: number;
  readonly letterlike: number;
  readonly marks: number;
  /** NFKC changed the text (fullwidth, mathematical, circled, superscript letters…). */
  readonly nfkcChanged?: boolean;
  /** Emoji glued inside words were dropped. */
  readonly emoji?: boolean;
}

/** Combining marks (at least one per five code units) that make text "zalgo" rather than accented. */
const MIN_ZALGO_MARKS = 4;

/** Removes combining marks (see {@link COMBINING_MARK_RE}), counting them. */
function stripMarks(text: string): { text: string; marks: number } {
  COMBINING_MARK_RE.lastIndex = 0;
  if (!COMBINING_MARK_RE.test(text)) return { text, marks: 0 };
  let marks = 0;
  const out = text.replace(COMBINING_MARK_RE, () => {
    marks++;
    return '';
  });
  return { text: out, marks };
}

/**
 * NFKC applied only where it can change something: ASCII is invariant under NFKC and never composes
 * with what precedes it, so each cluster of non-ASCII characters (with the one ASCII character
 * before it, a possible base for a combining mark) is normalized on its own. Much faster than normalizing 1 MB of mostly
 * ASCII text, identical in result.
 */
export function nfkc(text: string): string {
  if (isAsciiText(text) || !hasNonInert(text)) return text;
  const runs = NON_ASCII_RUN_RE;
  runs.lastIndex = 0;
  const parts: string[] = [];
  let last = 0;
  for (let m = runs.exec(text); m !== null; m = runs.exec(text)) {
    // Clusters start and end with non-ASCII and are maximal, so the character before one is ASCII:
    // a starter that may take its marks. The character after one is ASCII too, which never composes
    // with what precedes it.
    const start = Math.max(last, m.index - 1);
    const end = m.index + m[0].length;
    parts.push(text.slice(last, start), text.slice(start, end).normalize('NFKC'));
    last = end;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/**
 * Runs the canonical pipeline up to lowercasing, keeping the intermediate stages other views start
 * from. ASCII text skips straight to lowercasing: it holds no invisible characters, is NFKC-invariant
 * and has no confusables (every one of them is non-ASCII).
 */
function canonicalStages(text: string, counts: InvisibleCounts): Stages {
  if (isAsciiText(text))
    return { nfkc: text, lower: text.toLowerCase(), homoglyphs: 0, letterlike: 0, marks: 0 };
  // Emoji injected inside words (`b🔥o🔥m🔥b`) are dropped first, like invisible characters: a model
  // reads through them, and left in they make every word a string of one-letter pieces (emoji.ts).
  const unglued = mayHoldGluedEmoji(text) ? dropGluedEmoji(text) : undefined;
  if (unglued !== undefined) return { ...canonicalStages(unglued, counts), emoji: true };
  // Only ASCII and plain characters (curly quotes, accents, CJK, emoji…): nothing to strip, NFKC-stable,
  // no confusable. Lowercasing may still produce something NFKC changes (İ → i + U+0307).
  if (!hasNonPlain(text)) {
    const lowered = text.toLowerCase();
    const lower = lowered === text ? lowered : stripMarks(nfkc(lowered)).text;
    return { nfkc: text, lower, homoglyphs: 0, letterlike: 0, marks: 0 };
  }
  const visible = stripInvisible(text, counts);
  // Letter-like symbols are folded before NFKC (which would turn ⒜ into "(a)") and again after it
  // (NFKC can produce one: superscript ᶦ → ɪ).
  const lettered = foldLetterlike(visible);
  // Dense combining marks ("zalgo": several per letter) are removed before NFKC, which would otherwise
  // compose some of them into accented letters (o + U+0301 → ó). Ordinary accented text keeps its
  // accents: its marks are few and mostly precomposed already.
  const premarked = stripMarks(lettered.text);
  const zalgo = premarked.marks >= MIN_ZALGO_MARKS && premarked.marks * 5 >= lettered.text.length;
  const before = zalgo ? { text: premarked.text, folds: lettered.folds } : lettered;
  const composed = nfkc(before.text);
  const changed = composed !== before.text;
  const after = changed ? foldLetterlike(composed) : { text: composed, folds: 0 };
  const unmarked = stripMarks(after.text);
  const normalized = unmarked.text;
  const folded = foldHomoglyphs(normalized);
  let lower = folded.text.toLowerCase();
  // Folding can put an ASCII letter before a combining mark that NFKC then composes (а + U+0301 → á):
  // normalize once more so that canonicalize() is idempotent.
  if (folded.folds > 0 || lower !== folded.text) lower = stripMarks(nfkc(lower)).text;
  return {
    nfkc: normalized,
    lower,
    homoglyphs: folded.folds,
    letterlike: before.folds + after.folds,
    marks: unmarked.marks + (zalgo ? premarked.marks : 0),
    nfkcChanged: changed,
  };
}

/**
 * The canonical view text of `text`: invisible characters removed, NFKC, confusables folded to Latin,
 * lowercased, whitespace runs collapsed to one space and trimmed. Idempotent. This is the text the
 * tier-1 classifier is trained on.
 */
export function canonicalize(text: string): string {
  return collapseWhitespace(canonicalStages(text, emptyInvisibleCounts()).lower);
}

/** `{ breaks }` for a view, the offsets past its text dropped; undefined when none is left. */
function breaksWithin(breaks: number[] | undefined, text: string): Pick<View, 'breaks'> | undefined {
  if (breaks === undefined) return undefined;
  let n = breaks.length;
  while (n > 0 && (breaks[n - 1] as number) >= text.length) n--;
  return n === 0 ? undefined : { breaks: n === breaks.length ? breaks : breaks.slice(0, n) };
}

/**
 * The view's text with its line breaks back (`\n` at each offset of `view.breaks`; same length): what
 * tier 1 reads, so that sentence windows end at paragraph and line ends too. The view itself when it
 * has none.
 */
export function linedText(view: Pick<View, 'text' | 'breaks'>): string {
  const breaks = view.breaks;
  if (breaks === undefined || breaks.length === 0) return view.text;
  const text = view.text;
  const parts: string[] = [];
  let last = 0;
  for (const at of breaks) {
    if (at < last || at >= text.length) continue;
    parts.push(text.slice(last, at), '\n');
    last = at + 1;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** Accumulates views under the count, size and uniqueness bounds. */
class ViewSet {
  readonly views: View[] = [];
  private used = 0;
  decoded = 0;

  constructor(
    private readonly segment: number,
    private readonly budget: number,
    private readonly maxViews: number,
  ) {}

  /** Whether another view of `size` characters would still fit. */
  fits(size: number): boolean {
    return this.views.length < this.maxViews && this.used + size <= this.budget;
  }

  get remaining(): number {
    return Math.max(0, this.budget - this.used);
  }

  /** Adds a view unless it is empty, a duplicate or over a bound. Returns whether it was added. */
  add(
    text: string,
    transforms: readonly Transform[],
    extra?: Pick<SmuggledView, 'decodedFrom'> | Pick<View, 'breaks'> | Pick<View, 'whole'>,
  ): boolean {
    // The canonical view always comes first, even when empty (text made only of invisible characters).
    if ((text.length === 0 && this.views.length > 0) || !this.fits(text.length)) return false;
    // At most `maxViews` (8) views: comparing is cheaper than hashing long texts into a Set.
    for (const v of this.views) if (v.text === text) return false;
    this.used += text.length;
    this.views.push({ segment: this.segment, text, transforms, ...extra });
    return true;
  }
}

type Decoder =
  | 'base64'
  | 'hex'
  | 'url'
  | 'base32'
  | 'binary'
  | 'morse'
  | 'html'
  | 'quoted-printable'
  | 'unicode-escape'
  | 'base85'
  | 'uuencode'
  | 'char-codes'
  | 'base64-words'
  | 'nato';

/** What the lowercase scan of the decoders' input tells them (when it read that very text). */
type DecoderGates = Pick<LowerScan, 'longestToken' | 'digit' | 'dotDash'>;

/** A decoder's result when it was not run: nothing found. */
const NOTHING: Decoded = { pieces: [], spans: [] };

/** One decoder's output on a source text: the decoded text and the spans of the source it explained. */
interface DecodedText {
  readonly via: Decoder;
  readonly text: string;
  readonly spans: readonly Span[];
}

/** Spans of every match of a global regex. */
function matchSpans(re: RegExp, text: string): Span[] {
  const spans: Span[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/**
 * Decodes embedded encodings in `source`, returning one decoded text per decoder that found something.
 * `withSpans` also collects the spans each decoder explained (for the residual view; top level only).
 */
function decodeAll(
  source: string,
  budget: number,
  withSpans: boolean,
  nato: boolean,
  scan?: DecoderGates,
): DecodedText[] {
  const found: DecodedText[] = [];
  const plainHex: string[] = [];
  // Base64 (and plain hex), base32 and base85 runs are all runs of visible ASCII at least this long:
  // the scan's longest token, or one jump scan, rules all three out for prose, whose words are shorter.
  const long = scan ? scan.longestToken >= MIN_BASE85_RUN : hasRun(source, MIN_BASE85_RUN, VISIBLE_ASCII);
  // Separated and `0x` hex, base32 (`2`–`7`) and binary all need a digit; `\x` escapes may not.
  const digit = scan ? scan.digit : true;
  // Morse needs two of `.` and `-` in a row (the decoder checks the same, with four string searches).
  const dotDash = scan ? scan.dotDash : true;
  const b64 = long ? decodeBase64Runs(source, budget, plainHex) : [];
  // base64 / plain-hex blobs are masked by the classifier's own feature masks: no spans needed.
  if (b64.length > 0) found.push({ via: 'base64', text: b64.join('\n'), spans: [] });
  const hex =
    digit || plainHex.length > 0 || source.includes('\\x') ? decodeHexRuns(source, budget, plainHex) : [];
  if (hex.length > 0) {
    const spans = withSpans
      ? [...matchSpans(HEX_ESCAPED_RE, source), ...matchSpans(HEX_SPACED_RE, source)]
      : [];
    found.push({ via: 'hex', text: hex.join('\n'), spans });
  }
  const url = decodeUrlRuns(source);
  if (url !== undefined && url.length <= budget)
    found.push({ via: 'url', text: url, spans: withSpans ? matchSpans(URL_RUN_RE, source) : [] });
  const more: Array<readonly [Decoder, Decoded]> = [
    ['base32', long && digit ? decodeBase32Runs(source, budget) : NOTHING],
    ['binary', digit ? decodeBinaryRuns(source, budget) : NOTHING],
    ['morse', dotDash ? decodeMorseRuns(source, budget) : NOTHING],
    ['html', decodeHtmlEntities(source)],
    ['quoted-printable', decodeQuotedPrintable(source)],
    ['unicode-escape', decodeUnicodeEscapes(source)],
    ['base85', long ? decodeBase85Runs(source, budget) : NOTHING],
    ['uuencode', decodeUuencode(source, budget)],
    ['char-codes', decodeCharCodes(source, budget, digit)],
    ['base64-words', source.length <= budget ? decodeBase64Words(source) : NOTHING],
  ];
  if (nato) more.push(['nato', decodeNatoRuns(source, budget)]);
  for (const [via, d] of more) {
    const text = d.pieces.join('\n');
    if (text.length > 0 && text.length <= budget) found.push({ via, text, spans: d.spans });
  }
  return found;
}

/**
 * Whether the text around the encoded runs says to read them backwards: looked for once, and only when
 * something was decoded. An object rather than a closure: a closure made per segment costs a property
 * definition per call where functions keep their names (`tsx`, which runs the local runtime and the benches).
 */
class ReverseHint {
  private found: boolean | undefined;

  constructor(private readonly lower: string) {}

  get present(): boolean {
    if (this.found === undefined) {
      REVERSED_HINT_RE.lastIndex = 0;
      this.found = REVERSED_HINT_RE.test(this.lower);
    }
    return this.found;
  }
}

/** Transforms that, applied to a decoded text, may reveal a further layer without a decoder's marker. */
function addReadings(
  set: ViewSet,
  canonical: string,
  chain: readonly Transform[],
  reverseHint?: ReverseHint,
): void {
  // A decoded layer may itself be leetspeak (base32(base64(leet(x)))): fold it like top-level text.
  const leet = foldLeet(canonical);
  if (leet !== canonical) set.add(leet, [...chain, ...CANONICAL_TRANSFORMS, 'leet']);
  if (
    (wantsRot13(canonical) || layerReadsRotated(canonical)) &&
    set.add(rot13(canonical), [...chain, ...CANONICAL_TRANSFORMS, 'rot13'])
  )
    set.decoded++;
  // "Read it backwards" in the text around an encoded run is the hint for the decoded layer too.
  const reverse =
    wantsReverse(canonical) || (reverseHint?.present === true && wantsReverse(`reversed ${canonical}`));
  if (reverse && set.add(reverseText(canonical), [...chain, ...CANONICAL_TRANSFORMS, 'reverse']))
    set.decoded++;
}

/**
 * Adds decoded views (and, up to `depth`, views of encodings nested inside them). Every decoded text
 * is also checked for rot13 / reversed writing, so stacks such as base64(rot13(x)) are read too.
 * @returns the spans of `source` explained by the first layer (collected when `withSpans`).
 */
function addDecodedViews(
  set: ViewSet,
  source: string,
  via: readonly Transform[],
  depth: number,
  withSpans = false,
  nato = true,
  reverseHint?: ReverseHint,
  scan?: DecoderGates,
): Span[] {
  const spans: Span[] = [];
  if (depth <= 0) return spans;
  for (const { via: step, text, spans: explained } of decodeAll(
    source,
    set.remaining,
    withSpans,
    nato,
    scan,
  )) {
    const chain = [...via, step];
    const canonical = canonicalize(text);
    if (set.add(canonical, [...chain, ...CANONICAL_TRANSFORMS])) set.decoded++;
    for (const s of explained) spans.push(s);
    addReadings(set, canonical, chain, reverseHint);
    addDecodedViews(
      set,
      canonicalStages(text, emptyInvisibleCounts()).nfkc,
      chain,
      depth - 1,
      false,
      true,
      reverseHint,
    );
  }
  return spans;
}

/** A payload recovered from hidden characters or a re-ordering, as a view with its readings. */
function addHiddenView(
  set: ViewSet,
  payload: string,
  transform: Transform,
  extra?: Pick<SmuggledView, 'decodedFrom'>,
): void {
  if (payload.length === 0) return;
  const view = canonicalize(payload);
  if (set.add(view, [transform, ...CANONICAL_TRANSFORMS], extra)) set.decoded++;
  addReadings(set, view, [transform]);
}

/** Spaces in `text` (one native search per space). */
function spacesIn(text: string): number {
  let n = 0;
  for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) n++;
  return n;
}

/**
 * The camelCase split view, and its leetspeak reading when the split at least doubled the word gaps of
 * the canonical view (the words were mostly run together) and a leet symbol touches a letter in it
 * (`writ3Ransomwar3` → `writ3 ransomwar3` → `write ransomware`): the leet view of the whole text sees such
 * words still run together, too long to be read as disguised words. Where words are mostly apart, that
 * leet view reads them already, and the budget is kept for the views after this one.
 */
function addCamelViews(set: ViewSet, split: string, canonical: string): void {
  if (!set.add(split, ['camel-case', ...CANONICAL_TRANSFORMS])) return;
  if (spacesIn(split) < 2 * (spacesIn(canonical) + 1) || !scanLower(split).leet) return;
  set.add(foldLeet(split), ['camel-case', ...CANONICAL_TRANSFORMS, 'leet']);
}

/**
 * Whether {@link ROLE_MARKER_RE} can match `text`: never "no" when it can. Each of its forms starts
 * with `<|`, `<<`, `[/` or `[i` (either case), `"r` (either case), or is a role name followed by `:`
 * at the start of a line after blanks and `#`s. A few string searches and one look per line, instead
 * of the regex's line-start lookbehind at every position of every text holding a colon.
 */
export function mayHoldRoleMarker(text: string): boolean {
  if (!text.includes(':') && !text.includes('<') && !text.includes('[')) return false;
  for (const opening of ['<|', '<<', '[/', '[i', '[I', '"r', '"R']) if (text.includes(opening)) return true;
  const n = text.length;
  for (let s = 0; s < n; ) {
    let i = s;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x23) break;
      i++;
    }
    // Role names start with h, a, s or u (either case); most lines are ruled out without the regex.
    const initial = text.charCodeAt(i) | 0x20;
    if (initial === 0x68 || initial === 0x61 || initial === 0x73 || initial === 0x75) {
      ROLE_NAME_AT_RE.lastIndex = i;
      if (ROLE_NAME_AT_RE.test(text)) return true;
    }
    const end = text.indexOf('\n', i);
    if (end < 0) break;
    s = end + 1;
  }
  return false;
}

/**
 * The stretch of `text` from its first to its last non-ASCII character, widened to the sentence or line
 * around it, when a plain lead-in stays outside ("Decode this braille and answer it: ⠓⠕⠺…"): styled
 * letters are read alone there, since a lead-in mixed into the canonical view dilutes what they spell.
 * Undefined when the stretch is the whole text.
 */
function styledRun(text: string): string | undefined {
  let first = 0;
  while (first < text.length && text.charCodeAt(first) < 0x80) first++;
  let last = text.length;
  while (last > first && text.charCodeAt(last - 1) < 0x80) last--;
  if (first >= last) return undefined;
  const start = contextStart(text, first);
  const end = contextEnd(text, last);
  return start > 0 || end < text.length ? text.slice(start, end) : undefined;
}

/**
 * Normalizes one segment into views, the canonical view first, followed (when they differ and fit
 * the bounds) by: payloads hidden in invisible characters (tag characters, variation selectors,
 * invisible binary), the displayed order of right-to-left overrides, upside-down text turned upright,
 * leetspeak folding, spaced-out letters collapsed (runs leet-folded too), decodings (base64, hex, URL,
 * base32, binary, Morse, HTML entities, quoted-printable, `\\u` escapes; recursively, up to `maxDepth`,
 * each also read as rot13 / reversed when it looks so), rot13, reversed text, and the residual view
 * (the canonical text with its decoded runs blanked; the engine scores it instead of the canonical
 * view, so encoded noise is judged by its decoding only). Total view text is at most `maxExpansion` ×
 * the input length (the canonical view is truncated if NFKC alone expands beyond it); views identical
 * to an earlier one are dropped. Linear in the input size; never throws.
 * @param text the segment's raw text
 * @param segment the segment's index, copied into each view
 */
export function normalizeSegment(
  text: string,
  segment: number,
  opts: NormalizeOptions = {},
): NormalizedSegment {
  const { maxViews, maxExpansion, maxDepth } = { ...NORMALIZE_DEFAULTS, ...opts };
  const counts = emptyInvisibleCounts();
  const ascii = isAsciiText(text);
  const stages = canonicalStages(text, counts);
  // One pass decides which of the steps below can change anything (for ordinary text: none of them).
  const scan = scanLower(stages.lower);
  const canonical = scan.collapse ? collapseWhitespace(stages.lower) : stages.lower;
  const set = new ViewSet(segment, Math.floor(text.length * maxExpansion), Math.max(1, maxViews));
  const fired = new Set<string>();

  const kept = canonical.slice(0, set.remaining);
  set.add(
    kept,
    CANONICAL_TRANSFORMS,
    breaksWithin(scan.collapse ? lineBreakOffsets(stages.lower) : undefined, kept),
  );
  if (counts.tags > 0) addHiddenView(set, decodeTagRuns(text), 'tags', { decodedFrom: 'tag-chars' });
  if (counts.variationSelectors >= MIN_SMUGGLED_RUN)
    addHiddenView(set, decodeVariationSelectors(text), 'variation-selectors');
  if (counts.zeroWidth >= MIN_SMUGGLED_RUN) addHiddenView(set, decodeInvisibleBits(text), 'invisible-bits');
  if (counts.bidi > 0) addHiddenView(set, visualOrder(text) ?? '', 'bidi-visual');
  if (!ascii) addHiddenView(set, rightSideUp(text) ?? '', 'upside-down');
  // NATO spelling is looked for only when the scan counted enough code words (nested layers: always).
  if (stages.letterlike > 0 || stages.nfkcChanged) {
    const run = styledRun(text);
    if (run !== undefined) set.add(canonicalize(run), [...CANONICAL_TRANSFORMS, 'styled-run']);
  }
  // Asked only when something was decoded (one regex scan over the text, then remembered).
  const reverseHint = new ReverseHint(stages.lower);
  // The scan read `stages.lower`; for ASCII text that is `text` lowercased, unit for unit, so its tokens
  // and digits are those of the decoders' input.
  const explained = addDecodedViews(
    set,
    stages.nfkc,
    [],
    maxDepth,
    true,
    scan.nato,
    reverseHint,
    ascii ? scan : undefined,
  );
  // Spans of the raw text the decoders explained (when canonicalization kept the offsets): heuristics
  // that read raw text judge what is left, not the encoded noise.
  const encodedSpans = explained.length > 0 && stages.nfkc === text ? [...explained] : undefined;
  // Role markers are markup, not content: blanked in the residual view too (the raw-text role-spoof
  // heuristic still records them).
  if (mayHoldRoleMarker(stages.nfkc)) {
    for (const span of matchSpans(ROLE_MARKER_RE, stages.nfkc)) explained.push(span);
  }
  // With encoded runs decoded, the rest of the text (the runs blanked) is what leet, despace, rot13 and
  // reversed readings start from, and what the engine scores instead of the canonical view.
  let base = { lower: stages.lower, canonical, scan };
  // The decoders' input with the runs they explained blanked: camelCase is looked for here, so that
  // entity or escape noise (`&NewLine;`, `%4D`) never becomes a "split words" view of its own.
  const residualNfkc = explained.length > 0 ? blankSpans(stages.nfkc, explained) : stages.nfkc;
  if (explained.length > 0) {
    const lower = canonicalStages(residualNfkc, emptyInvisibleCounts()).lower;
    const baseScan = scanLower(lower);
    const residual = collapseWhitespace(lower);
    if (residual !== canonical) {
      set.add(
        residual.length > 0 ? residual : ' ',
        [...CANONICAL_TRANSFORMS, 'residual'],
        breaksWithin(lineBreakOffsets(lower), residual),
      );
      base = { lower, canonical: residual, scan: baseScan };
    }
  }
  // English written with stray accents (`hów cán i máke…`): its accent-folded reading is a view, and the readings
  // below (leet, despace, rot13…) start from it. Foreign sentences stay as written (accents.ts).
  if (!ascii) {
    const folded = foldStrayAccents(base.lower);
    if (folded !== undefined) {
      const view = collapseWhitespace(folded);
      set.add(view, [...CANONICAL_TRANSFORMS, 'accents'], breaksWithin(lineBreakOffsets(folded), view));
      base = { lower: folded, canonical: view, scan: scanLower(folded) };
    }
  }
  const camel = splitCamelCase(residualNfkc);
  // Words run together throughout: the split view is the reading, made before the others can spend its budget.
  const camelFirst = camel !== undefined && runTogether(residualNfkc);
  if (camelFirst) addCamelViews(set, canonicalize(respaceMarks(camel)), base.canonical);
  // Without a leet symbol touching a letter the fold is the text itself, which the set would drop.
  if (base.scan.leet) {
    // The fold maps each code unit to one: the text it starts from keeps its line breaks at the same offsets.
    const folded = foldLeet(base.canonical);
    set.add(
      folded,
      [...CANONICAL_TRANSFORMS, 'leet'],
      base.scan.collapse ? breaksWithin(lineBreakOffsets(base.lower), folded) : undefined,
    );
  }
  if (base.scan.spaced) {
    // Fully spaced-out text (punctuation too) is read back first; the letter despacer then takes what is left.
    const words = readSpacedWords(base.lower);
    const despaced = collapseSpacedLetters(words?.text ?? base.lower);
    if (despaced.text !== base.lower) {
      const transforms: Transform[] = [...CANONICAL_TRANSFORMS, 'despace'];
      if (despaced.leet || words?.leet) transforms.push('leet');
      // Letters spaced out with no wider gap between words come back as one run: split into words.
      const view = splitLongRuns(collapseWhitespace(despaced.text), base.lower);
      set.add(view, transforms);
      // Spaced-out letters carry their accents into the words they spell (`h ó w` → `hów`): read those words folded too.
      const folded = ascii ? undefined : foldStrayAccents(view);
      if (folded !== undefined) set.add(folded, [...transforms, 'accents']);
    }
    // Words left unfolded as mostly symbols (`570r3`, `70`) may be heavy leetspeak: the letter despacer's
    // reading of the whole text folds every run, as it did before the spaced-word reading existed.
    if (words?.heldBack === true) {
      const letters = collapseSpacedLetters(base.lower);
      if (letters.text !== base.lower) {
        const transforms: Transform[] = [...CANONICAL_TRANSFORMS, 'despace'];
        if (letters.leet) transforms.push('leet');
        set.add(collapseWhitespace(letters.text), transforms);
      }
    }
  }
  const pig = base.scan.pigLatin ? readPigLatin(base.canonical) : undefined;
  if (pig !== undefined)
    set.add(pig.text, [...CANONICAL_TRANSFORMS, 'pig-latin'], pig.whole ? { whole: true } : undefined);
  if (base.scan.rot13 ?? wantsRot13(base.canonical)) {
    const reading = rot13Reading(base.canonical);
    if (reading !== undefined && set.add(reading, [...CANONICAL_TRANSFORMS, 'rot13'])) set.decoded++;
  }
  // A substitution cipher with its key table in the text (bijection learning): the coded lines read back.
  const substituted = substitutionReading(base.lower);
  if (
    substituted !== undefined &&
    set.add(collapseWhitespace(substituted), [...CANONICAL_TRANSFORMS, 'substitution'])
  )
    set.decoded++;
  // Words in reverse order, where the text says so: the last line turned round word by word.
  const wordOrder = base.scan.orderWord ? wordOrderReading(base.lower) : undefined;
  if (wordOrder !== undefined && set.add(wordOrder, [...CANONICAL_TRANSFORMS, 'reverse-order']))
    set.decoded++;
  // Other Caesar shifts, only where the text names the cipher (the word table is not built otherwise).
  if (base.scan.cipherName && namesCaesar(base.canonical)) {
    const reading = caesarReading(base.canonical);
    if (reading !== undefined && set.add(reading, [...CANONICAL_TRANSFORMS, 'caesar'])) set.decoded++;
  }
  if (base.scan.reversedWord && wantsReverse(base.canonical)) {
    // Behind a long plain-English lead-in (FlipAttack's rules), only the stretch of words that read only backwards;
    // then less a plain lead-in or tail by clause (cipherStretch: `read this backwards:`).
    const reversed = reversedStretch(reversedByWordList(base.canonical) ?? base.canonical);
    if (set.add(reverseText(reversed), [...CANONICAL_TRANSFORMS, 'reverse'])) set.decoded++;
    // Words spelled backwards in place ("woh nac i"): each word turned round, their order kept.
    if (set.add(reverseEachWord(reversed), [...CANONICAL_TRANSFORMS, 'reverse-words'])) set.decoded++;
  }

  if (
    base.scan.atbashWord &&
    wantsAtbash(base.canonical) &&
    set.add(atbashReading(base.canonical), [...CANONICAL_TRANSFORMS, 'atbash'])
  )
    set.decoded++;
  if (camel !== undefined && !camelFirst) addCamelViews(set, canonicalize(camel), base.canonical);
  // Heavy leetspeak and rejoined word pieces come after the decoders gated by a character signal: they
  // are read from symbol-dense text (code, tables, markup) too, and the expansion budget they would
  // spend there is what an Atbash or camelCase reading needs.
  // Heavy leetspeak may keep no letter at all (`|-|()\/\/` → how): dense multi-symbol letters gate it too.
  // `heavyLeetPossible` is the scan's sound "no" for foldHeavyLeet; nothing narrower may stand in front of it.
  const heavy = base.scan.heavyLeetPossible ? foldHeavyLeet(base.canonical) : undefined;
  if (heavy !== undefined) set.add(heavy, [...CANONICAL_TRANSFORMS, 'leet']);
  const joined = base.scan.splitTokens ? joinSplitTokens(base.canonical) : undefined;
  if (joined !== undefined) set.add(joined, [...CANONICAL_TRANSFORMS, 'token-join']);
  // A request with an optimiser's suffix glued on (GCG: `… heroin which sorry bere---- ??legt !! …]$.`) read without it.
  const clipped = clipAdversarialSuffix(residualNfkc);
  if (clipped !== undefined) set.add(canonicalize(clipped), [...CANONICAL_TRANSFORMS, 'clip-suffix']);
  const fragments = quotedFragments(stages.nfkc);
  if (fragments !== undefined) set.add(canonicalize(fragments), ['fragments', ...CANONICAL_TRANSFORMS]);
  // String values and comments, each read as if it stood alone (a request hidden in a JSON field); last,
  // so that a view spelling the same text under another transform keeps its name.
  const embedded = embeddedText(stages.nfkc);
  if (embedded !== undefined) {
    const lower = canonicalStages(embedded, emptyInvisibleCounts()).lower;
    const view = collapseWhitespace(lower);
    set.add(view, [...CANONICAL_TRANSFORMS, 'embedded'], breaksWithin(lineBreakOffsets(lower), view));
  }
  // HTML and XML markup rendered (tags and comments gone: `pi<span>pe</span>` reads pipe), and its leet reading:
  // the leet view of the text with its tags reads the tag names as words between the words. Last, so that on
  // markup-heavy text (pages, code) it spends only the budget the other readings left: tier 0 reads the markup
  // with joins from the raw text whether or not the view fits.
  const rendered = renderMarkup(base.canonical);
  if (rendered !== undefined) {
    const markup = collapseWhitespace(rendered);
    if (set.add(markup, [...CANONICAL_TRANSFORMS, 'markup']) && scanLower(markup).leet)
      set.add(foldLeet(markup), [...CANONICAL_TRANSFORMS, 'markup', 'leet']);
  }

  if (counts.zeroWidth + counts.bidi + counts.tags + counts.variationSelectors > 0)
    fired.add('strip-invisible');
  if (stages.letterlike > 0) fired.add('letterlike');
  if (stages.nfkcChanged) fired.add('nfkc');
  if (stages.emoji) fired.add('emoji');
  if (stages.marks > 0) fired.add('strip-marks');
  if (stages.homoglyphs > 0) fired.add('homoglyph');
  for (const v of set.views.slice(1)) for (const t of v.transforms) if (!CANONICAL_SET.has(t)) fired.add(t);

  const signals: NormalizationSignals = {
    zeroWidth: counts.zeroWidth,
    bidi: counts.bidi,
    tags: counts.tags,
    variationSelectors: counts.variationSelectors,
    homoglyphs: stages.homoglyphs,
    letterlike: stages.letterlike,
    combiningMarks: stages.marks,
    decodedViews: set.decoded,
    transforms: [...fired].sort(),
  };
  return encodedSpans ? { views: set.views, signals, encodedSpans } : { views: set.views, signals };
}
