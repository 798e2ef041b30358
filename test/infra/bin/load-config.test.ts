import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig, PROJECT_ROOT, resolveConfigPath } from '../../../bin/load-config';

describe('loadConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'safeguards-config-'));

  test('loads the default example config relative to the project, not the cwd', () => {
    expect(loadConfig(DEFAULT_CONFIG_PATH).regions).toHaveLength(3);
  });

  test('fails when the file does not exist, naming it', () => {
    expect(() => loadConfig('config/missing.json')).toThrow(
      'config/missing.json: cannot read config file (ENOENT)',
    );
  });

  test('fails when the file is not JSON, naming it', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "partner": ');
    expect(() => loadConfig(file)).toThrow(`${file}: line 1, column 14: not valid JSON: ValueExpected`);
  });

  test('fails when the content is invalid, naming file and path', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ partner: 'x', account: '111111111111', regions: [{ region: 'eu-west-1' }] }),
    );
    expect(() => loadConfig(file)).toThrow(`${file}: line 1, column 52: regions[0].residencyZone:`);
  });
});

describe('resolveConfigPath', () => {
  test('context wins over env, env over the default', () => {
    expect(resolveConfigPath('a.json', { SAFEGUARDS_CONFIG: 'b.json' })).toBe('a.json');
    expect(resolveConfigPath(undefined, { SAFEGUARDS_CONFIG: 'b.json' })).toBe('b.json');
    expect(resolveConfigPath(undefined, {})).toBe(DEFAULT_CONFIG_PATH);
    expect(resolveConfigPath('', { SAFEGUARDS_CONFIG: '' })).toBe(DEFAULT_CONFIG_PATH);
  });
});

describe('config text: comments and positions', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'safeguards-jsonc-'));

  test("the README's commented example config loads", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /```jsonc\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const file = path.join(dir, 'readme.jsonc');
    writeFileSync(file, block!);
    expect(loadConfig(file).regions[0]!.region).toBe('eu-west-1');
  });

  test('fails on a syntax error with its line and column', () => {
    const file = path.join(dir, 'comma.json');
    writeFileSync(file, '{\n  "partner": "x",\n  "account": "111111111111"\n  "regions": []\n}\n');
    expect(() => loadConfig(file)).toThrow(`${file}: line 4, column 3: not valid JSON: CommaExpected`);
  });

  test('fails on trailing commas (comments are the only extension)', () => {
    const file = path.join(dir, 'trailing.json');
    writeFileSync(file, '{ "partner": "x", }');
    expect(() => loadConfig(file)).toThrow(/line 1, column 19: not valid JSON/);
  });

  test('a schema error carries the line and column of the offending value', () => {
    const file = path.join(dir, 'typo.jsonc');
    const doc = readFileSync(path.join(PROJECT_ROOT, DEFAULT_CONFIG_PATH), 'utf8').replace(
      '"region": "eu-central-1",',
      '"region": "eu-nrth-1", // typo',
    );
    writeFileSync(file, `// a comment first\n${doc}`);
    const line = doc.split('\n').findIndex((l) => l.includes('eu-nrth-1')) + 2;
    const column = doc.split('\n')[line - 2]!.indexOf('"eu-nrth-1"') + 1;
    expect(() => loadConfig(file)).toThrow(
      `${file}: line ${line}, column ${column}: regions[1].region: expected a known AWS region (41 listed in config/regions.ts), got 'eu-nrth-1'; did you mean 'eu-north-1'?`,
    );
  });
});
