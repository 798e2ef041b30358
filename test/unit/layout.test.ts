import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * The test tree mirrors the source tree (CONTRIBUTING.md, "Where a test lives"): every folder below
 * test/unit and test/infra is the mirror of a source folder, so a test's path follows from its module's.
 */
const ROOT = join(__dirname, '../..');

/** The folders below `dir` that hold a file (git tracks no empty folder). */
function folders(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (!statSync(full).isDirectory()) continue;
    const below = folders(full);
    if (below.length > 0 || readdirSync(full).some((f) => !statSync(join(full, f)).isDirectory())) {
      out.push(full, ...below);
    }
  }
  return out;
}

/** Folders of `base` whose mirror in the source tree does not exist. */
function orphansOf(base: string, root: string): string[] {
  return folders(base)
    .map((f) => relative(base, f).split(sep).join('/'))
    .filter((f) => {
      try {
        return !statSync(join(root, f)).isDirectory();
      } catch {
        return true;
      }
    });
}

describe('test layout', () => {
  it.each(['unit', 'infra'])(
    'GIVEN test/%s WHEN each folder is mapped to the source THEN the source folder exists',
    (project) => {
      expect(orphansOf(join(ROOT, 'test', project), ROOT)).toEqual([]);
    },
  );

  it('fails when a test folder mirrors no source folder', () => {
    // test/unit seen against lambdas/ as the source root: its lambdas/ and scripts/ folders mirror nothing there.
    const orphans = orphansOf(join(ROOT, 'test', 'unit'), join(ROOT, 'lambdas'));
    expect(orphans).toEqual(expect.arrayContaining(['lambdas', 'scripts']));
  });
});
