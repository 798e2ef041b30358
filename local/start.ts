/**
 * `npm start`: bundles the local runtime (local/main.ts) with esbuild and runs the bundle in this process, with
 * the same arguments (`npm start -- --help`). The bundle is rebuilt on every start (≈ 1 s): it always runs the
 * code as it is. Why a bundle and not tsx module by module: local/bundle.ts and docs/adr/0064.
 */
import { join } from 'node:path';
import { BUNDLE_DIR, bundleForNode } from './bundle';

bundleForNode(join(__dirname, 'main.ts'), join(BUNDLE_DIR, 'local-main.cjs')).then(
  (file) => {
    // Stack traces name the TypeScript sources (the bundle carries an inline source map).
    process.setSourceMapsEnabled(true);
    require(file);
  },
  (e: unknown) => {
    process.stderr.write(
      `npm start: could not bundle the local runtime: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(1);
  },
);
