/**
 * ASCII character classes on UTF-16 code units (`String.prototype.charCodeAt`). The normalizer,
 * detectors and classifier all scan text code unit by code unit; these are the one definition of
 * each class they share. `NaN` (reading past the end of a string) belongs to no class.
 *
 * A module that calls these in a hot loop binds them once at module scope
 * (`import * as ascii from '../util/ascii'; const { isAsciiDigit } = ascii;`): under tsx (the local
 * runtime, benchmarks) esbuild's CommonJS output turns every use of an imported binding into a getter
 * call, which measured tier 1 about 1.3–1.6× slower at 2 KB and 64 KB (`BENCH_BASE=… npm run bench`).
 */

/** `0`–`9`. */
export const isAsciiDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** `a`–`z`. */
export const isAsciiLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;

/** `A`–`Z`. */
export const isAsciiUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;

/** `A`–`Z` or `a`–`z`. */
export const isAsciiLetter = (c: number): boolean => isAsciiLower(c) || isAsciiUpper(c);

/** `0`–`9`, `A`–`Z` or `a`–`z`. */
export const isAsciiAlnum = (c: number): boolean => isAsciiLetter(c) || isAsciiDigit(c);

/**
 * Whether every code unit of `text` is ASCII: its UTF-8 length equals its length, as every other code unit
 * (a lone surrogate too, written as U+FFFD) takes two bytes or more. Node counts UTF-8 bytes with vector
 * instructions: about 0.03 µs for 2 KB, where a regular expression looking for a non-ASCII unit took 1.2 µs.
 */
export const isAsciiText = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;
