/**
 * Every regular expression the normalizer uses, in one place, so a test can prove each one is
 * linear-time with `recheck`. Keep them simple: character classes and bounded or possessive-free
 * single loops only.
 */

/** Characters that render as nothing (or steer rendering) and are removed from the canonical view. */
export const INVISIBLE_RE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: each format/combining code point is matched and removed on its own, on purpose.
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{1D173}-\u{1D17A}\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;

/** A run of Unicode tag characters (U+E0000–U+E007F), the carrier of "ASCII smuggling". */
export const TAG_RUN_RE = /[\u{E0000}-\u{E007F}]+/gu;

/** Any whitespace other than a single U+0020, or a run of two or more whitespace characters. */
export const WHITESPACE_RE = /\s{2,}|[^\S ]/g;

/** Hint words that make a rot13 view worth producing. */
export const ROT13_HINT_RE = /\brot[\s_-]?13\b|\bcaesar\b|\bcipher\b|\brotate[ds]? by 13\b/;

/** Candidate base64 / base64url runs (≥ 16 symbols, optional padding). */
export const BASE64_RUN_RE = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

/**
 * Candidate hex runs of ≥ 8 bytes: `\x41\x42…` / `0x41 0x42…`, `41 42 …` / `41:42:…`, or ≥ 16 plain hex
 * digits. Each alternative has a mandatory separator or prefix, so none is ambiguous.
 */
export const HEX_RUN_RE =
  /(?:(?:\\x|0x)[0-9a-fA-F]{2}[ ,]?){8,}|[0-9a-fA-F]{2}(?:[ :][0-9a-fA-F]{2}){7,}|[0-9a-fA-F]{16,}/g;

/** Runs of percent-encoded bytes. */
export const URL_RUN_RE = /(?:%[0-9a-fA-F]{2})+/g;

/** Tokens that leetspeak folding looks at. */
export const LEET_TOKEN_RE = /[a-z0-9@$!|+]+/g;

/** Lone (unpaired) UTF-16 surrogates. Used without the `u` flag on purpose. */
export const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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

/** Every pattern above, named, for the ReDoS test. */
export const ALL_PATTERNS: Readonly<Record<string, RegExp>> = {
  INVISIBLE_RE,
  TAG_RUN_RE,
  WHITESPACE_RE,
  ROT13_HINT_RE,
  BASE64_RUN_RE,
  HEX_RUN_RE,
  URL_RUN_RE,
  LEET_TOKEN_RE,
  LONE_SURROGATE_RE,
  BASE64URL_RE,
  HEX_NOISE_RE,
  PERCENT_RE,
  ASCII_LETTER_RE,
  WORD_CHAR_RE,
  LETTER_RE,
  LATIN_RE,
};
