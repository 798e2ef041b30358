import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreAt } from '../../../../scripts/lib/core-at';

describe('coreAt', () => {
  let tree: string;

  beforeAll(() => {
    // GIVEN a folder holding a tree whose engine entry point says where it was loaded from
    tree = mkdtempSync(join(tmpdir(), 'core-at-'));
    mkdirSync(join(tree, 'lambdas', 'core'), { recursive: true });
    writeFileSync(
      join(tree, 'lambdas', 'core', 'index.ts'),
      "module.exports = { loadedFrom: 'the folder' };\n",
    );
  });

  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('GIVEN a path to a folder holding a tree WHEN loaded THEN it is that folder’s engine, in place', () => {
    const core = coreAt(tree) as unknown as { loadedFrom?: string };
    expect(core.loadedFrom).toBe('the folder');
  });

  it('fails when the reference is neither such a folder nor a commit', () => {
    expect(() => coreAt(join(tree, 'missing'))).toThrow(/not a commit/);
    expect(() => coreAt('no-such-ref-anywhere')).toThrow(/not a commit/);
  });
});
