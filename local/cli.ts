import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isKnownRegion, nearestRegion, zoneMismatch } from '../config/regions';
import type { EnforcementTableNames } from '../lambdas/adapters/dynamo/client';
import { kmsPseudonymizer, localPseudonymizer } from '../lambdas/adapters/hmac';
import { type DecisionRecord, RECORD_ACTIONS } from '../lambdas/core/decision/record';
import { LIMIT_BOUNDS } from '../lambdas/core/enforcement/tenant';
import type { RateLimits, TenantStatus } from '../lambdas/core/enforcement/types';
import type { TenantOverrides } from '../lambdas/core/engine/overrides';
import type { Pseudonymize } from '../lambdas/core/serving/types';
import { type Action, CATEGORIES, type Category } from '../lambdas/core/types';
import {
  ActionError,
  addKey,
  clearLimits,
  createTenant,
  type OperatorContext,
  OverrideError,
  operatorContext,
  parseDuration,
  reinstate,
  setKillSwitch,
  setLimits,
  setModelDisabled,
  setOverrides,
  setShadow,
  setStatus,
  showTenant,
} from '../lambdas/operator/actions';
import { fetchDecisionRecords } from '../lambdas/operator/decisions-aws';
import { localClients } from './dynalite';
import { generateEdgeKeys, issueClaimKey } from './edge-keys';
import { buildIncident, renderIncident, selectWindow } from './incident';
import { readLocalHmacKey, readRuntimeInfo } from './runtime-file';
import { readDecisionRecords, skippedLineMessage } from './telemetry-sink';

/**
 * The operator CLI, `npx safeguards …` (bin/safeguards.cjs calls {@link runCli}). Every command is one entry of
 * the command table below — its words, arguments, flags, help text with an example, and its action — so that
 * `--help` and the strict flag check cannot drift from what a command does. Actions are the shared operator
 * actions (lambdas/operator/actions.ts), the same code as the operator API.
 */

// The local tools run on the machine's Node (20 here); the Lambda functions run on Node 22. The AWS SDK's
// notice about Node 20 support is for the SDK's own roadmap, not for this demo: keep it out of the output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** A mistake in how the CLI was called: exit code 2 with the message and where to find help. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly help = 'npx safeguards --help',
  ) {
    super(message);
  }
}

interface Flag {
  readonly type: 'string' | 'boolean';
  /** Placeholder shown in the usage line, e.g. `<n>`. */
  readonly value?: string;
  readonly help: string;
  readonly default?: string;
}

type Values = Record<string, string | boolean | undefined>;

/** One CLI command: its words, positional arguments, flags, help text and action. */
interface Command {
  readonly name: string;
  readonly args?: readonly string[];
  readonly summary: string;
  readonly details?: string;
  readonly flags?: Readonly<Record<string, Flag>>;
  readonly required?: readonly string[];
  readonly examples: readonly string[];
  run(call: Call): Promise<void>;
}

interface Call {
  readonly o: Values;
  readonly args: readonly string[];
  readonly command: Command;
  /** Prints a result: `value` as JSON with --json, else `text`. */
  print(value: unknown, text: string): void;
  /** Writes a warning to the error stream (whatever the output format). */
  warn(text: string): void;
  /** The operator context over the local gateway's store or the region's tables (opened once, closed after). */
  ctx(): OperatorContext;
}

const GLOBAL_FLAGS: Readonly<Record<string, Flag>> = {
  region: {
    type: 'string',
    value: '<region>',
    help: 'act on AWS in that region (tables from SAFEGUARDS_*_TABLE env vars)',
  },
  'data-dir': {
    type: 'string',
    value: '<dir>',
    help: 'where the local gateway keeps its state',
    default: '.local',
  },
  actor: { type: 'string', value: '<name>', help: 'audit actor (default operator:<os user>)' },
  json: { type: 'boolean', help: 'machine-readable output' },
  help: { type: 'boolean', help: 'this help' },
};

const reasonFlag: Flag = { type: 'string', value: '<text>', help: 'why (goes to the audit log); required' };

const LIMIT_FLAGS: ReadonlyArray<readonly [flag: string, dimension: keyof RateLimits, words: string]> = [
  ['requests', 'requests', 'requests per minute'],
  ['input-tokens', 'inputTokens', 'input tokens per minute'],
  ['output-tokens', 'outputTokens', 'output tokens per minute'],
];

/** Where the CLI writes (the process's streams, or a test's buffers). */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_IO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

const str = (o: Values, name: string): string | undefined =>
  typeof o[name] === 'string' ? (o[name] as string) : undefined;

