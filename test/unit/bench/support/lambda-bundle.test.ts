import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundleLambda,
  LAMBDA_ENTRIES,
  PROXY_BUNDLE_BUDGET_BYTES,
} from '../../../../bench/support/lambda-bundle';

describe('the proxy Lambda bundle', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proxy-bundle-'));
    file = await bundleLambda({ entry: LAMBDA_ENTRIES.proxy, outfile: join(dir, 'proxy.js') });
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN the deployed bundling (minified, SDK from the runtime) THEN it fits the 1,024 KB budget', () => {
    const bytes = statSync(file).size;
    expect(bytes).toBeLessThanOrEqual(PROXY_BUNDLE_BUDGET_BYTES);
    // The engine, its lexicons and tier 1's weights are in it: a bundle that lost them would pass the budget trivially.
    expect(bytes).toBeGreaterThan(256 * 1024);
  });

  it('GIVEN the bundle THEN the AWS SDK is required from the runtime, not bundled, and the handler is exported', () => {
    const code = readFileSync(file, 'utf8');
    expect(code).toMatch(/require\("@aws-sdk\/[a-z-]+"\)/);
    // esbuild's CommonJS export table of the entry module names `handler` as a getter.
    expect(code).toMatch(/[{,]handler:\(\)=>/);
  });
});
