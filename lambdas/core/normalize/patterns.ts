/**
 * Every regular expression the normalizer uses, in one place, so a test can prove each one is
 * linear-time with `recheck`. Keep them simple: character classes and bounded or possessive-free
 * single loops only.
 */

/**
 * Characters that render as nothing (or steer rendering) and are removed from the canonical view: every default-ignorable
 * code point but the Hangul fillers (read as spaces, letterlike.ts), and the Khitan filler U+16FE4.
 */
export const INVISIBLE_RE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: each format/combining code point is matched and removed on its own, on purpose.
  /[\u00AD\u034F\u061C\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFE00-\uFE0F\uFEFF\uFFF0-\uFFF8\u{16FE4}\u{1BCA0}-\u{1BCA3}\u{1D173}-\u{1D17A}\u{E0000}-\u{E0FFF}]/gu;

/** A run of Unicode tag characters (U+E0000–U+E007F), the carrier of "ASCII smuggling". */
export const TAG_RUN_RE = /[\u{E0000}-\u{E007F}]+/gu;

/**
 * A whitespace run to collapse: one that contains a character other than U+0020, or two or more
 * characters. The listed class is exactly JavaScript's `\s` minus U+0020 (measured faster than
 * `[^\S ]`), so collapsing agrees with `String.prototype.trim`.
 */
export const WHITESPACE_RE =
  /[\t\n\v\f\r]\s*| \s+|[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]\s*/g;

/**
 * One scan for rot13 evidence: the hint words (rot13, caesar, cipher, "rotate by 13") and common
 * English words as they look after rot13 (the → gur, and → naq, you → lbh, ignore → vtaber, …).
 */
export const ROT13_SIGNAL_RE =
  /\b(?:rot[\s_-]?13|caesar|cipher|rotated? by 13|gur|naq|lbh|gung|jvgu|sbe|guvf|ner|jvyy|pna|abg|unir|jung|ubj|lbhe|nyy|znxr|vtaber|cerivbhf|vafgehpgvbaf|flfgrz|cebzcg|frperg)\b/g;
/** The same words in plain English, to tell rot13 from English that happens to contain one of them. */
export const ENGLISH_WORDS_RE =
  /\b(?:the|and|you|that|with|for|this|are|will|can|not|have|what|how|your|all|make|ignore|previous|instructions|system|prompt|secret)\b/g;
/** Runs of digits and leet symbols; leetspeak hides where such a run touches a letter. */
export const LEET_SYMBOLS_RE = /[0-9@$!|+]+/g;
/** Where spaced-out letters may start: a lone alphanumeric, 1–3 separators, another lone alphanumeric. */
export const SPACED_SEED_RE = /(?<![a-z0-9])[a-z0-9][ \t.\-_*,/|~]{1,3}[a-z0-9](?![a-z0-9])/g;
/**
 * Clusters of non-ASCII characters: runs separated by at most 64 ASCII characters are one cluster,
 * so dense non-Latin text costs a few `normalize()` calls rather than one per word. The two classes
 * are disjoint, so the loop is deterministic (linear).
 */
export const NON_ASCII_RUN_RE = /[^\x00-\x7f](?:[\x00-\x7f]{0,64}[^\x00-\x7f])*/g;
/** One non-ASCII code unit (global: `test` walks the text by `lastIndex`). */
export const NON_ASCII_RE = /[^\x00-\x7f]/g;

/**
 * Candidate base64 / base64url runs (≥ 16 symbols, optional padding), in capture group 1. Anchoring
 * on the preceding non-alphabet character makes matches start only at the beginning of a run, so
 * ordinary words are not rescanned from every position (measured 30% faster than a lookbehind).
 */
export const BASE64_RUN_RE = /(?:^|[^A-Za-z0-9+/_-])([A-Za-z0-9+/_-]{16,}={0,2})/g;

/** Escaped hex runs of ≥ 8 bytes: `\x41\x42…` or `0x41, 0x42…` (only scanned when `\x`/`0x` occurs). */
export const HEX_ESCAPED_RE = /(?:(?:\\x|0x)[0-9a-fA-F]{2}[ ,]{0,2}){8,}/g;

/**
 * Separated hex runs of ≥ 8 bytes: `41 42 …` or `41:42:…`. The first byte must start with a digit —
 * true of every printable ASCII byte (0x20–0x7e) — so that ordinary words are not candidates.
 * Plain runs of ≥ 16 hex digits are found among the base64 candidates instead (same alphabet).
 */
export const HEX_SPACED_RE = /(?<![0-9a-fA-F])[0-9][0-9a-fA-F](?:[ :][0-9a-fA-F]{2}){7,}/g;

/** A whole string of hex digits. */
export const HEX_ONLY_RE = /^[0-9a-fA-F]+$/;

/** Runs of percent-encoded bytes. */
export const URL_RUN_RE = /(?:%[0-9a-fA-F]{2})+/g;