/** The local gateway's decision records; a line that is not a record is skipped and reported on stderr. */
function localDecisions(call: Call): DecisionRecord[] {
  const path = readRuntimeInfo(str(call.o, 'data-dir') ?? '.local').telemetryPath;
  return readDecisionRecords(path, (skip) => call.warn(skippedLineMessage(path, skip)));
}

function need(call: Call, name: string): string {
  const v = str(call.o, name);
  if (v === undefined || v.trim() === '') {
    throw new UsageError(
      `${call.command.name} needs --${name}${name === 'reason' ? ' (it goes to the audit log)' : ''}`,
      helpOf(call.command),
    );
  }
  return v;
}

const helpOf = (c: Command) => `npx safeguards ${c.name} --help`;

function awsTables(): EnforcementTableNames {
  const get = (name: string) => {
    const v = process.env[name];
    if (!v) throw new UsageError(`--region needs ${name} (the table's physical name from the stack)`);
    return v;
  };
  return {
    tenants: get('SAFEGUARDS_TENANTS_TABLE'),
    limits: get('SAFEGUARDS_LIMITS_TABLE'),
    violations: get('SAFEGUARDS_VIOLATIONS_TABLE'),
    audit: get('SAFEGUARDS_AUDIT_TABLE'),
  };
}

function connect(o: Values): { ctx: OperatorContext; close: () => void } {
  const actor = str(o, 'actor') ?? `operator:${userInfo().username}`;
  const region = str(o, 'region');
  if (region) {
    const raw = new DynamoDBClient({ region });
    const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const keyId = process.env['SAFEGUARDS_HMAC_KEY_ID'];
    const kms = keyId ? new KMSClient({ region }) : undefined;
    const pseudonymize: Pseudonymize | undefined = kms && keyId ? kmsPseudonymizer(kms, keyId) : undefined;
    return {
      ctx: operatorContext(doc, awsTables(), actor, undefined, pseudonymize ? { pseudonymize } : {}),
      close: () => {
        raw.destroy();
        kms?.destroy();
      },
    };
  }
  const dataDir = str(o, 'data-dir') ?? '.local';
  const info = readRuntimeInfo(dataDir);
  const { raw, doc } = localClients(info.dynamoEndpoint);
  const key = readLocalHmacKey(dataDir);
  return {
    ctx: operatorContext(
      doc,
      info.tables,
      actor,
      undefined,
      key ? { pseudonymize: localPseudonymizer(key) } : {},
    ),
    close: () => raw.destroy(),
  };
}

/** A whole number flag, checked before any store is touched: the error names the flag. */
function wholeNumber(flag: string, text: string): number {
  if (!/^[0-9]{1,12}$/.test(text.trim())) {
    throw new UsageError(`--${flag}: expected a positive whole number, got '${text.slice(0, 40)}'`);
  }
  return Number(text.trim());
}

const STATUS_COMMANDS: ReadonlyArray<readonly [verb: string, status: TenantStatus, duration?: string]> = [
  ['suspend', 'suspended', '24h'],
  ['throttle', 'throttled', '1h'],
  ['ban', 'banned'],
  ['unban', 'active'],
];

const statusCommand = ([verb, status, duration]: (typeof STATUS_COMMANDS)[number]): Command => ({
  name: `tenant ${verb}`,
  args: ['<tenantId>'],
  summary:
    verb === 'unban'
      ? 'back to active after a ban (and any other status)'
      : `set the tenant ${status}${duration ? ' (for a time with --for)' : ''}`,
  flags: {
    reason: reasonFlag,
    ...(duration
      ? {
          for: {
            type: 'string',
            value: '<duration>',
            help: `how long, e.g. 15m, ${duration}, 7d (default: until lifted)`,
          },
        }
      : {}),
  },
  required: ['reason'],
  examples: [
    `npx safeguards tenant ${verb} acme --reason "abuse report 42"${duration ? ` --for ${duration}` : ''}`,
  ],
  async run(call) {
    const target = call.args[0]!;
    const forText = str(call.o, 'for');
    let forMs: number | undefined;
    try {
      forMs = forText ? parseDuration(forText) : undefined;
    } catch (e) {
      throw new UsageError(`--for: ${(e as Error).message}`, helpOf(call.command));
    }
    const event = await setStatus(call.ctx(), target, status, need(call, 'reason'), forMs);
    call.print(
      event,
      `${event.action} ${target}: ${event.before?.status} → ${event.after?.status} (audit ${event.eventId})`,
    );
  },
});

