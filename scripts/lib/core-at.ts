/**
 * The engine as it was at another commit, loaded next to the working tree's, so that a change can be
 * compared with its base in one process (`npm run equivalence`, `BENCH_BASE=<ref> npm run bench`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as core from '../../lambdas/core/index';

export type CoreModule = typeof core;

/**
 * Extracts `lambdas/core` and `config` of `ref` into `.cache/engine-at/<commit>` (inside the repository,
 * so its imports resolve to this node_modules) and loads its `lambdas/core/index.ts`. Needs the
 * TypeScript loader (run under tsx). `ref` may also be a path to a folder holding such a tree (with a `/` in
 * it), loaded in place. Throws when `ref` is neither.
 */
export function coreAt(ref: string): CoreModule {
  return require(coreEntryAt(ref)) as CoreModule;
}

/**
 * The `lambdas/core/index.ts` that {@link coreAt} loads for `ref`: in the folder `ref` (a path, with a `/` in it),
 * or extracted from the commit `ref` into `.cache/engine-at/<commit>`. Throws when `ref` is neither.
 */
export function coreEntryAt(ref: string): string {
  // A folder holding a whole tree (an unpacked copy of the repository with its own node_modules) loads as it is.
  const tree = resolve(ref, 'lambdas', 'core', 'index.ts');
  if (ref.includes('/') && existsSync(tree)) return tree;
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(`${ref}: not a commit`);
  }
  const dir = resolve(__dirname, '..', '..', '.cache', 'engine-at', commit);
  if (!existsSync(join(dir, 'lambdas', 'core', 'index.ts'))) {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', commit, 'lambdas/core', 'config'], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return join(dir, 'lambdas', 'core', 'index.ts');
}
