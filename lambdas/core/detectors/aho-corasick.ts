/**
 * Aho-Corasick multi-pattern matcher over UTF-16 code units: built once, then one pass over a text
 * finds every occurrence of every pattern in O(text length + number of matches).
 */

/** One occurrence: `pattern` indexes the list given to {@link AhoCorasick.build}; `end` is exclusive. */
export interface AcMatch {
  readonly pattern: number;
  readonly start: number;
  readonly end: number;
}

/** Code units below this take the dense transition table; others walk the goto maps and failure links. */
const DENSE = 128;
/** log2 of {@link DENSE}: a state is its table row's offset, `rank << SHIFT`. */
const SHIFT = 7;

/** Options of {@link AhoCorasick.build}. */
export interface AhoCorasickOptions {
  /**
   * Match ASCII letters in either case: patterns are read in ASCII lowercase and `A`–`Z` in the text
   * step like `a`–`z`. Other characters match exactly. @default false
   */
  readonly foldAsciiCase?: boolean;
}

/** An immutable automaton. Node 0 is the root. */
export class AhoCorasick {
  private constructor(
    private readonly goto: readonly ReadonlyMap<number, number>[],
    private readonly fail: Int32Array,
    /** Patterns ending at each node, including those reached through failure links. */
    private readonly out: readonly (readonly number[])[],
    private readonly lengths: readonly number[],
    /**
     * The ASCII transitions as a DFA (failure links already followed) over states: a node's state is
     * `rank << SHIFT`, its row's offset, so a step is one load, `table[state + c]`. Nodes where patterns
     * end have the highest ranks, so the scan knows a match from `state >= firstFinal` alone.
     */
    private readonly table: Int32Array,
    private readonly firstFinal: number,
    /** rank → node, and node → rank, for the code units above ASCII (goto maps and failure links). */
    private readonly nodeOf: Int32Array,
    private readonly rankOf: Int32Array,
  ) {}

  /** Number of patterns given to {@link AhoCorasick.build}. */
  get size(): number {
    return this.lengths.length;
  }

  /** Builds the automaton. Empty patterns are ignored (they would match everywhere). */
  static build(patterns: readonly string[], options: AhoCorasickOptions = {}): AhoCorasick {
    const fold = options.foldAsciiCase ?? false;
    const goto: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    patterns.forEach((p, id) => {
      if (p.length === 0) return;
      let node = 0;
      for (let i = 0; i < p.length; i++) {
        const u = p.charCodeAt(i);
        const c = fold && u >= 65 && u <= 90 ? u + 32 : u;
        const edges = goto[node]!;
        let next = edges.get(c);
        if (next === undefined) {
          next = goto.length;
          edges.set(c, next);
          goto.push(new Map());
          own.push([]);
        }
        node = next;
      }
      own[node]!.push(id);
    });

    const fail = new Int32Array(goto.length);
    const out: number[][] = own.map((ids) => [...ids]);
    const queue: number[] = [...goto[0]!.values()];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      for (const [c, child] of goto[node]!) {
        let f = fail[node]!;
        while (f !== 0 && !goto[f]!.has(c)) f = fail[f]!;
        const target = goto[f]!.get(c);
        fail[child] = target !== undefined && target !== child ? target : 0;
        out[child]!.push(...out[fail[child]!]!);
        queue.push(child);
      }
    }
    // Ranks: nodes without matches first (the root, which has none, is rank 0), then the others.
    const nodeOf = new Int32Array(goto.length);
    let firstFinal = 0;
    for (let n = 0; n < goto.length; n++) if (out[n]!.length === 0) nodeOf[firstFinal++] = n;
    for (let n = 0, r = firstFinal; n < goto.length; n++) if (out[n]!.length > 0) nodeOf[r++] = n;
    const rankOf = new Int32Array(goto.length);
    nodeOf.forEach((node, rank) => {
      rankOf[node] = rank;
    });
    // A node's row is its failure target's row with its own edges written over it (in either case when
    // folding). Breadth-first order guarantees the failure target's row is complete first.
    const table = new Int32Array(goto.length * DENSE);
    for (const node of [0, ...queue]) {
      const row = rankOf[node]! << SHIFT;
      if (node !== 0)
        table.copyWithin(row, rankOf[fail[node]!]! << SHIFT, (rankOf[fail[node]!]! << SHIFT) + DENSE);
      for (const [c, child] of goto[node]!) {
        if (c >= DENSE) continue;
        table[row + c] = rankOf[child]! << SHIFT;
        if (fold && c >= 97 && c <= 122) table[row + c - 32] = rankOf[child]! << SHIFT;
      }
    }
    return new AhoCorasick(
      goto,
      fail,
      out,
      patterns.map((p) => p.length),
      table,
      firstFinal << SHIFT,
      nodeOf,
      rankOf,
    );
  }

  /** The state after reading `c` ≥ {@link DENSE} in `state`. */
  private step(state: number, c: number): number {
    let node = this.nodeOf[state >> SHIFT]!;
    let next = this.goto[node]!.get(c);
    while (next === undefined && node !== 0) {
      node = this.fail[node]!;
      next = this.goto[node]!.get(c);
    }
    return this.rankOf[next ?? 0]! << SHIFT;
  }

  /**
   * Walks `text` through the automaton and calls `visit` with the patterns ending at each position
   * where any does (`end` exclusive). Per character: one table load and one comparison.
   */
  private walk(text: string, visit: (hits: readonly number[], end: number) => void): void {
    const table = this.table;
    const firstFinal = this.firstFinal;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      state = c < DENSE ? table[state + c]! : this.step(state, c);
      if (state >= firstFinal) visit(this.out[this.nodeOf[state >> SHIFT]!]!, i + 1);
    }
  }

  /**
   * Sets `seen[p] = 1` for every pattern `p` that occurs in `text` (`seen` has at least
   * {@link size} entries). No match objects: the prefilter's pass.
   */
  mark(text: string, seen: Uint8Array): void {
    this.walk(text, (hits) => {
      for (let k = 0; k < hits.length; k++) seen[hits[k]!] = 1;
    });
  }

  /** Calls `onMatch` for every occurrence, in order of end position. */
  scan(text: string, onMatch: (m: AcMatch) => void): void {
    this.walk(text, (hits, end) => {
      for (let k = 0; k < hits.length; k++) {
        const pattern = hits[k]!;
        onMatch({ pattern, start: end - this.lengths[pattern]!, end });
      }
    });
  }

  /** All occurrences, in order of end position (ties: longer pattern first). */
  findAll(text: string): AcMatch[] {
    const found: AcMatch[] = [];
    this.scan(text, (m) => found.push(m));
    return found;
  }
}
