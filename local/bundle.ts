/**
 * The local runtime run from one esbuild bundle instead of module by module under tsx (docs/adr/0064).
 *
 * tsx compiles each TypeScript file to CommonJS on load: every imported binding becomes a getter on the exporting
 * module's `exports` (read on each use: `import_text.isAsciiText(…)`), and every function gets a `__name` call
 * (esbuild's `keepNames`), also the closures made per request. A bundle has one scope: an imported function is a
 * plain call. The code is the same; the Lambda functions are bundled the same way (bench/support/lambda-bundle.ts).
 */
import { accessSync, constants, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** The repository root (this file is in `local/`). */
const ROOT = join(__dirname, '..');

/**
 * Gives each module of this repository its own `__dirname` and `__filename` (a bundle would have the bundle's):
 * modules that read files next to their source (the reference classifier's model directory) read the same files
 * bundled as under tsx.
 */
export function sourcePathsPlugin(root: string = ROOT): Plugin {
  return {
    name: 'source-paths',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (relative(root, args.path).startsWith('..') || args.path.includes('/node_modules/'))
          return undefined;
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(text)) return { contents: text, loader: 'ts' };
        return {
          contents: text
            .replace(/\b__dirname\b/g, JSON.stringify(dirname(args.path)))
            .replace(/\b__filename\b/g, JSON.stringify(args.path)),
          loader: 'ts',
        };
      });
    },
  };
}

/**
 * Bundles `entry` (a TypeScript file of this repository) into `outFile` as one CommonJS file for this Node, with
 * the packages left in node_modules and an inline source map (stack traces name the TypeScript sources under
 * `--enable-source-maps`). Takes ≈ 1 s. The file is written under a name of this process and renamed into place, so
 * two starts at once never load each other's half-written bundle. @returns `outFile`
 */
export async function bundleForNode(entry: string, outFile: string, root: string = ROOT): Promise<string> {
  mkdirSync(dirname(outFile), { recursive: true });
  const result = await build({
    entryPoints: [entry],
    outfile: outFile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    sourcemap: 'inline',
    // Errors are in the rejection's message (file, line and text), which the caller prints once.
    logLevel: 'silent',
    plugins: [sourcePathsPlugin(root)],
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote no output for ${entry}`);
  const partial = `${outFile}.${process.pid}.partial`;
  writeFileSync(partial, output.contents);
  renameSync(partial, outFile);
  return outFile;
}

/**
 * Where `npm start` and the benchmarks put their bundles: `node_modules/.cache/csp-safeguards` (ignored by git with
 * node_modules), or a folder of this user's in the system's temporary directory when node_modules is read-only.
 */
export const BUNDLE_DIR = writableDir(join(ROOT, 'node_modules', '.cache', 'csp-safeguards'));

function writableDir(preferred: string): string {
  try {
    mkdirSync(preferred, { recursive: true });
    accessSync(preferred, constants.W_OK);
    return preferred;
  } catch {
    const fallback = join(tmpdir(), `csp-safeguards-${process.getuid?.() ?? 'user'}`);
    mkdirSync(fallback, { recursive: true });
    return fallback;
  }
}