/** base64url symbols to map back to the standard alphabet. */
export const BASE64URL_RE = /[-_]/g;
/** Prefixes and separators inside a hex run. */
export const HEX_NOISE_RE = /\\x|0x|[ :,]/g;
/** The percent signs of a URL-encoded run. */
export const PERCENT_RE = /%/g;
/** ASCII letters (rot13). */
export const ASCII_LETTER_RE = /[a-zA-Z]/g;
/** One letter, mark or number (single-character test). */
export const WORD_CHAR_RE = /[\p{L}\p{M}\p{N}]/u;
/** One letter (single-character test). */
export const LETTER_RE = /\p{L}/u;
/** One Latin-script character (single-character test). */
export const LATIN_RE = /\p{Script=Latin}/u;

/** Combining marks (diacritics, "zalgo" stacks) left after NFKC composition; removed from the canonical view. */
export const COMBINING_MARK_RE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: combining marks are matched and removed one by one, on purpose.
  /[\u0300-\u036F\u0483-\u0489\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]/g;

/**
 * Common English words written backwards (the → eht, how → woh, make → ekam, to → ot, of → fo, …): reversed-text
 * evidence. Words that read as themselves or as common Romance words backwards (on/no, was/saw, is/si, in/ni) are
 * left out, and so is `dna` (and): "DNA" next to "reverse" in biology text would open the view. The scanner's gate
 * (scan.ts) keys on those of three letters or more.
 */
export const REVERSED_WORDS: readonly string[] =
  'eht uoy taht htiw siht lliw nac evah tahw woh ruoy ekam erongi suoiverp snoitcurtsni metsys tpmorp terces llet etirw edivorp rof dluow dluohs erehw yhw nehw tuoba esaelp etaerc nialpxe ot fo yb emos ylno erom tuohtiw gnisu morf neht ereht yeht meht rieht neeb dah sah seod'.split(
    ' ',
  );
export const REVERSED_WORDS_RE = new RegExp(`\\b(?:${REVERSED_WORDS.join('|')})\\b`, 'g');
/** Hints that text is to be read backwards, forwards or reversed. */
export const REVERSED_HINT_RE =
  /\b(?:backwards?|revers(?:ed?|ing)|flipped|right to left|mirrored|sdrawkcab|desrever)\b/g;
/** Characters that only upside-down ("flipped") text uses. */
export const UPSIDE_DOWN_RE =
  /[\u0250\u01DD\u0265\u1D09\u0279\u0287\u028E\u026F\u029E\u028D\u028C\u025F\u0183\u1D77\u2200\u018E\u2141\uA4D8\u02E5\u0500\u1D1A\u22A5\u2229\u039B\u2144]/g;

/** Base32 runs (RFC 4648 alphabet, ≥ 16 symbols, optional padding), starting at the start of a run. */
export const BASE32_RUN_RE = /(?<![A-Za-z0-9+/])[A-Z2-7]{16,}={0,6}/g;
/** Binary written as ≥ 4 separated groups of 7–8 bits. */
export const BINARY_SPACED_RE = /(?<![01])[01]{7,8}(?:[ ,;]+[01]{7,8}){3,}(?![01])/g;
/** Binary written as ≥ 4 packed octets. */
export const BINARY_PACKED_RE = /(?<![01])(?:[01]{8}){4,}(?![01])/g;
/** Separators between binary groups. */
export const BINARY_SPLIT_RE = /[ ,;]+/;
/** Morse code: ≥ 4 codes of `.`/`-`/`_` separated by spaces, `/` or `|`. */
export const MORSE_RUN_RE = /(?<![.\-_])[.\-_]{1,7}(?:[ /|]{1,7}[.\-_]{1,7}){3,}/g;
/** Word gaps inside a Morse run. */
export const MORSE_WORD_SPLIT_RE = / *[/|] *| {3,}/;
/** Letter gaps inside a Morse word. */
export const MORSE_LETTER_SPLIT_RE = / +/;
/** Underscores (Morse dashes written as `_`). */
export const UNDERSCORE_RE = /_/g;
/** HTML / XML character references. */
export const HTML_ENTITY_RE = /&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g;
/** Runs of quoted-printable escapes (`=68=6F`; upper-case hex as RFC 2045 requires). */
export const QP_RUN_RE = /(?:=[0-9A-F]{2})+/g;
/** Quoted-printable soft line breaks. */
export const QP_SOFT_BREAK_RE = /=\r?\n/g;
/** The `=` signs of a quoted-printable run. */
export const EQUALS_RE = /=/g;
/** Runs of `\uXXXX` / `\u{X…}` escapes. */
export const UNICODE_ESCAPE_RE = /(?:\\u(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]{1,6}\}))+/g;
/** A base32-only digit (2–7): a cheap pre-check for base32 runs. */
export const BASE32_DIGIT_RE = /[2-7]/;
/** A quoted string assigned to a name (`A = "how to"`, `b='make'`): the parts of a split payload. */
export const QUOTED_ASSIGNMENT_RE = /= ?(?:"([^"\n]{1,2000})"|'([^'\n]{1,2000})')/g;
/**
 * Chat-template role markers written into text: ChatML / Llama tokens, `[INST]`, `<<SYS>>`, line-start
 * `Human:` / `Assistant:` / `System:` / `User:` (optionally as a Markdown heading), and the keys of a
 * fake `{"role": "system", "content": …}` message. Blanked in the residual view: a spoofed turn is
 * judged by what it says, not by its markup.
 */
