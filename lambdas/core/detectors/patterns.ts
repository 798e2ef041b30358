/**
 * Secrets and PII patterns. Every regex here is linear-time (checked with recheck in the unit tests);
 * structure that a regex cannot check cheaply (Luhn, mod-97, SSN rules, PEM end marker) is checked in code.
 * Patterns run on a segment's RAW text so spans can be used for redaction.
 */
import type { Category } from '../types';
import { cardValid, digitsOnly, ibanValid, ssnValid, THOUSANDS_GROUPED } from './validators';

/** One pattern-based detector. */
export interface PatternDetector {
  /** Detector id suffix, e.g. `email` → `tier0.pii.email`. */
  readonly id: string;
  readonly category: Extract<Category, 'pii' | 'secrets'>;
  /** Global regex; must be linear-time. */
  readonly regex: RegExp;
  readonly score: number;
  /** Optional structural validation of the matched text. */
  readonly validate?: (match: string) => boolean;
  /** Optional end-of-span extension (e.g. to the PEM end marker); returns the exclusive end. */
  readonly extend?: (text: string, matchEnd: number) => number;
  /**
   * Fewest ASCII digits a match contains, when it needs any: a text with fewer does not run the regex.
   * Literals every match contains (`@`, a key prefix) need no field: tier 0 derives them from the regex
   * (`requiredLiterals` in literals.ts) and runs the regex only when one occurs.
   */
  readonly minDigits?: number;
}

/** The ASCII digits a {@link PatternDetector.minDigits} can ask for: any digit at all. */
export const DIGITS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Number of ASCII digits in `text`, counted up to `max`. */
export function countDigits(text: string, max: number): number {
  let digits = 0;
  for (let i = 0; i < text.length && digits < max; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits;
}

/** Extends a PEM header match to the end of the matching `-----END … PRIVATE KEY-----` line when present. */
function pemExtend(text: string, matchEnd: number): number {
  const endIdx = text.indexOf('-----END ', matchEnd);
  if (endIdx < 0 || endIdx - matchEnd > 16384) return matchEnd;
  const close = text.indexOf('-----', endIdx + 9);
  return close < 0 ? matchEnd : close + 5;
}

/** The built-in patterns. Order matters only for the order of findings. */
export const PATTERN_DETECTORS: readonly PatternDetector[] = [
  {
    id: 'aws-access-key',
    category: 'secrets',
    regex: /\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}\b/g,
    score: 0.99,
  },
  {
    id: 'openai-key',
    category: 'secrets',
    regex: /\bsk-[A-Za-z0-9_-]{20,200}/g,
    score: 0.95,
  },
  {
    id: 'github-token',
    category: 'secrets',
    regex: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g,
    score: 0.99,
  },
  {
    id: 'slack-token',
    category: 'secrets',
    regex: /\bxox[abposr]-[A-Za-z0-9-]{10,200}/g,
    score: 0.97,
  },
  {
    id: 'google-api-key',
    category: 'secrets',
    regex: /\bAIza[0-9A-Za-z_-]{35}/g,
    score: 0.97,
  },
  {
    id: 'jwt',
    category: 'secrets',
    regex: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    score: 0.9,
  },
  {
    id: 'private-key',
    category: 'secrets',
    regex: /-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY-----/g,
    score: 0.99,
    extend: pemExtend,
  },
  {
    id: 'email',
    category: 'pii',
    regex:
      /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b/g,
    score: 0.8,
  },
  {
    id: 'card',
    category: 'pii',
    regex: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    score: 0.95,
    validate: (m) => cardValid(digitsOnly(m)),
    minDigits: 13,
  },
  {
    id: 'iban',
    category: 'pii',
    regex: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
    score: 0.95,
    validate: ibanValid,
    minDigits: 2,
  },
  {
    id: 'ssn',
    category: 'pii',
    regex: /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g,
    score: 0.9,
    validate: (m) => ssnValid(digitsOnly(m)),
    minDigits: 9,
  },
  {
    id: 'phone',
    category: 'pii',
    regex:
      /(?<![\w+])(?:\+[1-9]\d{7,14}|(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4})(?![\w-])/g,
    score: 0.6,
    validate: (m) => {
      const n = digitsOnly(m).length;
      // Thousands-grouped numbers such as 100.000.000 are not phone numbers.
      return n >= 8 && n <= 15 && !THOUSANDS_GROUPED.test(m);
    },
    minDigits: 8,
  },
];
