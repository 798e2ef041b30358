import type { NormalizationSignals, NormalizedSegment, Transform, View } from '../types';
import { decodeBase64Runs, decodeHexRuns, decodeUrlRuns, rot13, wantsRot13 } from './decode';
import { collapseSpacedLetters } from './despace';
import { foldHomoglyphs } from './homoglyph-fold';
import { decodeTagRuns, emptyInvisibleCounts, type InvisibleCounts, stripInvisible } from './invisible';
import { foldLeet } from './leet';
import { NON_ASCII_RUN_RE } from './patterns';
import { hasNonInert, hasNonPlain } from './plain';
import { collapseWhitespace, scanLower } from './scan';

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
   * @default 2
   */
  readonly maxDepth?: number;
}

/** Defaults for {@link NormalizeOptions}. */
export const NORMALIZE_DEFAULTS: Required<NormalizeOptions> = { maxViews: 8, maxExpansion: 4, maxDepth: 2 };

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
  'nfkc',
  'homoglyph',
  'lowercase',
];

interface Stages {
  /** Invisible-stripped and NFKC-normalized, case and spacing untouched (the decoders' input). */
  readonly nfkc: string;
  /** Folded and lowercased, whitespace not yet collapsed (the despacer's input). */
  readonly lower: string;
  readonly homoglyphs: number;
}

/**
 * Whether every code unit is ASCII: the UTF-8 length equals the UTF-16 length exactly then (anything
 * else, lone surrogates included, takes two or more bytes per unit). Native, far cheaper than a scan.
 */
const isAscii = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;

/**
 * NFKC applied only where it can change something: ASCII is invariant under NFKC and never composes
 * with what precedes it, so each cluster of non-ASCII characters (with the one ASCII character
 * before it, a possible base for a combining mark) is normalized on its own. Much faster than normalizing 1 MB of mostly
 * ASCII text, identical in result.
 */
export function nfkc(text: string): string {
  if (isAscii(text) || !hasNonInert(text)) return text;
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
  if (isAscii(text)) return { nfkc: text, lower: text.toLowerCase(), homoglyphs: 0 };
  // Only ASCII and plain characters (curly quotes, accents, CJK, emoji…): nothing to strip, NFKC-stable,
  // no confusable. Lowercasing may still produce something NFKC changes (İ → i + U+0307).
  if (!hasNonPlain(text)) {
    const lowered = text.toLowerCase();
    return { nfkc: text, lower: lowered === text ? lowered : nfkc(lowered), homoglyphs: 0 };
  }
  const normalized = nfkc(stripInvisible(text, counts));
  const folded = foldHomoglyphs(normalized);
  let lower = folded.text.toLowerCase();
  // Folding can put an ASCII letter before a combining mark that NFKC then composes (а + U+0301 → á):
  // normalize once more so that canonicalize() is idempotent.
  if (folded.folds > 0 || lower !== folded.text) lower = nfkc(lower);
  return { nfkc: normalized, lower, homoglyphs: folded.folds };
}

/**
 * The canonical view text of `text`: invisible characters removed, NFKC, confusables folded to Latin,
 * lowercased, whitespace runs collapsed to one space and trimmed. Idempotent. This is the text the
 * tier-1 classifier is trained on.
 */
export function canonicalize(text: string): string {
  return collapseWhitespace(canonicalStages(text, emptyInvisibleCounts()).lower);
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
  add(text: string, transforms: readonly Transform[], extra?: Pick<SmuggledView, 'decodedFrom'>): boolean {
    if (text.length === 0 || !this.fits(text.length)) return false;
    // At most `maxViews` (8) views: comparing is cheaper than hashing long texts into a Set.
    for (const v of this.views) if (v.text === text) return false;
    this.used += text.length;
    this.views.push({ segment: this.segment, text, transforms, ...extra });
    return true;
  }
}

type Decoder = 'base64' | 'hex' | 'url';

/** Decodes embedded encodings in `source`, returning one decoded text per decoder that found something. */
function decodeAll(source: string, budget: number): Array<{ via: Decoder; text: string }> {
  const found: Array<{ via: Decoder; text: string }> = [];
  const plainHex: string[] = [];
  const b64 = decodeBase64Runs(source, budget, plainHex);
  if (b64.length > 0) found.push({ via: 'base64', text: b64.join('\n') });
  const hex = decodeHexRuns(source, budget, plainHex);
  if (hex.length > 0) found.push({ via: 'hex', text: hex.join('\n') });
  const url = decodeUrlRuns(source);
  if (url !== undefined && url.length <= budget) found.push({ via: 'url', text: url });
  return found;
}

/** Adds decoded views (and, up to `depth`, views of encodings nested inside them). */
function addDecodedViews(set: ViewSet, source: string, via: readonly Transform[], depth: number): void {
  if (depth <= 0) return;
  for (const { via: step, text } of decodeAll(source, set.remaining)) {
    const chain = [...via, step];
    const canonical = canonicalize(text);
    if (set.add(canonical, [...chain, ...CANONICAL_TRANSFORMS])) set.decoded++;
    addDecodedViews(set, nfkc(text), chain, depth - 1);
  }
}

/**
 * Normalizes one segment into views, the canonical view first, followed (when they differ and fit
 * the bounds) by: the ASCII hidden in tag characters, leetspeak folding, spaced-out letters
 * collapsed (runs leet-folded too), URL/base64/hex decodings (recursively, up to `maxDepth`) and
 * rot13. Total view text is at most `maxExpansion` × the input length (the canonical view is
 * truncated if NFKC alone expands beyond it); views identical to an earlier one are dropped.
 * Linear in the input size; never throws.
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
  const stages = canonicalStages(text, counts);
  // One pass decides which of the steps below can change anything (for ordinary text: none of them).
  const scan = scanLower(stages.lower);
  const canonical = scan.collapse ? collapseWhitespace(stages.lower) : stages.lower;
  const set = new ViewSet(segment, Math.floor(text.length * maxExpansion), Math.max(1, maxViews));

  set.add(canonical.slice(0, set.remaining), CANONICAL_TRANSFORMS);
  if (counts.tags > 0) {
    const smuggled = canonicalize(decodeTagRuns(text));
    if (set.add(smuggled, CANONICAL_TRANSFORMS, { decodedFrom: 'tag-chars' })) set.decoded++;
  }
  // Without a leet symbol touching a letter the fold is the canonical text, which the set would drop.
  if (scan.leet) set.add(foldLeet(canonical), [...CANONICAL_TRANSFORMS, 'leet']);
  if (scan.spaced) {
    const despaced = collapseSpacedLetters(stages.lower);
    if (despaced.text !== stages.lower) {
      const transforms: Transform[] = [...CANONICAL_TRANSFORMS, 'despace'];
      if (despaced.leet) transforms.push('leet');
      set.add(collapseWhitespace(despaced.text), transforms);
    }
  }
  addDecodedViews(set, stages.nfkc, [], maxDepth);
  if (scan.rot13 ?? wantsRot13(canonical)) {
    if (set.add(rot13(canonical), [...CANONICAL_TRANSFORMS, 'rot13'])) set.decoded++;
  }

  const signals: NormalizationSignals = {
    zeroWidth: counts.zeroWidth,
    bidi: counts.bidi,
    tags: counts.tags,
    variationSelectors: counts.variationSelectors,
    homoglyphs: stages.homoglyphs,
    decodedViews: set.decoded,
  };
  return { views: set.views, signals };
}