export const ROLE_MARKER_RE =
  /<\|[A-Za-z_]{2,24}\|>|\[\/?INST\]|<<\/?SYS>>|(?<![^\n])[ \t]*(?:#{2,4}[ \t]*)?(?:Human|Assistant|System|User|AI|H|A)[ \t]*:|"role"[ \t]*:[ \t]*"(?:system|user|assistant|developer)"[ \t]*,[ \t]*"content"[ \t]*:/gi;
/**
 * The line-start form of {@link ROLE_MARKER_RE} from its role name on (`Human:`, `assistant :`), tried
 * sticky at a line's first non-blank character: the cheap test that decides whether the full regex,
 * which tries its line-start lookbehind at every position, needs to run at all.
 */
export const ROLE_NAME_AT_RE = /(?:Human|Assistant|System|User|AI|H|A)[ \t]*:/iy;
/** Common English words as they look under atbash (the → gsv, how → sld, make → nzpv…), and the hint. */
export const ATBASH_SIGNAL_RE =
  /\b(?:atbash|gsv|zmw|blf|sld|nzpv|dszg|uli|drgs|gsrh|gszg|rtmliv|rmhgifxgrlmh|dirgv|gvoo|xzm|blfi|kovzhv|vckozrm|zylfg|uiln|drgslfg|gsvri|fhv|dsb|dsvm|dsviv|dlfow|xlfow|hslfow|szev|droo|kvlkov|tvg|xivzgv|trev)\b/g;
/** A camelCase join: a lower-case letter directly followed by a capital. */
export const CAMEL_JOIN_RE = /[a-z][A-Z]/g;
/**
 * Where to split camelCase (an empty match): lower→upper, capital→capital+lower (`IMake` → `I Make`), or
 * lower+digit→upper, a word ending in a leet digit (`writ3Ransomwar3` → `writ3 Ransomwar3`).
 */
export const CAMEL_SPLIT_RE = /(?<=[a-z]|[a-z][0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/g;

/**
 * A mark that a blank followed before the words were run together: `,` `;` `:` `!` `?` or a closing
 * bracket before a letter, a digit, `.` or a quote before a capital (`part1Is`, `.The`, "```Import"), or
 * a table rule `|`.
 */
export const RUN_TOGETHER_MARK_RE = /[,;:!?)\]}](?=[A-Za-z])|[0-9."'`](?=[A-Z])|\|/g;

/** Every pattern above, named, for the ReDoS test. */
/**
 * An ASCII letter directly followed by an emoji or pictographic symbol (astral plane, or the symbol and
 * dingbat blocks): the gate of the glued-emoji reading (`emoji.ts`).
 */
export const GLUED_EMOJI_RE = /[A-Za-z](?:[\u2100-\u2BFF]|[\uD83C-\uD83E][\uDC00-\uDFFF])/;
/** A digit, a separator run, a digit: the gate of the decimal character-code reader (`charcodes.ts`). */
export const DECIMAL_PAIR_RE = /[0-9][ ,;\t][ \t]?[0-9]/;

export const ALL_PATTERNS: Readonly<Record<string, RegExp>> = {
  INVISIBLE_RE,
  TAG_RUN_RE,
  WHITESPACE_RE,
  BASE64_RUN_RE,
  HEX_ESCAPED_RE,
  HEX_SPACED_RE,
  HEX_ONLY_RE,
  URL_RUN_RE,
  ROT13_SIGNAL_RE,
  ENGLISH_WORDS_RE,
  LEET_SYMBOLS_RE,
  SPACED_SEED_RE,
  NON_ASCII_RUN_RE,
  NON_ASCII_RE,
  BASE64URL_RE,
  HEX_NOISE_RE,
  PERCENT_RE,
  ASCII_LETTER_RE,
  WORD_CHAR_RE,
  LETTER_RE,
  LATIN_RE,
  COMBINING_MARK_RE,
  REVERSED_WORDS_RE,
  REVERSED_HINT_RE,
  UPSIDE_DOWN_RE,
  BASE32_RUN_RE,
  BINARY_SPACED_RE,
  BINARY_PACKED_RE,
  BINARY_SPLIT_RE,
  MORSE_RUN_RE,
  MORSE_WORD_SPLIT_RE,
  MORSE_LETTER_SPLIT_RE,
  UNDERSCORE_RE,
  HTML_ENTITY_RE,
  QP_RUN_RE,
  QP_SOFT_BREAK_RE,
  EQUALS_RE,
  UNICODE_ESCAPE_RE,
  BASE32_DIGIT_RE,
  QUOTED_ASSIGNMENT_RE,
  ROLE_MARKER_RE,
  ROLE_NAME_AT_RE,
  ATBASH_SIGNAL_RE,
  CAMEL_JOIN_RE,
  CAMEL_SPLIT_RE,
  RUN_TOGETHER_MARK_RE,
  GLUED_EMOJI_RE,
  DECIMAL_PAIR_RE,
};
