import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceClosure } from '../../../../scripts/classifier/source-closure';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'closure-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  return root;
}

describe('sourceClosure', () => {
  test('follows relative imports through files, directories (index.ts), re-exports, type-only, side-effect and data (JSON) imports', () => {
    const root = tree({
      'a.ts':
        "import list from './list.json';\nimport { b } from './b';\nimport type { T } from './lib';\nexport * from \"./re\";\nimport './side';\nimport { x } from 'node:fs';",
      'b.ts': "export { c } from './deep/c';",
      'deep/c.ts': "import { a } from '../a'; // cycle\nconst m = require('./data.json');",
      'deep/data.json': '{}',
      'lib/index.ts': 'export type T = 1;',
      'list.json': '["from \'./not-followed\'"]',
      're.ts': '',
      'side.ts': '',
      'unused.ts': '',
    });
    expect(sourceClosure(['a.ts'], root)).toEqual([
      'a.ts',
      'b.ts',
      'deep/c.ts',
      'lib/index.ts',
      'list.json',
      're.ts',
      'side.ts',
    ]);
  });

  test('an import that resolves to no source file is an error naming the importer and the specifier', () => {
    const root = tree({ 'a.ts': "import { gone } from './gone';" });
    expect(() => sourceClosure(['a.ts'], root)).toThrow(/a\.ts imports \.\/gone/);
  });

  test("the tier-1 recipe's closure reaches the normaliser's helpers, not only normalize.ts", () => {
    const files = sourceClosure(['scripts/classifier/recipe.ts', 'scripts/classifier/training.ts']);
    for (const f of [
      'lambdas/core/normalize/normalize.ts',
      'lambdas/core/normalize/despace.ts',
      'lambdas/core/normalize/patterns.ts',
      'lambdas/core/classifier/features.ts',
      'scripts/classifier/augment.ts',
      'scripts/eval/split.ts',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.every((f) => f.endsWith('.ts') || f.endsWith('.json'))).toBe(true);
  });
});
