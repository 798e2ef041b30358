/**
 * Required literals of a regular expression: a set of strings such that every match of the regex
 * contains at least one of them, in ASCII-lowercase form. Tier 0 looks for all of them in one
 * Aho-Corasick pass (a scan that folds ASCII case) and runs a regex only when one is present, so
 * ordinary text costs one linear pass instead of one regex scan per rule.
 *
 * The literals are computed from the regex source itself (never written by hand next to it), so a rule
 * edited later cannot drift away from its prefilter. The analysis is the one of RE2's prefilter and
 * Russ Cox's trigram index: each part of the pattern yields either the exact (small, finite) set of
 * strings it matches, or a set of which every match contains one; concatenation keeps the more
 * selective side, alternation takes the union, an optional part gives no requirement. Anything not
 * understood (character properties, back-references, `\w`, the `v` flag's class syntax) gives no
 * requirement either, so the answer errs only towards running the regex.
 *
 * Case: literals and the scanned text are both folded to ASCII lowercase, which can only add hits.
 * Under the `i` flag a non-ASCII letter has other-case forms the scan does not fold, and with `iu`
 * U+212A (Kelvin) and U+017F (long s) match `k` and `s`: such characters give no requirement.
 */

/** What the analysis knows about a part of a pattern. */
interface Info {
  /** Every string the part can match (ASCII-folded), when that set is small; else null. */
  readonly exact: ReadonlySet<string> | null;
  /** When `exact` is null: a set of which every match contains one, or null (no requirement). */
  readonly must: ReadonlySet<string> | null;
}

/**
 * Largest exact set kept; larger ones are turned into a requirement. Small: the prefilter keeps only a
 * short prefix of each literal anyway, and building tier 0 stays cheap at cold start.
 */
const MAX_EXACT = 32;
/** Largest character class enumerated. */
const MAX_CLASS = 16;

const EMPTY: Info = { exact: new Set(['']), must: null };
const ANY: Info = { exact: null, must: null };

const exactOf = (strings: Iterable<string>): Info => ({ exact: new Set(strings), must: null });

