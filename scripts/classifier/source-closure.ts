/**
 * The source files a training step depends on: the transitive closure of relative `import … from`
 * statements from its entry modules. A cache keyed on these files is invalidated by any change that
 * can change what the step computes — including modules reached only indirectly (the normaliser's
 * helpers behind `normalize.ts`), which a hand-kept list misses.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * `from './x'` (static imports, re-exports, type-only imports too) and `import './x'` (side effects).
 * `require('./model.json')` is not followed: a committed model the code loads is its output, not its source.
 */
const IMPORT = /\b(?:from|import)\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function resolveModule(root: string, fromFile: string, spec: string): string {
  const base = resolve(dirname(fromFile), spec);
  for (const f of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(f)) return f;
  // A file imported by its full name (`.ts`, or data such as `.json`): part of the closure too.
  if (existsSync(base) && statSync(base).isFile()) return base;
  throw new Error(`source closure: ${relative(root, fromFile)} imports ${spec}, which resolves to no file`);
}

/**
 * Every file reachable from `entries` by relative imports (`.ts` modules, and imported data such as `.json`,
 * which is not read for imports), as paths relative to `root`, sorted.
 */
export function sourceClosure(entries: readonly string[], root: string = process.cwd()): string[] {
  const seen = new Set<string>();
  const todo = entries.map((e) => resolve(root, e));
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) todo.push(resolveModule(root, file, m[1]!));
  }
  return [...seen].map((f) => relative(root, f).split('\\').join('/')).sort();
}
