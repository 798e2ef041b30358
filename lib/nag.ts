import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Registers the cdk-nag rule packs (AWS Solutions, NIST 800-53 R5, Serverless) and the AWS Control Tower cfn-guard
 * rules (docs/adr/0014-control-tower-guard-rules.md) as validation plugins. Called
 * by `bin/app.ts` and by the nag test, so both check with the same packs; acknowledgements live next to each
 * resource in `lib/constructs/` (see {@link acknowledge}). HIPAA is left out: on these stacks its findings are
 * the NIST R5 ones under other ids (docs/adr/0001-cdk-nag-version.md).
 */
export const addNagChecks = (app: App): void => {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new NIST80053R5Checks(app),
    new ServerlessChecks(app),
    // AWS Control Tower proactive controls (bundled cfn-guard binary and rules, runs offline).
    new CfnGuardValidator({ maxBuffer: 16 * 1024 * 1024 }),
  );
};

/** Namespace of the Control Tower (cfn-guard) rules in acknowledgement ids: `cdk-validator-cfnguard::<rule>`. */
export const CFN_GUARD = 'cdk-validator-cfnguard';

/** Acknowledges a Control Tower rule (its cfn-guard rule name, e.g. `sqs_dlq_check`) on one construct. */
export const acknowledgeGuard = (scope: IConstruct, rule: string, reason: string): void =>
  acknowledge(scope, { id: `${CFN_GUARD}::${rule}`, reason });

/** One acknowledgement: a cdk-nag finding id (narrowest form, e.g. `AwsSolutions-IAM5[Action::s3:List*]`) and why. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/** Acknowledges findings on one construct (and its children only). */
export const acknowledge = (scope: IConstruct, ...acks: readonly NagAcknowledgement[]): void => {
  for (const ack of acks) Validations.of(scope).acknowledge({ id: ack.id, reason: ack.reason });
};

/**
 * Renders a (possibly tokenized) IAM resource the way cdk-nag prints it in a finding id
 * (`<Logical.Arn>/*`, `arn:<AWS::Partition>:...`), so an acknowledgement can name that exact resource instead of
 * a whole rule.
 */
export const nagResource = (scope: IConstruct, value: string): string =>
  render(Stack.of(scope).resolve(value));

const render = (node: unknown): string => {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const o = node as { [k: string]: unknown };
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof o['Ref'] === 'string') return `<${o['Ref']}>`;
  }
  return JSON.stringify(node);
};
