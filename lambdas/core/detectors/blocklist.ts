/**
 * Blocklist matching: one Aho-Corasick pass per view. Entries are phrases in canonical form
 * (NFKC, lowercase, single spaces); a second automaton over the space-free phrases serves views
 * the normalizer produced with the `despace` transform.
 */
import defaultList from '../../../config/blocklists/default.json';
import type { Category } from '../types';
import { AhoCorasick } from './aho-corasick';

/** One blocklist phrase. */
export interface BlocklistEntry {
  readonly phrase: string;
  readonly category: Extract<Category, 'harmful' | 'blocklist'>;
  /** Confidence in [0, 1] reported when the phrase matches. */
  readonly score: number;
}

/** A blocklist hit on one view. */
export interface BlocklistHit {
  readonly entry: BlocklistEntry;
  readonly start: number;
  readonly end: number;
}

/** The committed default list (config/blocklists/default.json). */
export const DEFAULT_BLOCKLIST: readonly BlocklistEntry[] = parseBlocklist(defaultList);

/** Canonical form of a phrase: NFKC, lowercase, whitespace collapsed and trimmed. */
export function canonicalPhrase(phrase: string): string {
  return phrase.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Validates the JSON shape of a blocklist file; throws naming the bad entry. */
export function parseBlocklist(json: unknown): BlocklistEntry[] {
  const entries = (json as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) throw new Error('blocklist: expected an "entries" array');
  return entries.map((e: unknown, i: number) => {
    const { phrase, category, score } = (e ?? {}) as Record<string, unknown>;
    if (typeof phrase !== 'string' || canonicalPhrase(phrase).length === 0) {
      throw new Error(`blocklist.entries[${i}].phrase: expected a non-empty string`);
    }
    if (category !== 'harmful' && category !== 'blocklist') {
      throw new Error(
        `blocklist.entries[${i}].category: expected 'harmful' or 'blocklist', got ${String(category)}`,
      );
    }
    if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
      throw new Error(`blocklist.entries[${i}].score: expected a number in [0, 1]`);
    }
    return { phrase: canonicalPhrase(phrase), category, score };
  });
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}

function atBoundary(text: string, start: number, end: number): boolean {
  return (
    (start === 0 || !isWordChar(text.charCodeAt(start - 1))) &&
    (end === text.length || !isWordChar(text.charCodeAt(end)))
  );
}

/** A compiled blocklist. */
export interface Blocklist {
  /**
   * Hits in `text`. With `despaced`, spaces are removed and the space-free automaton is used (no
   * word-boundary check; offsets then refer to the space-free text).
   */
  match(text: string, despaced: boolean): BlocklistHit[];
}

/** Compiles entries into two automata, once. */
export function compileBlocklist(entries: readonly BlocklistEntry[]): Blocklist {
  const spaced = AhoCorasick.build(entries.map((e) => e.phrase));
  const compact = AhoCorasick.build(entries.map((e) => e.phrase.replace(/ /g, '')));
  return {
    match(text, despaced) {
      const hits: BlocklistHit[] = [];
      if (despaced) {
        // Spaced-out letters may be only partly collapsed ("make a pipebomb"): drop every space.
        compact.scan(text.replace(/ /g, ''), (m) => {
          const entry = entries[m.pattern];
          if (entry) hits.push({ entry, start: m.start, end: m.end });
        });
        return hits;
      }
      spaced.scan(text, (m) => {
        const entry = entries[m.pattern];
        if (entry && atBoundary(text, m.start, m.end)) hits.push({ entry, start: m.start, end: m.end });
      });
      return hits;
    },
  };
}
