import { ArnFormat, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/**
 * Managed-rule-group rules that inspect the request body and are set to COUNT. Prompts are long and routinely
 * contain code, file paths, URLs, markup and quoted exploits (users ask about them); blocking on those patterns
 * would refuse legitimate inference. Content is the safeguards engine's job; the counts stay visible in metrics
 * and WAF logs. Header, URI and query-string rules keep blocking.
 */
export const BODY_RULES_COUNTED: { readonly [group: string]: readonly string[] } = {
  AWSManagedRulesCommonRuleSet: [
    'SizeRestrictions_BODY',
    'CrossSiteScripting_BODY',
    'GenericLFI_BODY',
    'GenericRFI_BODY',
    'EC2MetaDataSSRF_BODY',
  ],
  AWSManagedRulesKnownBadInputsRuleSet: ['Log4JRCE_BODY', 'JavaDeserializationRCE_BODY'],
};

/** Headers never written to WAF logs (tenant credentials). */
export const REDACTED_HEADERS = ['authorization', 'x-api-key'] as const;

/** Properties for {@link ApiFirewall}. */
export interface ApiFirewallProps {
  /** The API stage to protect. */
  readonly stage: apigateway.Stage;
  /** The region's data key: the WAF log group is encrypted with it. */
  readonly encryptionKey: kms.IKey;

  /**
   * Requests one client IP may send in any 5-minute window before WAF blocks it (a flood guard; per-tenant
   * limits are the authorizer's).
   *
   * @default 3000
   */
  readonly rateLimitPerIp?: number;

  /**
   * Retention of the WAF log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A regional web ACL in front of the API stage: AWS IP reputation list, a per-IP rate-based rule, the common
 * rule set and known bad inputs (body rules counted, see {@link BODY_RULES_COUNTED}). Metrics on for the ACL
 * and every rule; sampled requests off, because samples show request headers (API keys) unredacted. Blocked and
 * counted requests are logged to a KMS-encrypted `aws-waf-logs-` log group with credentials redacted.
 */
export class ApiFirewall extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly association: wafv2.CfnWebACLAssociation;
  public readonly logGroup: logs.LogGroup;
  public readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const metricPrefix = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: false,
      metricName: `${metricPrefix}-${name}`.slice(0, 128),
    });
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(BODY_RULES_COUNTED[name]
            ? {
                ruleActionOverrides: BODY_RULES_COUNTED[name].map((rule) => ({
                  name: rule,
                  actionToUse: { count: {} },
                })),
              }
            : {}),
        },
      },
      visibilityConfig: visibility(name),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Safeguards inference API',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('WebAcl'),
      rules: [
        managed('AWSManagedRulesAmazonIpReputationList', 0),
        {
          name: 'RateLimitPerIp',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.rateLimitPerIp ?? 3000,
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        managed('AWSManagedRulesCommonRuleSet', 2),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });

    this.association = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    // WAF only delivers to log groups whose name starts with `aws-waf-logs-`.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 400, separator: '-' })}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the `:*` suffix of `logGroupArn`.
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
  }
}
