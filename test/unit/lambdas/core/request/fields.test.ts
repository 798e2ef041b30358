/**
 * The field table (lambdas/core/request/fields.ts) is kept current against the installed
 * `@anthropic-ai/sdk`: its request type declarations are read with the TypeScript compiler API and
 * walked from `MessageCreateParams` / `BetaMessageCreateParams`. A field or a block/tool type the SDK
 * has and the table does not classify fails here — upgrading the SDK is how a new API field is found.
 * The zod schema must accept exactly what the table accepts, and docs/serving.md must show the table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as z from 'zod';
import {
  ALLOWED_BETAS,
  DENIED_BETAS,
  FIELD_TABLE,
  fieldTableMarkdown,
  ruleKind,
} from '../../../../../lambdas/core/request/fields';
import { BedrockBody, MessagesBody } from '../../../../../lambdas/core/request/schema';

const ROOT = join(__dirname, '../../../../..');
const SDK = join(ROOT, 'node_modules/@anthropic-ai/sdk');
const FILES = {
  beta: join(SDK, 'resources/beta/messages/messages.d.ts'),
  stable: join(SDK, 'resources/messages/messages.d.ts'),
  betaHeader: join(SDK, 'resources/beta/beta.d.ts'),
};

const program = ts.createProgram(Object.values(FILES), {
  noEmit: true,
  strict: true,
  skipLibCheck: true,
  types: [],
});
const checker = program.getTypeChecker();

function exported(file: string, name: string): ts.Symbol {
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.getName() === name);
  if (!symbol) throw new Error(`${name} not found in ${file}: the SDK layout changed, update this test`);
  return symbol;
}

/** The table's name for an SDK type: `BetaTextBlockParam` and `TextBlockParam` are the same row. */
const rowName = (t: ts.Type): string =>
  (t.aliasSymbol ?? t.getSymbol())?.getName().replace(/^Beta/, '') ?? '?';

const LEAF =
  ts.TypeFlags.StringLike |
  ts.TypeFlags.NumberLike |
  ts.TypeFlags.BooleanLike |
  ts.TypeFlags.BigIntLike |
  ts.TypeFlags.Null |
  ts.TypeFlags.Undefined |
  ts.TypeFlags.Void |
  ts.TypeFlags.Unknown |
  ts.TypeFlags.Any;

/** Object types inside a property type (through unions, intersections and arrays). */
function objectTypes(t: ts.Type, out: ts.Type[] = []): ts.Type[] {
  if (t.flags & LEAF) return out;
  if (t.isUnion() || t.isIntersection()) {
    for (const u of t.types) objectTypes(u, out);
  } else if (checker.isArrayType(t) || checker.isTupleType(t)) {
    for (const a of checker.getTypeArguments(t as ts.TypeReference)) objectTypes(a, out);
  } else out.push(t);
  return out;
}

/**
 * Walks the SDK request types from the two `MessageCreateParamsBase` declarations, descending only
 * where the table accepts a field (not into refused fields or types, nor into free-form JSON), and
 * returns every problem found.
 */
function unclassified(table: typeof FIELD_TABLE = FIELD_TABLE): string[] {
  const problems = new Set<string>();
  const seen = new Set<ts.Type>();
  const visit = (t: ts.Type, via: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const name = rowName(t);
    const row = table[name];
    if (row === undefined) {
      problems.add(`type ${name} (reached via ${via}) is not classified`);
      return;
    }
    if (row === 'refused') return;
    for (const prop of checker.getPropertiesOfType(t)) {
      const field = prop.getName();
      const rule = row[field];
      if (rule === undefined) {
        problems.add(`field ${name}.${field} is not classified`);
        continue;
      }
      const kind = ruleKind(rule);
      if (kind === 'refused' || kind === 'json' || kind === 'route' || kind === 'control') continue;
      for (const child of objectTypes(checker.getTypeOfSymbol(prop))) visit(child, `${name}.${field}`);
    }
    if (checker.getIndexInfosOfType(t).length > 0) problems.add(`type ${name} has an index signature`);
  };
  for (const file of [FILES.beta, FILES.stable]) {
    visit(checker.getDeclaredTypeOfSymbol(exported(file, 'MessageCreateParamsBase')), 'the request');
  }
  return [...problems].sort();
}

/** `[sdk type name, field names]` of every object in a zod schema (objects carry `.meta({ sdk })`). */
function zodObjects(schema: z.ZodType): Array<[string | undefined, string[]]> {
  const out: Array<[string | undefined, string[]]> = [];
  const seen = new Set<unknown>();
  const walk = (s: z.ZodType): void => {
    if (seen.has(s)) return;
    seen.add(s);
    const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    switch (def['type']) {
      case 'object': {
        const shape = def['shape'] as Record<string, z.ZodType>;
        out.push([z.globalRegistry.get(s)?.['sdk'] as string | undefined, Object.keys(shape)]);
        for (const v of Object.values(shape)) walk(v);
        break;
      }
      case 'array':
        walk(def['element'] as z.ZodType);
        break;
      case 'union':
        for (const o of def['options'] as z.ZodType[]) walk(o);
        break;
      case 'optional':
      case 'nullable':
        walk(def['innerType'] as z.ZodType);
        break;
      case 'record':
        walk(def['valueType'] as z.ZodType);
        break;
    }
  };
  walk(schema);
  return out;
}