/** ASCII lowercase of one code unit's string, leaving everything else alone. */
export function foldAscii(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

/** The set a part's matches must contain one of, or null. */
function need(x: Info): ReadonlySet<string> | null {
  if (x.exact === null) return x.must;
  return x.exact.has('') ? null : x.exact;
}

/** The more selective of two requirements: longer shortest literal, then fewer literals. */
function better(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (a === null) return b;
  if (b === null) return a;
  const shortest = (s: ReadonlySet<string>) => Math.min(...[...s].map((x) => x.length));
  const la = shortest(a);
  const lb = shortest(b);
  if (la !== lb) return la > lb ? a : b;
  return b.size < a.size ? b : a;
}

function concat(a: Info, b: Info): Info {
  if (a.exact !== null && b.exact !== null && a.exact.size * b.exact.size <= MAX_EXACT) {
    const out = new Set<string>();
    for (const x of a.exact) for (const y of b.exact) out.add(x + y);
    return { exact: out, must: null };
  }
  return { exact: null, must: better(need(a), need(b)) };
}

function alternate(branches: readonly Info[]): Info {
  if (branches.every((b) => b.exact !== null)) {
    const out = new Set<string>();
    for (const b of branches) for (const s of b.exact!) out.add(s);
    if (out.size <= MAX_EXACT) return { exact: out, must: null };
  }
  const out = new Set<string>();
  for (const b of branches) {
    const n = need(b);
    if (n === null) return ANY;
    for (const s of n) out.add(s);
  }
  return { exact: null, must: out };
}

function repeat(x: Info, min: number, max: number): Info {
  if (max === 0) return EMPTY;
  if (min === 0) return max === 1 && x.exact !== null ? exactOf([...x.exact, '']) : ANY;
  if (min === 1 && max === 1) return x;
  return { exact: null, must: need(x) };
}

/** Characters with a meaning in a pattern (outside a class). */
const SYNTAX: ReadonlySet<number> = new Set([...'\\^$.|?*+()[]{}'].map((c) => c.charCodeAt(0)));

/** Thrown for syntax the analysis does not follow; the caller then gives no requirement. */
class Unsupported extends Error {}

/** A recursive-descent reader of a regex source that returns its {@link Info}. */
class Analysis {
  private i = 0;
  private readonly ignoreCase: boolean;
  private readonly unicode: boolean;

  constructor(
    private readonly src: string,
    flags: string,
  ) {
    if (flags.includes('v')) throw new Unsupported('v flag');
    this.ignoreCase = flags.includes('i');
    this.unicode = flags.includes('u');
  }

  run(): Info {
    const info = this.alternation();
    if (this.i !== this.src.length) throw new Unsupported(`unexpected ${this.src[this.i]}`);
    return info;
  }

  private alternation(): Info {
    const branches = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    return branches.length === 1 ? branches[0]! : alternate(branches);
  }

  /**
   * A concatenation. Consecutive exact parts are joined into longer literals (`.*abc` needs `abc`, not
   * just `a`); the most selective requirement of all the runs and inexact parts is kept.
   */
  private sequence(): Info {
    let run = EMPTY;
    let flushed = false;
    let best: ReadonlySet<string> | null = null;
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const plain = this.plainRun();
      const atom = plain === '' ? this.atom() : exactOf([plain]);
      const q = plain === '' ? this.quantifier() : undefined;
      const part = q ? repeat(atom, q[0], q[1]) : atom;
      if (part.exact !== null) {
        const joined = concat(run, part);
        if (joined.exact !== null) run = joined;
        else {
          best = better(best, need(run));
          flushed = true;
          run = part;
        }
      } else {
        best = better(better(best, need(run)), part.must);
        flushed = true;
        run = EMPTY;
      }
    }
    return flushed ? { exact: null, must: better(best, need(run)) } : run;
  }

  /**
   * A run of plain ASCII characters (no syntax, none quantified), folded: read in one step instead of
   * one set per character. Empty when the next character needs {@link atom}.
   */
  private plainRun(): string {
    const start = this.i;
    let end = start;
    while (end < this.src.length && this.isPlain(this.src.charCodeAt(end))) end++;
    // A quantifier applies to the character before it only: leave that one to atom().
    if (end < this.src.length && end > start && '*+?{'.includes(this.src[end]!)) end--;
    this.i = end;
    return foldAscii(this.src.slice(start, end));
  }

  /** An ASCII character that stands for itself and that the scan folds exactly as the regex does. */
  private isPlain(c: number): boolean {
    if (c >= 128 || SYNTAX.has(c)) return false;
    if (!(this.ignoreCase && this.unicode)) return true;
    // Under `iu`, k and s also match U+212A and U+017F.
    return c !== 107 && c !== 75 && c !== 115 && c !== 83;
  }

  private quantifier(): readonly [number, number] | undefined {
    const c = this.src[this.i];
    let q: readonly [number, number] | undefined;
    if (c === '*') q = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') q = [1, Number.POSITIVE_INFINITY];
    else if (c === '?') q = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) throw new Unsupported('literal {');
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
      this.i += m[0].length - 1;
      q = [min, max];
    }
    if (!q) return undefined;
    this.i++;
    if (this.src[this.i] === '?') this.i++; // lazy: same strings
    return q;
  }

  private atom(): Info {
    const c = this.src[this.i]!;
    if (c === '(') return this.group();
    if (c === '[') return this.charClass();
    if (c === '.') {
      this.i++;
      return ANY;
    }
    if (c === '^' || c === '$') {
      this.i++;
      return EMPTY;
    }
    if (c === '\\') return this.escape();
    if (c === '*' || c === '+' || c === '?' || c === '{' || c === '}' || c === ']')
      throw new Unsupported(`bare ${c}`);
    const ch = this.literalChar();
    return this.char(ch);
  }

  /** The next source character (a whole code point under `u`). */
  private literalChar(): string {
    const cp = this.src.codePointAt(this.i)!;
    const ch = this.unicode ? String.fromCodePoint(cp) : this.src[this.i]!;
    this.i += ch.length;
    return ch;
  }

  /** One literal character as an {@link Info}, or ANY where case folding could dodge the scan. */
  private char(ch: string): Info {
    return this.oneOf([ch]);
  }

  /** ASCII-folded form of `ch`, or null when the regex may match a form the scan does not see. */
  private fold(ch: string): string | null {
    const f = foldAscii(ch);
    if (!this.ignoreCase) return f;
    if (f.length === 1 && f.charCodeAt(0) < 128) return this.unicode && (f === 'k' || f === 's') ? null : f;
    return ch.toLowerCase() === ch && ch.toUpperCase() === ch ? f : null;
  }

  private group(): Info {
    this.i++;
    let lookaround = false;
    if (this.src.startsWith('?:', this.i)) this.i += 2;
    else if (this.src.startsWith('?=', this.i) || this.src.startsWith('?!', this.i)) {
      this.i += 2;
      lookaround = true;
    } else if (this.src.startsWith('?<=', this.i) || this.src.startsWith('?<!', this.i)) {
      this.i += 3;
      lookaround = true;
    } else if (this.src.startsWith('?<', this.i)) {
      const close = this.src.indexOf('>', this.i);
      if (close < 0) throw new Unsupported('group name');
      this.i = close + 1;
    } else if (this.src[this.i] === '?') throw new Unsupported('group modifier');
    const inner = this.alternation();
    if (this.src[this.i] !== ')') throw new Unsupported('unclosed group');
    this.i++;
    // An assertion consumes nothing: it adds no requirement of its own.
    return lookaround ? EMPTY : inner;
  }

  /** `\x` outside a class. */
  private escape(): Info {
    const e = this.src[this.i + 1];
    if (e === undefined) throw new Unsupported('trailing \\');
    if (e === 'b' || e === 'B') {
      this.i += 2;
      return EMPTY;
    }
    const chars = this.escapedChars();
    return chars === null ? ANY : this.oneOf(chars);
  }

  /** One of `chars`, folded; ANY when one of them has case forms the scan does not fold. */
  private oneOf(chars: Iterable<string>): Info {
    const folded = new Set<string>();
    for (const ch of chars) {
      const f = this.fold(ch);
      if (f === null) return ANY;
      folded.add(f);
    }
    return { exact: folded, must: null };
  }

  /**
   * The characters an escape stands for (after `\`, at `this.i`), advancing past it; null when they
   * are too many or unknown (`\w`, `\s`, `\p{…}`, back-references).
   */
  private escapedChars(): readonly string[] | null {
    const e = this.src[this.i + 1]!;
    this.i += 2;
    switch (e) {
      case 'd':
        return ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        return null;
      case 'p':
      case 'P': {
        if (this.unicode && this.src[this.i] === '{') {
          const close = this.src.indexOf('}', this.i);
          if (close < 0) throw new Unsupported('\\p');
          this.i = close + 1;
          return null;
        }
        return [e];
      }
      case 'k':
        throw new Unsupported('named back-reference');
      case 'n':
        return ['\n'];
      case 'r':
        return ['\r'];
      case 't':
        return ['\t'];
      case 'f':
        return ['\f'];
      case 'v':
        return ['\v'];
      case 'c': {
        const l = this.src.charCodeAt(this.i);
        if (!((l >= 65 && l <= 90) || (l >= 97 && l <= 122))) throw new Unsupported('\\c');
        this.i++;
        return [String.fromCharCode(l % 32)];
      }
      case 'x': {
        const hex = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
        if (!hex) throw new Unsupported('\\x');
        this.i += 2;
        return [String.fromCharCode(Number.parseInt(hex[0], 16))];
      }
      case 'u': {
        const braced = this.unicode ? /^\{([0-9a-fA-F]{1,6})\}/.exec(this.src.slice(this.i)) : null;
        if (braced) {
          this.i += braced[0].length;
          return [String.fromCodePoint(Number.parseInt(braced[1]!, 16))];
        }
        const hex = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.i));
        if (!hex) throw new Unsupported('\\u');
        this.i += 4;
        return [String.fromCharCode(Number.parseInt(hex[0], 16))];
      }
      default:
        if (e >= '0' && e <= '9') {
          if (e === '0' && !/[0-9]/.test(this.src[this.i] ?? '')) return ['\0'];
          throw new Unsupported('back-reference or octal escape');
        }
        // Identity escape (`\.`, `\/`, `\[` …); under `u` a surrogate pair is one character.
        this.i -= 1;
        return [this.literalChar()];
    }
  }

  /** `[…]`: the folded characters when few and known, else ANY. */
  private charClass(): Info {
    this.i++;
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const chars = new Set<string>();
    let unknown = negated;
    while (this.src[this.i] !== ']') {
      if (this.i >= this.src.length) throw new Unsupported('unclosed class');
      const from = this.classAtom();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const to = this.classAtom();
        if (from === null || to === null || from.length !== 1 || to.length !== 1) {
          unknown = true;
          continue;
        }
        const a = from[0]!.codePointAt(0)!;
        const b = to[0]!.codePointAt(0)!;
        if (b < a) throw new Unsupported('range out of order');
        if (b - a + 1 > MAX_CLASS) unknown = true;
        else for (let cp = a; cp <= b; cp++) chars.add(String.fromCodePoint(cp));
        continue;
      }
      if (from === null) unknown = true;
      else for (const ch of from) chars.add(ch);
    }
    this.i++;
    return unknown || chars.size > MAX_CLASS ? ANY : this.oneOf(chars);
  }

  /** One class member: its characters, or null when unknown. */
  private classAtom(): readonly string[] | null {
    if (this.src[this.i] !== '\\') return [this.literalChar()];
    const e = this.src[this.i + 1];
    if (e === 'b') {
      this.i += 2;
      return ['\b'];
    }
    if (e === '-') {
      this.i += 2;
      return ['-'];
    }
    return this.escapedChars();
  }
}

/**
 * Literals (ASCII-lowercase) of which every match of `re` contains at least one, or undefined when
 * the analysis finds no such set (the regex must then always run).
 */
export function requiredLiterals(re: RegExp): readonly string[] | undefined {
  try {
    const n = need(new Analysis(re.source, re.flags).run());
    return n === null ? undefined : [...n].sort();
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}
