/**
 * Literal prefilter for a list of checks: one Aho-Corasick pass over a text (ASCII case folded) tells
 * which checks can match at all. A check is a list of literal sets; it passes when every set has one
 * of its literals in the text. A regex check takes one set per regex that must match (a heuristic's
 * anchor and the patterns that must follow it), each the regex's {@link requiredLiterals}; a regex
 * without such a set adds no condition. The prefilter only ever says "cannot match": whatever passes is
 * still decided by the regexes (or the blocklist automaton) themselves.
 */
import { AhoCorasick } from './aho-corasick';
import { requiredLiterals } from './literals';

/** Literal sets that must all have one literal present. */
export type LiteralCheck = readonly (readonly string[])[];

/**
 * Longest literal the automaton holds. A text that contains a literal contains its prefix, so cutting
 * literals keeps every gate sound; it only lets a few more texts through to the regexes, and keeps the
 * automaton small (fewer states to build at cold start, a table that stays in cache).
 */
export const MAX_LITERAL = 10;

/**
 * One literal set as the automaton holds it: any literal that contains another of the set dropped
 * (where it occurs, the other does too), then each cut to {@link MAX_LITERAL}.
 */
export function compactSet(set: readonly string[]): string[] {
  const kept: string[] = [];
  for (const l of [...new Set(set)].sort((a, b) => a.length - b.length)) {
    if (!kept.some((k) => l.includes(k))) kept.push(l);
  }
  return [...new Set(kept.map((l) => l.slice(0, MAX_LITERAL)))];
}

/** A literal that occurs in almost every text gates nothing and only slows the pass down. */
const uselessLiteral = (l: string): boolean => l.length === 1 && /\s/.test(l);

/** The check for regexes that must all match somewhere in a text. */
export function regexCheck(regexes: readonly RegExp[]): LiteralCheck {
  return regexes.flatMap((re) => {
    const literals = requiredLiterals(re);
    return literals === undefined || literals.some(uselessLiteral) ? [] : [literals];
  });
}

/** Compiled gates for one list of checks. */
export class LiteralGates {
  private constructor(
    private readonly automaton: AhoCorasick,
    /** Per check, per literal set: the ids of its literals in the automaton. */
    private readonly needs: readonly (readonly (readonly number[])[])[],
    private readonly seen: Uint8Array,
  ) {}

  static build(checks: readonly LiteralCheck[]): LiteralGates {
    const ids = new Map<string, number>();
    const idOf = (literal: string): number => {
      let id = ids.get(literal);
      if (id === undefined) {
        id = ids.size;
        ids.set(literal, id);
      }
      return id;
    };
    const needs = checks.map((sets) => sets.map((set) => compactSet(set).map(idOf)));
    return new LiteralGates(
      AhoCorasick.build([...ids.keys()], { foldAsciiCase: true }),
      needs,
      new Uint8Array(ids.size),
    );
  }

  /** Number of checks. */
  get size(): number {
    return this.needs.length;
  }

  /**
   * Whether each check can match in `text` (`result[i]` for check `i`). One pass over the text; false
   * means the check cannot match, true that it must be run.
   */
  evaluate(text: string): boolean[] {
    const seen = this.seen;
    if (seen.length > 0) {
      seen.fill(0);
      this.automaton.mark(text, seen);
    }
    const out = new Array<boolean>(this.needs.length);
    for (let i = 0; i < this.needs.length; i++) {
      const sets = this.needs[i]!;
      let ok = true;
      for (let s = 0; s < sets.length && ok; s++) {
        const set = sets[s]!;
        ok = false;
        for (let k = 0; k < set.length; k++) {
          if (seen[set[k]!] === 1) {
            ok = true;
            break;
          }
        }
      }
      out[i] = ok;
    }
    return out;
  }
}