describe('field table', () => {
  test('GIVEN the installed @anthropic-ai/sdk WHEN its request types are walked THEN every field and type is classified', () => {
    expect(unclassified()).toEqual([]);
  });

  test('GIVEN the walker WHEN a type or a field is missing from the table THEN it is reported (the test can fail)', () => {
    const { CitationCharLocationParam: _dropped, ...withoutType } = FIELD_TABLE;
    expect(unclassified(withoutType)).toContain(
      'type CitationCharLocationParam (reached via TextBlockParam.citations) is not classified',
    );
    const { citations: _field, ...textBlock } = FIELD_TABLE['TextBlockParam'] as Record<string, string>;
    expect(unclassified({ ...FIELD_TABLE, TextBlockParam: textBlock })).toContain(
      'field TextBlockParam.citations is not classified',
    );
  });

  test('GIVEN every rule WHEN read THEN it starts with a known keyword', () => {
    const kinds = new Set(['text', 'json', 'control', 'nested', 'route', 'refused']);
    for (const [name, row] of Object.entries(FIELD_TABLE)) {
      if (row === 'refused') continue;
      for (const [field, rule] of Object.entries(row)) {
        expect([`${name}.${field}`, kinds.has(ruleKind(rule))]).toEqual([`${name}.${field}`, true]);
      }
    }
  });

  test('GIVEN the zod schemas WHEN walked THEN they accept exactly the fields the table accepts', () => {
    const problems: string[] = [];
    for (const schema of [MessagesBody, BedrockBody]) {
      for (const [sdk, keys] of zodObjects(schema)) {
        const row =
          sdk === 'BedrockInvokeModelBody'
            ? ({
                ...(FIELD_TABLE['MessageCreateParamsBase'] as object),
                ...(FIELD_TABLE[sdk] as object),
              } as Record<string, string>)
            : sdk === undefined
              ? undefined
              : FIELD_TABLE[sdk];
        if (sdk === undefined || row === undefined || row === 'refused') {
          problems.push(`schema object ${sdk ?? '(no sdk meta)'} [${keys.join(',')}] has no accepting row`);
          continue;
        }
        for (const k of keys) {
          const kind = row[k] === undefined ? undefined : ruleKind(row[k]);
          if (kind === undefined || kind === 'refused')
            problems.push(`schema accepts ${sdk}.${k}: table says ${kind}`);
        }
        for (const [field, rule] of Object.entries(row)) {
          if (
            ruleKind(rule) !== 'refused' &&
            !keys.includes(field) &&
            !sdk.endsWith('Body') &&
            sdk !== 'MessageCreateParamsBase'
          )
            problems.push(`table accepts ${sdk}.${field}: schema does not`);
        }
      }
    }
    // Top level: the Messages body accepts the table's accepted top-level fields, Bedrock those plus its own.
    const top = FIELD_TABLE['MessageCreateParamsBase'] as Record<string, string>;
    const accepted = Object.keys(top).filter((f) => ruleKind(top[f] as string) !== 'refused');
    expect(Object.keys(MessagesBody.shape).sort()).toEqual(accepted.sort());
    expect(Object.keys(BedrockBody.shape).sort()).toEqual(
      [
        ...accepted.filter((f) => f !== 'model' && f !== 'stream'),
        'anthropic_version',
        'anthropic_beta',
      ].sort(),
    );
    expect([...new Set(problems)]).toEqual([]);
  });

  test('GIVEN the SDK AnthropicBeta union WHEN compared THEN every flag is allowed or denied, never both', () => {
    const alias = checker.getDeclaredTypeOfSymbol(exported(FILES.betaHeader, 'AnthropicBeta'));
    const flags = (alias.isUnion() ? alias.types : [alias])
      .filter((t): t is ts.StringLiteralType => t.isStringLiteral())
      .map((t) => t.value);
    expect(flags.length).toBeGreaterThan(10);
    expect(flags.filter((f) => !ALLOWED_BETAS.has(f) && !DENIED_BETAS.has(f))).toEqual([]);
    expect([...ALLOWED_BETAS].filter((f) => DENIED_BETAS.has(f))).toEqual([]);
  });

  test('GIVEN docs/serving.md WHEN read THEN it shows the current field table', () => {
    const doc = readFileSync(join(ROOT, 'docs/serving.md'), 'utf8');
    expect(doc).toContain(fieldTableMarkdown());
  });
});
