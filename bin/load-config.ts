import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  findNodeAtLocation,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
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

/** `line L, column C` (1-based) of a character offset in `text`. */
export const lineColumn = (text: string, offset: number): string => {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
};

/**
 * Decodes a config document: JSON with comments (`//`, `/* *\/`) allowed, trailing commas not. Every syntax
 * error is reported with its line and column; the tree is kept so schema errors get a position too.
 */
export const decodeConfigText = (
  text: string,
  source: string,
): { readonly document: unknown; readonly tree: Node } => {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: false, allowTrailingComma: false });
  if (errors.length > 0 || tree === undefined) {
    throw new ConfigError(
      source,
      errors.length > 0
        ? errors.map((e) => `${lineColumn(text, e.offset)}: not valid JSON: ${printParseErrorCode(e.error)}`)
        : ['line 1, column 1: not valid JSON: empty document'],
    );
  }
  return { document: getNodeValue(tree), tree };
};

/**
 * Reads and validates a config file (JSON, comments allowed). Errors name the file as given by the user, the
 * line and column, the path in the document and the problem.
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
  const { document, tree } = decodeConfigText(text, file);
  return parseConfig(document, file, (issuePath) => {
    // The deepest node that exists: a missing field is reported at the object that lacks it.
    for (let n = issuePath.length; n >= 0; n--) {
      const segments = issuePath.slice(0, n).filter((k) => typeof k !== 'symbol') as (string | number)[];
      const node = findNodeAtLocation(tree, segments);
      if (node) return lineColumn(text, node.offset);
    }
    return undefined;
  });
};
