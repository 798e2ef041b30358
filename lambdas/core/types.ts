/**
 * Shared vocabulary of the safeguards engine. Pure types: no AWS, no I/O.
 *
 * Data flow: raw body → `ParsedRequest` (segments labelled by trust boundary) → `normalize()` gives
 * `View`s per segment → detectors (tier 0), classifier (tier 1), remote classifier (tier 2) produce
 * `Finding`s → the policy turns category scores into `CheckResult`s and one final `Action` →
 * a `DecisionRecord` (see docs/decision-record.md).
 */

/** Categories the detectors know. A policy configures a subset of them. */
export const CATEGORIES = ['harmful', 'jailbreak', 'injection', 'pii', 'secrets', 'blocklist'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Categories whose detection counts as "detected" in evaluation (model-safety categories). */
export const SAFETY_CATEGORIES = ['harmful', 'jailbreak', 'injection'] as const satisfies readonly Category[];

/** Where a piece of text came from: the trust boundary it crossed. */
export type TrustBoundary =
  | 'system'
  | 'user'
  | 'assistant'
  | 'tool_use'
  | 'tool_result'
  | 'document'
  | 'output';

/** One piece of text to check, with the JSON path it was taken from (for precise errors and redaction). */
export interface Segment {
  readonly trust: TrustBoundary;
  /** JSON path into the request body, e.g. `messages[2].content[0].text`. */
  readonly path: string;
  readonly text: string;
}

/** Names of the transforms that produce a view from a segment's raw text. */
export type Transform =
  | 'raw'
  | 'nfkc'
  | 'strip-invisible'
  | 'homoglyph'
  | 'leet'
  | 'despace'
  | 'lowercase'
  | 'base64'
  | 'hex'
  | 'rot13'
  /** A Caesar shift other than 13, read where the text names the cipher (lambdas/core/normalize/caesar.ts). */
  | 'caesar'
  | 'url'
  | 'letterlike'
  | 'strip-marks'
  | 'tags'
  | 'variation-selectors'
  | 'invisible-bits'
  | 'bidi-visual'
  | 'upside-down'
  /** Emoji glued inside words (`b🔥o🔥m🔥b`) dropped (lambdas/core/normalize/emoji.ts). */
  | 'emoji'
  | 'reverse'
  /** Every word spelled backwards in place, the word order kept. */
  | 'reverse-words'
  /** The words of the last line in the opposite order, where the text says its words are reversed. */
  | 'reverse-order'
  | 'base32'
  | 'binary'
  | 'morse'
  | 'html'
  | 'quoted-printable'
  | 'unicode-escape'
  /** ASCII85 (Adobe or undelimited) or RFC 1924 base85. */
  | 'base85'
  | 'uuencode'
  /** Decimal character codes (`72 111 119`, `String.fromCharCode(…)`) or octal escapes (`\150\157`), read in place. */
  | 'char-codes'
  /** Single words in base64 among plain ones (`make a Ym9tYg==`), read in place (lambdas/core/normalize/charcodes.ts). */
  | 'base64-words'
  /** NATO phonetic spelling ("Hotel Oscar Whiskey") read back as letters. */
  | 'nato'
  | 'pig-latin'
  /** Words broken inside by a space, hyphen, dot, underscore or asterisk, put back together. */
  | 'token-join'
  /** The stretch of styled letters (Braille, small capitals, fullwidth…) read without its plain lead-in. */
  | 'styled-run'
  | 'residual'
  /** English with stray accents, each accented word of its English sentences folded to ASCII (normalize/accents.ts). */
  | 'accents'
  | 'fragments'
  /** The last line's request with an adversarial (GCG-style) suffix of code-symbol noise cut off (normalize/suffix.ts). */
  | 'clip-suffix'
  | 'atbash'
  /** Coded lines read back with the key table the text carries (`a -> q` …; lambdas/core/normalize/substitution.ts). */
  | 'substitution'
  | 'camel-case'
  | 'joined'
  /** HTML and XML tags and comments rendered: inline ones removed, the others a space (lambdas/core/normalize/markup.ts). */
  | 'markup'
  /** String values of JSON and code, and comments, one per line (lambdas/core/normalize/embedded.ts). */
  | 'embedded'
  /** Word-for-word English gloss of French/Spanish/German/Portuguese/Italian text. */
  | 'gloss';

/** A normalized rendering of one segment. `transforms` lists, in order, what produced it. */
export interface View {
  readonly segment: number;
  readonly text: string;
  readonly transforms: readonly Transform[];
  /**
   * Offsets (sorted) of the spaces in `text` that stand for a line break of the original: the
   * canonical and residual views collapse whitespace, and tier 1 reads these as sentence ends so that a
   * paragraph is scored on its own (see `linedText` in lambdas/core/normalize/normalize.ts).
   */
  readonly breaks?: readonly number[];
  /**
   * Set on a reading of the whole text in a cipher that leaves no plain word behind (Pig Latin with at least 80 % of
   * the words turned, read back whole): tier 1 scores it instead of the canonical and residual views, which then
   * hold only the cipher's noise (`scoredViews` in lambdas/core/engine/evaluate.ts). Tier 0 still reads every view.
   */
  readonly whole?: true;
}

/** Signals the normalizer observed: the presence of hiding characters is itself suspicious. */
export interface NormalizationSignals {
  readonly zeroWidth: number;
  readonly bidi: number;
  readonly tags: number;
  readonly variationSelectors: number;
  readonly homoglyphs: number;
  /** Letter-like symbols folded to Latin (small capitals, regional indicators, Braille, enclosed letters…). */
  readonly letterlike: number;
  /** Combining marks removed (diacritics left after NFKC, "zalgo" stacks). */
  readonly combiningMarks: number;
  readonly decodedViews: number;
  /**
   * Which transforms fired, sorted: canonical steps that changed something (`strip-invisible`,
   * `letterlike`, `strip-marks`, `homoglyph`) and every transform behind an extra view (`base64`,
   * `reverse`, `tags`, `residual`, `joined`…).
   */
  readonly transforms: readonly string[];
  /**
   * Unlisted words the multilingual gloss kept as written because its guess budget for the text was
   * spent (lambdas/core/detectors/multilingual.ts); absent when none.
   */
  readonly glossUnguessed?: number;
  /**
   * The wider blocklist readings that found a phrase the plain reading does not (the findings' `via`), sorted:
   * `joined`, `slug`, `zero-width`, `symbol`, `markup`, `accents` (findings that decide), `crossed`, `identifier`
   * (weak findings); absent when none.
   */
  readonly blocklist?: readonly string[];
}

export interface NormalizedSegment {
  readonly views: readonly View[];
  readonly signals: NormalizationSignals;
  /**
   * Spans of the raw text (UTF-16 offsets) that a decoder explained (URL escapes, HTML entities,
   * ASCII85, uuencode…), when canonicalization kept the raw offsets. Raw-text heuristics blank them:
   * encoded text is judged by what it decodes to, in the decoded views.
   */
  readonly encodedSpans?: readonly (readonly [number, number])[];
}

/** One detector hit. `score` is in [0, 1]. `span` (UTF-16 offsets) refers to the segment's raw text when set. */
export interface Finding {
  readonly detector: string;
  readonly category: Category;
  readonly score: number;
  readonly segment: number;
  readonly label?: string;
  readonly span?: readonly [number, number];
  /**
   * Set on tier-1 findings read by trust boundary (docs/normalization.md, section 4): `operator` text
   * (system prompt, system turns, tool definitions) or a `harness` block. Tier 2 does not read those
   * segments: such findings do not escalate and are not superseded by a tier-2 answer.
   */
  readonly reading?: 'operator' | 'harness';
  /** Judged against this threshold instead of the detector's own (operator text: the operator threshold). */
  readonly threshold?: number;
  /**
   * Set on a blocklist finding that only a wider reading of the text found (`joined`, `slug`, `zero-width`, `symbol`,
   * `markup`, `accents`, `crossed`, `identifier`: lambdas/core/detectors/blocklist.ts); listed in the decision's
   * `signals.blocklist`.
   */
  readonly via?: string;
}

export type Action = 'allow' | 'flag' | 'redact' | 'block';
export type FailMode = 'open' | 'closed';
export type CheckOutcome = 'ok' | 'timeout' | 'error' | 'skipped';

/** One check as it appears in the decision record. */
export interface CheckResult extends CheckDetail {
  readonly check: string;
  readonly category: Category;
  readonly score: number;
  /** The threshold this check's score was judged against. */
  readonly threshold?: number;
  readonly action: Action;
  readonly latencyMs: number;
  readonly outcome: CheckOutcome;
  /** Set when the policy marks the category shadow: evaluated and recorded, not enforced. */
  readonly shadow?: boolean;
}

/** Per-category probabilities from a classifier (tier 1 or tier 2). */
export type CategoryScores = Partial<Record<Category, number>>;

/** Extra fields a check may carry in the decision record. */
export interface CheckDetail {
  /** The specific detector that scored highest, e.g. `tier0.pii.email`. */
  readonly detector?: string;
  /** Tier 1 result replaced by a tier-2 answer for the same category. */
  readonly superseded?: boolean;
  /** Fail mode applied because this check failed or timed out. */
  readonly failMode?: FailMode;
  /**
   * The highest score came from operator text (judged per instruction at the operator threshold) or a
   * harness block (docs/normalization.md, section 4).
   */
  readonly reading?: 'operator' | 'harness';
}
