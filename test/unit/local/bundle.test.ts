import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_DIR, bundleForNode } from '../../../local/bundle';

const ROOT = join(__dirname, '..', '..', '..');

describe('bundleForNode (npm start runs the local runtime from one bundle)', () => {
  let dir: string;
  beforeAll(() => {
    mkdirSync(BUNDLE_DIR, { recursive: true });
    // Next to node_modules, as npm start's bundle: the packages stay there (not bundled).
    dir = mkdtempSync(join(BUNDLE_DIR, 'test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN a module that reads files next to its source WHEN bundled THEN its __dirname is its source folder, not the bundle folder', async () => {
    // The reference classifier serves the model directory found from its own __dirname.
    const out = await bundleForNode(
      join(ROOT, 'classifier', 'server', 'served-model.ts'),
      join(dir, 'nested', 'served-model.cjs'),
    );
    const bundled = require(out) as { REPO_MODEL_DIR: string };
    expect(bundled.REPO_MODEL_DIR).toBe(join(ROOT, 'lambdas', 'core', 'classifier'));
  });
});