const COMMANDS: readonly Command[] = [
  {
    name: 'tenant create',
    summary: 'create a tenant with its first API key (printed once)',
    details:
      'The tier must be one of the configured tier table (free, standard, enterprise, canary by default).',
    flags: {
      tier: { type: 'string', value: '<tier>', help: 'tier from the tier table', default: 'standard' },
      zone: {
        type: 'string',
        value: '<zone>',
        help: 'residency zone (EU, US, …; LOCAL locally)',
        default: 'LOCAL',
      },
      id: { type: 'string', value: '<tenantId>', help: 'tenant id (default: a random UUID)' },
    },
    examples: ['npx safeguards tenant create --tier enterprise --zone EU --id acme'],
    async run(call) {
      const id = str(call.o, 'id');
      const out = await createTenant(call.ctx(), {
        tier: str(call.o, 'tier') ?? 'standard',
        zone: str(call.o, 'zone') ?? 'LOCAL',
        ...(id ? { tenantId: id } : {}),
      });
      call.print(
        out,
        `tenant ${out.tenantId}\napi key ${out.apiKey}   (shown once; only its hash is stored)`,
      );
    },
  },
  {
    name: 'tenant list',
    summary: 'tenants with status and key count',
    examples: ['npx safeguards tenant list --json'],
    async run(call) {
      const list = await call.ctx().tenants.listTenants();
      call.print(
        list,
        list
          .map(
            (t) =>
              `${t.tenantId}  ${t.status.padEnd(9)} tier=${t.tier} zone=${t.zone} keys=${t.keys}${t.reason ? `  (${t.reason})` : ''}`,
          )
          .join('\n') || '(no tenants)',
      );
    },
  },
  {
    name: 'tenant show',
    args: ['<tenantId|tn_pseudonym>'],
    summary: 'status, limits, keys and audit trail of a tenant',
    details:
      'Accepts the tenant id or the tn_… pseudonym a decision record shows. Locally the pseudonym is resolved\n' +
      "with the gateway's HMAC key; with --region, with KMS GenerateMac over every tenant of the region\n" +
      '(SAFEGUARDS_HMAC_KEY_ID = the stack output HmacKeyArn; one KMS request per tenant, see docs/enforcement.md).',
    examples: [
      'npx safeguards tenant show acme',
      'npx safeguards tenant show tn_3f9a0c1d2e4b5a6978800112233445566',
    ],
    async run(call) {
      const shown = await showTenant(call.ctx(), call.args[0]!);
      const t = shown.tenant;
      const limits = t.limits
        ? `  limits=${Object.entries(t.limits)
            .map(([k, v]) => `${k}:${v}`)
            .join(',')}/min`
        : '';
      call.print(
        shown,
        [
          `${t.tenantId}  ${t.status}${t.until ? ` until ${new Date(t.until).toISOString()}` : ''}  tier=${t.tier} zone=${t.zone} keys=${shown.keys}${limits}`,
          ...shown.audit.map(
            (e) => `  ${new Date(e.at).toISOString()}  ${e.action.padEnd(18)} by ${e.actor}: ${e.reason}`,
          ),
        ].join('\n'),
      );
    },
  },
  ...STATUS_COMMANDS.map(statusCommand),
  {
    name: 'tenant reinstate',
    args: ['<tenantId>'],
    summary: 'lift a throttle or suspension (by an operator or the automatic ladder) now',
    details:
      "Also forgives the strikes of the tenant's current ladder windows, so its next blocked request does not\n" +
      "escalate it again at once. A ban is lifted with 'tenant unban' after its review.",
    flags: { reason: reasonFlag },
    required: ['reason'],
    examples: ['npx safeguards tenant reinstate demo-tenant --reason "blocked examples were a test"'],
    async run(call) {
      const event = await reinstate(call.ctx(), call.args[0]!, need(call, 'reason'));
      call.print(
        event,
        `${event.action} ${call.args[0]}: ${event.before?.status} → ${event.after?.status}; ${event.strikesCleared} strike counter(s) cleared (audit ${event.eventId})`,
      );
    },
  },
  {
    name: 'tenant limits set',
    args: ['<tenantId>'],
    summary: "per-minute limits for one tenant over its tier's defaults",
    details:
      'Give one or more of the limits; the others keep their current value. Each is a whole number from 1 up to\n' +
      `${LIMIT_BOUNDS.requests} requests, ${LIMIT_BOUNDS.inputTokens} input tokens, ${LIMIT_BOUNDS.outputTokens} output tokens per minute. A throttled tenant keeps 10 % of them.`,
    flags: {
      ...Object.fromEntries(
        LIMIT_FLAGS.map(([flag, d, words]) => [
          flag,
          { type: 'string', value: '<n>', help: `${words} (1–${LIMIT_BOUNDS[d]})` } satisfies Flag,
        ]),
      ),
      reason: reasonFlag,
    },
    required: ['reason'],
    examples: [
      'npx safeguards tenant limits set acme --requests 1200 --output-tokens 200000 --reason "contract 2027"',
    ],
    async run(call) {
      const limits: Partial<Record<keyof RateLimits, number>> = {};
      for (const [flag, d] of LIMIT_FLAGS) {
        const text = str(call.o, flag);
        if (text !== undefined) limits[d] = wholeNumber(flag, text);
      }
      if (Object.keys(limits).length === 0) {
        throw new UsageError(
          'tenant limits set needs at least one of --requests, --input-tokens, --output-tokens',
          helpOf(call.command),
        );
      }
      const reason = need(call, 'reason');
      let event: Awaited<ReturnType<typeof setLimits>>;
      try {
        event = await setLimits(call.ctx(), call.args[0]!, limits, reason);
      } catch (e) {
        // Name the flag rather than the stored field.
        const flag = e instanceof ActionError ? LIMIT_FLAGS.find(([, d]) => d === e.field)?.[0] : undefined;
        if (flag) throw new UsageError(`--${flag}: ${(e as Error).message}`, helpOf(call.command));
        throw e;
      }
      call.print(event, `limits of ${call.args[0]}: ${event.reason} (audit ${event.eventId})`);
    },
  },
  {
    name: 'tenant limits clear',
    args: ['<tenantId>'],
    summary: "remove a tenant's own limits: its tier's defaults apply again",
    flags: { reason: reasonFlag },
    required: ['reason'],
    examples: ['npx safeguards tenant limits clear acme --reason "contract ended"'],
    async run(call) {
      const event = await clearLimits(call.ctx(), call.args[0]!, need(call, 'reason'));
      call.print(event, `limits of ${call.args[0]}: ${event.reason} (audit ${event.eventId})`);
    },
  },
  {
    name: 'tenant tighten',
    args: ['<tenantId>'],
    summary: 'per-tenant policy override (may only tighten the baseline policy)',
    flags: {
      category: { type: 'string', value: '<category>', help: `one of ${CATEGORIES.join(', ')}` },
      threshold: { type: 'string', value: '<0..1>', help: 'a lower threshold than the baseline' },
      action: { type: 'string', value: '<action>', help: 'a more severe action: flag, redact or block' },
      reason: reasonFlag,
    },
    required: ['category', 'reason'],
    examples: [
      'npx safeguards tenant tighten acme --category pii --action block --reason "contract forbids PII"',
    ],
    async run(call) {
      const ctx = call.ctx();
      const target = call.args[0]!;
      const reason = need(call, 'reason');
      const category = str(call.o, 'category') as Category | undefined;
      if (!category || !(CATEGORIES as readonly string[]).includes(category))
        throw new UsageError(`--category must be one of ${CATEGORIES.join(', ')}`, helpOf(call.command));
      const thresholdText = str(call.o, 'threshold');
      const threshold = thresholdText === undefined ? undefined : Number(thresholdText);
      if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
        throw new UsageError('--threshold must be a number in [0, 1]', helpOf(call.command));
      const action = str(call.o, 'action') as Action | undefined;
      if (action && !['allow', 'flag', 'redact', 'block'].includes(action))
        throw new UsageError('--action must be allow, flag, redact or block', helpOf(call.command));
      const current = (await ctx.tenants.keysOf(target))[0]?.overrides ?? {};
      const next: TenantOverrides = {
        ...current,
        [category]: {
          ...current[category],
          ...(threshold !== undefined ? { threshold } : {}),
          ...(action ? { action } : {}),
        },
      };
      const event = await setOverrides(ctx, target, next, reason);
      call.print(event, `overrides of ${target}: ${JSON.stringify(next)} (audit ${event.eventId})`);
    },
  },
  {
    name: 'tenant overrides-clear',
    args: ['<tenantId>'],
    summary: "remove a tenant's policy overrides (baseline policy again)",
    flags: { reason: reasonFlag },
    required: ['reason'],
    examples: ['npx safeguards tenant overrides-clear acme --reason "contract ended"'],
    async run(call) {
      const event = await setOverrides(call.ctx(), call.args[0]!, {}, need(call, 'reason'));
      call.print(event, `overrides of ${call.args[0]}: {} (audit ${event.eventId})`);
    },
  },
  {
    name: 'key add',
    args: ['<tenantId>'],
    summary: 'another API key for a tenant (printed once)',
    details:
      'With --home-region the key carries a home-region claim signed with the claim-signing key from\n' +
      "'edge keygen' (docs/edge.md): the global edge routes it to that region. The region must lie in the\n" +
      "tenant's residency zone.",
    flags: {
      'home-region': {
        type: 'string',
        value: '<region>',
        help: 'home region claimed by the key (global edge)',
      },
      'claim-signing-key': {
        type: 'string',
        value: '<pem>',
        help: "claim-signing private key from 'edge keygen' (with --home-region)",
      },
    },
    examples: [
      'npx safeguards key add acme',
      'npx safeguards key add acme --home-region eu-central-1 --claim-signing-key keys/claim-signing.pem',
    ],
    async run(call) {
      const target = call.args[0]!;
      const home = str(call.o, 'home-region');
      const pem = str(call.o, 'claim-signing-key');
      if (home === undefined) {
        if (pem !== undefined)
          throw new UsageError('--claim-signing-key goes with --home-region', helpOf(call.command));
        const out = await addKey(call.ctx(), target);
        call.print(out, `api key ${out.apiKey}   (shown once)`);
        return;
      }
      const region = home.trim().toLowerCase();
      if (!isKnownRegion(region)) {
        const near = nearestRegion(home);
        throw new UsageError(
          `--home-region: unknown AWS region '${home}'${near ? `; did you mean '${near}'?` : ''}`,
          helpOf(call.command),
        );
      }
      if (pem === undefined)
        throw new UsageError('--home-region needs --claim-signing-key <pem>', helpOf(call.command));
      const ctx = call.ctx();
      const [tenant] = await ctx.tenants.keysOf(target);
      if (!tenant) throw new ActionError(404, 'tenantId', `no tenant '${target}'`);
      const mismatch = tenant.zone === 'LOCAL' ? undefined : zoneMismatch(region, tenant.zone);
      if (mismatch) throw new UsageError(`--home-region: tenant ${target} is bound to zone ${mismatch}`);
      let apiKey: string;
      try {
        apiKey = issueClaimKey(pem, region);
      } catch (e) {
        throw new UsageError(
          `--claim-signing-key: cannot read an Ed25519 private key from '${pem}' (${(e as Error).message})`,
        );
      }
      const out = await addKey(ctx, target, { apiKey, note: `operator; home region ${region}` });
      call.print(
        { ...out, homeRegion: region },
        `api key ${out.apiKey}   (shown once; home region ${region})`,
      );
    },
  },
  {
    name: 'edge keygen',
    summary: "generate the global edge's two Ed25519 key pairs",
    details:
      'Writes claim-signing.pem and origin-signing.pem (mode 0600, never overwritten) into --out and prints the\n' +
      'public keys for the config (edge.claimPublicKeys, edge.originPublicKeys). Store origin-signing.pem as the\n' +
      'secret edge.originSigningSecretName in us-east-1; keep claim-signing.pem with the operators (docs/edge.md).',
    flags: {
      out: { type: 'string', value: '<dir>', help: 'folder for the two private keys (created 0700)' },
    },
    required: ['out'],
    examples: ['npx safeguards edge keygen --out ~/safeguards-edge-keys'],
    async run(call) {
      const out = need(call, 'out');
      let keys: ReturnType<typeof generateEdgeKeys>;
      try {
        keys = generateEdgeKeys(out);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new UsageError(`--out: ${out} already holds edge keys; refusing to overwrite them`);
        throw e;
      }
      call.print(
        keys,
        [
          `claim-signing key   ${keys.claimSigningKeyFile}   (keep with the operators)`,
          `origin-signing key  ${keys.originSigningKeyFile}   (store as the secret edge.originSigningSecretName in us-east-1)`,
          'config:',
          `  "claimPublicKeys": ["${keys.claimPublicKey}"],`,
          `  "originPublicKeys": ["${keys.originPublicKey}"]`,
        ].join('\n'),
      );
    },
  },
  {
    name: 'shadow set',
    args: ['<category,…>'],
    summary: 'evaluate and record these categories, do not enforce them (this region)',
    flags: { reason: reasonFlag },
    required: ['reason'],
    examples: ['npx safeguards shadow set injection,jailbreak --reason "false-positive storm"'],
    async run(call) {
      const reason = need(call, 'reason');
      const cats = call.args[0]!.split(',').filter(Boolean);
      const bad = cats.filter((c) => !(CATEGORIES as readonly string[]).includes(c));
      if (cats.length === 0 || bad.length > 0)
        throw new UsageError(
          `shadow set needs categories among ${CATEGORIES.join(', ')}`,
          helpOf(call.command),
        );
      const c = await setShadow(call.ctx(), cats as Category[], reason);
      call.print(c, `shadow categories: ${c.shadowCategories.join(', ') || '(none)'}`);
    },
  },
  {
    name: 'shadow clear',
    summary: 'enforce every category again (this region)',
    flags: { reason: reasonFlag },
    required: ['reason'],
    examples: ['npx safeguards shadow clear --reason "storm over"'],
    async run(call) {
      const c = await setShadow(call.ctx(), [], need(call, 'reason'));
      call.print(c, `shadow categories: ${c.shadowCategories.join(', ') || '(none)'}`);
    },
  },
  {
    name: 'killswitch show',
    summary: 'the regional kill switch and disabled models',
    examples: ['npx safeguards killswitch show'],
    async run(call) {
      const c = await call.ctx().controls.read();
      call.print(
        c,
        `mode ${c.mode}; disabled models: ${c.disabledModels.join(', ') || '(none)'}${c.actor ? `; last set by ${c.actor}: ${c.reason ?? ''}` : ''}`,
      );
    },
  },
  {
    name: 'killswitch set',
    args: ['fail-closed|block-all'],
    summary: 'fail-closed: every failing check blocks; block-all: refuse all (within the 2 s controls cache)',
    flags: { reason: reasonFlag },
    required: ['reason'],
    examples: ['npx safeguards killswitch set block-all --reason "incident 7"'],
    async run(call) {
      const mode = call.args[0];
      if (mode !== 'fail-closed' && mode !== 'block-all')
        throw new UsageError('killswitch set needs fail-closed or block-all', helpOf(call.command));
      const c = await setKillSwitch(call.ctx(), mode, need(call, 'reason'));
      call.print(c, `kill switch: ${c.mode} (reaches every instance within the 2 s controls cache)`);
    },
  },
  {
    name: 'killswitch clear',
    summary: 'back to normal serving',
    flags: { reason: reasonFlag },
    required: ['reason'],
    examples: ['npx safeguards killswitch clear --reason "incident 7 resolved"'],
    async run(call) {
      const c = await setKillSwitch(call.ctx(), 'normal', need(call, 'reason'));
      call.print(c, `kill switch: ${c.mode} (reaches every instance within the 2 s controls cache)`);
    },
  },
  ...(['disable', 'enable'] as const).map(
    (verb): Command => ({
      name: `model ${verb}`,
      args: ['<modelId>'],
      summary:
        verb === 'disable' ? 'refuse requests for a model in this region' : 'serve a disabled model again',
      flags: { reason: reasonFlag },
      required: ['reason'],
      examples: [`npx safeguards model ${verb} anthropic.claude-sonnet-4-6 --reason "model recall"`],
      async run(call) {
        const c = await setModelDisabled(call.ctx(), call.args[0]!, verb === 'disable', need(call, 'reason'));
        call.print(c, `disabled models: ${c.disabledModels.join(', ') || '(none)'}`);
      },
    }),
  ),
  {
    name: 'decisions',
    summary: 'recent decision records of the local gateway',
    flags: {
      last: { type: 'string', value: '<n>', help: 'how many', default: '20' },
      action: { type: 'string', value: '<action>', help: RECORD_ACTIONS.join('|') },
    },
    examples: ['npx safeguards decisions --last 5 --action block'],
    async run(call) {
      if (str(call.o, 'region'))
        throw new UsageError(
          'decisions reads local telemetry; in AWS use the Logs Insights queries in docs/runbooks',
        );
      const action = str(call.o, 'action');
      if (action !== undefined && !(RECORD_ACTIONS as readonly string[]).includes(action))
        throw new UsageError(`--action must be one of ${RECORD_ACTIONS.join(', ')}, got '${action}'`);
      const n = wholeNumber('last', str(call.o, 'last') ?? '20');
      if (n < 1) throw new UsageError('--last must be a positive integer');
      const records = localDecisions(call)
        .filter((r) => !action || r.action === action)
        .slice(-n);
      call.print(
        records,
        records
          .map(
            (r) =>
              `${r.timestamp}  ${r.decisionId}  ${r.route.padEnd(22)} ${String(r.status).padEnd(4)} ${r.action.padEnd(6)} ${r.reason ?? ''}  tenant=${r.tenant ?? '-'}  added=${r.latencyMs.added}ms`,
          )
          .join('\n') || '(no decisions)',
      );
    },
  },
  {
    name: 'incident',
    summary: 'decision records and audit entries of a window, as a Markdown timeline',
    details:
      "For docs/postmortem-template.md. With --region: the region's proxy log group via Logs Insights\n" +
      '(SAFEGUARDS_PROXY_LOG_GROUP = the stack output ProxyLogGroupName).',
    flags: {
      'decision-id': { type: 'string', value: '<id>', help: 'center the window on this decision' },
      around: { type: 'string', value: '<duration>', help: 'half-width of the window (default 10m)' },
      since: { type: 'string', value: '<ISO time|30m>', help: 'start of the window' },
    },
    examples: [
      'npx safeguards incident --decision-id dec_0123 --around 10m',
      'npx safeguards incident --since 30m',
    ],
    async run(call) {
      const o = call.o;
      const sinceText = str(o, 'since');
      const aroundText = str(o, 'around');
      const decisionId = str(o, 'decision-id');
      const duration = (flag: string, text: string) => {
        try {
          return parseDuration(text);
        } catch (e) {
          throw new UsageError(`--${flag}: ${(e as Error).message}`, helpOf(call.command));
        }
      };
      const since =
        sinceText === undefined
          ? undefined
          : /^[0-9]+[smhd]$/.test(sinceText)
            ? Date.now() - duration('since', sinceText)
            : Date.parse(sinceText);
      if (since !== undefined && Number.isNaN(since))
        throw new UsageError(`--since: expected an ISO time or a duration like 30m, got '${sinceText}'`);
      const aroundMs = aroundText ? duration('around', aroundText) : undefined;
      let records: DecisionRecord[];
      const region = str(o, 'region');
      if (region) {
        const logGroupName = process.env['SAFEGUARDS_PROXY_LOG_GROUP'];
        if (!logGroupName)
          throw new UsageError(
            '--region needs SAFEGUARDS_PROXY_LOG_GROUP (the stack output ProxyLogGroupName)',
          );
        const around = aroundMs ?? 600_000;
        const to = Date.now();
        const from = since ?? to - 7 * 86_400_000;
        const logs = new CloudWatchLogsClient({ region });
        try {
          const hit = decisionId
            ? await fetchDecisionRecords(logs, { logGroupName, from, to, decisionId })
            : [];
          const at = hit[0] ? Date.parse(hit[0].timestamp) : undefined;
          records = await fetchDecisionRecords(logs, {
            logGroupName,
            from: at !== undefined ? at - around : from,
            to: at !== undefined ? at + around : to,
          });
        } finally {
          logs.destroy();
        }
      } else {
        records = localDecisions(call);
      }
      const window = selectWindow(records, {
        ...(decisionId ? { decisionId } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(aroundMs !== undefined ? { aroundMs } : {}),
      });
      const ctx = call.ctx();
      const tenants = await ctx.tenants.listTenants();
      const audit = (
        await Promise.all([ctx.audit.events('region'), ...tenants.map((t) => ctx.audit.events(t.tenantId))])
      ).flat();
      const incident = buildIncident(window, audit);
      call.print(incident, renderIncident(incident));
    },
  },
];

/** Groups in the order of the overview, with their heading. */
const GROUPS: ReadonlyArray<readonly [prefix: string, heading: string]> = [
  ['tenant', 'tenants'],
  ['key', 'keys'],
  ['shadow', 'policy (this region)'],
  ['killswitch', 'kill switch (regional; reaches every serving instance within the 2 s controls cache)'],
  ['model', 'models (this region)'],
  ['edge', 'global edge'],
  ['decisions', 'observability'],
  ['incident', 'observability'],
];

function usageLine(c: Command): string {
  const flags = Object.entries(c.flags ?? {}).map(([name, f]) => {
    const text = `--${name}${f.type === 'string' ? ` ${f.value ?? '<value>'}` : ''}`;
    return c.required?.includes(name) ? text : `[${text}]`;
  });
  return ['npx safeguards', c.name, ...(c.args ?? []), ...flags].join(' ');
}

function flagLines(flags: Readonly<Record<string, Flag>>): string[] {
  return Object.entries(flags).map(([name, f]) => {
    const left = `  --${name}${f.type === 'string' ? ` ${f.value ?? '<value>'}` : ''}`;
    return `${left.padEnd(30)} ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}`;
  });
}

function commandHelp(c: Command): string {
  return [
    `usage: ${usageLine(c)}`,
    '',
    c.summary,
    ...(c.details ? [c.details] : []),
    ...(c.flags && Object.keys(c.flags).length > 0 ? ['', 'options:', ...flagLines(c.flags)] : []),
    '',
    'common options:',
    ...flagLines(GLOBAL_FLAGS),
    '',
    c.examples.length > 1 ? 'examples:' : 'example:',
    ...c.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

function overview(only?: string): string {
  const lines = [
    'usage: npx safeguards <command> [options]   (npx safeguards <command> --help for details)',
    '',
  ];
  let heading = '';
  for (const [prefix, title] of GROUPS) {
    if (only !== undefined && only !== prefix) continue;
    if (title !== heading) {
      lines.push(title);
      heading = title;
    }
    for (const c of COMMANDS.filter((x) => x.name === prefix || x.name.startsWith(`${prefix} `))) {
      lines.push(`  ${[c.name, ...(c.args ?? [])].join(' ').padEnd(44)} ${c.summary}`);
    }
  }
  lines.push('', 'common options:', ...flagLines(GLOBAL_FLAGS), '');
  lines.push('exit codes: 0 done, 2 usage or input error (nothing changed), 1 other failure', '');
  return lines.join('\n');
}

/** Every flag name any command knows, with its type: the first pass finds the command words. */
function allFlags(): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const c of COMMANDS) for (const [n, f] of Object.entries(c.flags ?? {})) out[n] = { type: f.type };
  for (const [n, f] of Object.entries(GLOBAL_FLAGS)) out[n] = { type: f.type };
  out['help'] = { type: 'boolean', short: 'h' };
  return out;
}

/** Runs the CLI; returns the exit code. */
async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const loose = parseArgs({ args: [...argv], allowPositionals: true, strict: false, options: allFlags() });
  const words = loose.positionals;
  const wantsHelp = loose.values['help'] === true;
  if (words.length === 0) {
    io.out(overview());
    return 0;
  }
  const command = [...COMMANDS]
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
    .find((c) => c.name.split(' ').every((w, i) => words[i] === w));
  if (!command) {
    const group = GROUPS.find(([prefix]) => prefix === words[0]);
    if (group && words.length === 1 && wantsHelp) {
      io.out(overview(group[0]));
      return 0;
    }
    const known = COMMANDS.filter((c) => c.name.startsWith(`${words[0]} `)).map((c) => c.name);
    throw new UsageError(
      `unknown command '${words.join(' ')}'${known.length > 0 ? `; '${words[0]}' has: ${known.map((k) => k.split(' ').slice(1).join(' ')).join(', ')}` : ''}`,
      group ? `npx safeguards ${group[0]} --help` : 'npx safeguards --help',
    );
  }
  if (wantsHelp) {
    io.out(commandHelp(command));
    return 0;
  }
  const options = { ...GLOBAL_FLAGS, ...command.flags };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(options).map(([n, f]) => [
          n,
          {
            type: f.type,
            ...(n === 'help' ? { short: 'h' } : {}),
            ...(f.default !== undefined ? { default: f.default } : {}),
          },
        ]),
      ),
    });
  } catch (e) {
    const text = (e as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(text);
    throw new UsageError(
      unknown ? `${command.name}: unknown option '${unknown[1]}'` : `${command.name}: ${text}`,
      helpOf(command),
    );
  }
  const nWords = command.name.split(' ').length;
  const args = parsed.positionals.slice(nWords);
  const expected = command.args?.length ?? 0;
  if (args.length < expected)
    throw new UsageError(
      `${command.name} needs ${command.args!.slice(args.length).join(' ')}`,
      helpOf(command),
    );
  if (args.length > expected)
    throw new UsageError(`${command.name}: unexpected argument '${args[expected]}'`, helpOf(command));
  const values = parsed.values as Values;
  for (const r of command.required ?? []) {
    const v = values[r];
    if (typeof v !== 'string' || v.trim() === '')
      throw new UsageError(
        `${command.name} needs --${r}${r === 'reason' ? ' (it goes to the audit log)' : ''}`,
        helpOf(command),
      );
  }

  let session: ReturnType<typeof connect> | undefined;
  try {
    await command.run({
      o: values,
      args,
      command,
      print: (value, text) => io.out(values['json'] ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`),
      warn: (text) => io.err(text),
      ctx: () => {
        session ??= connect(values);
        return session.ctx;
      },
    });
  } finally {
    session?.close();
  }
  return 0;
}

/** Exit code and message for what `main` threw. */
function report(e: unknown, io: CliIo): number {
  if (e instanceof UsageError) {
    io.err(`safeguards: ${e.message}\n(see ${e.help})\n`);
    return 2;
  }
  if (e instanceof ActionError || e instanceof OverrideError) {
    io.err(`safeguards: ${e instanceof OverrideError ? `refused: ${e.message}` : e.message}\n`);
    return 2;
  }
  io.err(`safeguards: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}

/**
 * Runs `npx safeguards <argv>` and returns the exit code: 0 done, 2 a usage or input error (nothing changed),
 * 1 any other failure. Never throws.
 */
export function runCli(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  return main(argv, io).catch((e: unknown) => report(e, io));
}

/** Every command's words (for tests and docs). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);
