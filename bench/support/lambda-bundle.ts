/**
 * How a Lambda's code is bundled for measurement: like the CDK construct (`lib/constructs/serving-functions.ts`):
 * esbuild, minified CommonJS, `@aws-sdk/*` taken from the runtime (or bundled, for comparison). Used by
 * `npm run bench:lambda` (sizes and cold starts) and by the proxy's bundle-budget test.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';

/** The Lambda entry points measured, relative to a checkout's root. */
export const LAMBDA_ENTRIES = {
  authorizer: 'lambdas/authorizer/handler.ts',
  proxy: 'lambdas/proxy/handler.ts',
} as const;

/**
 * The proxy bundle's budget (bytes, SDK from the runtime): a larger bundle lengthens every cold start (ADR 0030).
 * The tier-2 model never runs in the Lambda, so its weights are never part of it.
 */
export const PROXY_BUNDLE_BUDGET_BYTES = 1024 * 1024;

export interface BundleOptions {
  readonly entry: string;
  readonly outfile: string;
  /** Bundle `@aws-sdk/*` too, instead of taking it from the runtime. */
  readonly bundleSdk?: boolean;
  /** The checkout whose code is bundled (default: the current directory). */
  readonly root?: string;
  /** Minified as deployed (default); unminified for profiles that name functions and lines. */
  readonly minify?: boolean;
}

/** Bundles one Lambda entry to `outfile`; returns `outfile`. */
export async function bundleLambda(o: BundleOptions): Promise<string> {
  const bundleSdk = o.bundleSdk === true;
  await build({
    absWorkingDir: resolve(o.root ?? '.'),
    entryPoints: [o.entry],
    outfile: o.outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: o.minify ?? true,
    sourcemap: false,
    external: bundleSdk ? [] : ['@aws-sdk/*'],
    logLevel: 'error',
  });
  return o.outfile;
}
