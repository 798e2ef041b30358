import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig, resolveConfigPath } from '../../../bin/load-config';

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
    expect(() => loadConfig(file)).toThrow(new RegExp(`^${file}: not valid JSON`));
  });

  test('fails when the content is invalid, naming file and path', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ partner: 'x', account: '111111111111', regions: [{ region: 'eu-west-1' }] }),
    );
    expect(() => loadConfig(file)).toThrow(`${file}: regions[0].residencyZone:`);
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
