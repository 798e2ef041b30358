import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfig, type SafeguardsConfig } from '../config/schema';

/** Repository root (bin/..): relative config paths resolve against it, never against the cwd. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Config used when neither `-c config=...` nor `SAFEGUARDS_CONFIG` is set. */
export const DEFAULT_CONFIG_PATH = 'config/example.config.json';

/**
 * Which config file to use: CDK context `config` (`cdk synth -c config=path`), else env `SAFEGUARDS_CONFIG`,
 * else {@link DEFAULT_CONFIG_PATH}.
 */
export const resolveConfigPath = (contextValue: unknown, env: NodeJS.ProcessEnv): string => {
  const chosen =
    typeof contextValue === 'string' && contextValue !== '' ? contextValue : env['SAFEGUARDS_CONFIG'];
  return chosen && chosen !== '' ? chosen : DEFAULT_CONFIG_PATH;
};

/**
 * Reads and validates a config file (JSON). Errors name the file as given by the user, the path in the document
 * and the problem.
 */
export const loadConfig = (file: string): SafeguardsConfig => {
  const absolute = path.resolve(PROJECT_ROOT, file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [
      `cannot read config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    ]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseConfig(document, file);
};
