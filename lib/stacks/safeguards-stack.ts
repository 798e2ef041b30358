import { CfnOutput, Duration, Fn, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { allowedModels, canaryModel, type RegionConfig } from '../../config/schema';
import { AlarmTopic } from '../constructs/alarm-topic';
import { Canary } from '../constructs/canary';
import { CanaryTenant } from '../constructs/canary-tenant';
import { CAPTURE_PREFIX, ClassifierEndpoint } from '../constructs/classifier-endpoint';
import { EdgeOrigin } from '../constructs/edge-origin';
import { EnforcementTables } from '../constructs/enforcement-tables';
import { SituationalAwareness } from '../constructs/insights';
import { RegionalKeys } from '../constructs/keys';
import { Monitoring } from '../constructs/monitoring';
import { OperatorApi } from '../constructs/operator-api';
import { Perimeter } from '../constructs/perimeter';
import { ServingApi } from '../constructs/serving-api';
import { retentionAtMost, ServingFunctions } from '../constructs/serving-functions';
import { DecisionRecordSubscription } from '../constructs/serving-telemetry';
import { TelemetryStore } from '../constructs/telemetry-store';
import { ApiFirewall } from '../constructs/waf';

/** Stack name for a region: `Safeguards-eu-west-1`. */
export const stackNameFor = (region: string): string => `Safeguards-${region}`;

/** Properties for {@link SafeguardsStack}. `env` (account and region) is required. */
export interface SafeguardsStackProps extends StackProps {
  readonly env: { readonly account: string; readonly region: string };
  /** Partner name, used in the description and tags. */
  readonly partner: string;
  /** This region's validated config entry; `settings.region` must equal `env.region`. */
  readonly settings: RegionConfig;
  /**
   * Prefix of the runbook links in alarm descriptions.
   *
   * @default - the repository path `docs/runbooks/`
   */
  readonly runbookBaseUrl?: string;
  /**
   * IAM roles that administer the region's keys (config `keyAdministratorRoleArns`).
   *
   * @default - the account
   */
  readonly keyAdministratorRoleArns?: readonly string[];
  /**
   * Set when the global edge fronts this region: its custom domain for the edge, and, when the region is served
   * only through the edge, the public keys of the edge's origin assertions.
   *
   * @default - no edge origin
   */
  readonly edgeOrigin?: {
    readonly domainName: string;
    readonly certificateArn: string;
    readonly requiredAssertionKeys?: readonly string[];
  };
}

/**
 * One self-contained safeguards deployment for one region. Composes the constructs and wires their outputs;
 * every resource lives in `lib/constructs/`.
 */
export class SafeguardsStack extends Stack {
  public readonly keys: RegionalKeys;
  public readonly perimeter: Perimeter;
  public readonly telemetry: TelemetryStore;
  public readonly tables: EnforcementTables;
  public readonly alarms: AlarmTopic;
  /** Absent when the region's classifier mode is `never`. */
  public readonly classifier?: ClassifierEndpoint;
  public readonly serving: ServingFunctions;
  public readonly api: ServingApi;
  public readonly firewall: ApiFirewall;
  public readonly decisionRecords: DecisionRecordSubscription;
  public readonly monitoring: Monitoring;
  /** The enforcement canary; absent when the region opts out (`canary.enabled: false`). */
  public readonly canary?: Canary;
  /** The canary's tenant and generated key; present with the canary. */
  public readonly canaryTenant?: CanaryTenant;
  /** Logs Insights saved queries and the Athena table over this region's decision records. */
  public readonly insights: SituationalAwareness;
  /** IAM-authorized operator API (status, kill switch, model switches). */
  public readonly operatorApi: OperatorApi;
  /** The custom domain the global edge forwards to; absent when no edge fronts this region. */
  public readonly edgeOrigin?: EdgeOrigin;

  constructor(scope: Construct, id: string, props: SafeguardsStackProps) {
    super(scope, id, {
      description: `CSP Safeguards for ${props.partner}: ${props.settings.region} (${props.settings.residencyZone})`,
      terminationProtection: true,
      ...props,
    });
    const { settings } = props;
    if (settings.region !== props.env.region) {
      throw new Error(
        `SafeguardsStack ${id}: settings are for '${settings.region}', env is '${props.env.region}'`,
      );
    }
    Tags.of(this).add('safeguards:partner', props.partner);
    Tags.of(this).add('safeguards:residency-zone', settings.residencyZone);

    this.keys = new RegionalKeys(this, 'Keys', {
      ...(props.keyAdministratorRoleArns
        ? { administrators: props.keyAdministratorRoleArns.map((arn) => new iam.ArnPrincipal(arn)) }
        : {}),
    });
    const dataKey = this.keys.dataKey;

    this.perimeter = new Perimeter(this, 'Perimeter', {
      encryptionKey: dataKey,
      bedrockRuntimeEndpoint: settings.upstream.kind === 'bedrock',
      secretsManagerEndpoint:
        settings.upstream.kind === 'https' && settings.upstream.apiKeySecretName !== undefined,
    });

    this.telemetry = new TelemetryStore(this, 'Telemetry', {
      encryptionKey: dataKey,
      retention: Duration.days(settings.telemetry.retentionDays),
    });

    this.tables = new EnforcementTables(this, 'Tables', { encryptionKey: dataKey });

    this.alarms = new AlarmTopic(this, 'Alarms', {
      encryptionKey: dataKey,
      emails: settings.onCall.emails,
      httpsEndpoints: settings.onCall.httpsEndpoints,
    });

    const classifier = settings.classifier;
    if (classifier.dataCapture && classifier.mode !== 'never') {
      this.telemetry.expireUnder(CAPTURE_PREFIX, Duration.days(classifier.dataCapture.retentionDays));
    }
    if (classifier.mode !== 'never') {
      this.classifier = new ClassifierEndpoint(this, 'Classifier', {
        imageUri: classifier.imageUri,
        modelDataUrl: classifier.modelDataUrl,
        instanceType: classifier.instanceType,
        initialInstanceCount: classifier.initialInstances,
        minInstanceCount: classifier.minInstances,
        maxInstanceCount: classifier.maxInstances,
        encryptionKey: dataKey,
        vpc: this.perimeter.vpc,
        vpcSubnets: this.perimeter.isolatedSubnets,
        securityGroups: [this.perimeter.classifierSecurityGroup],
        logRetention: retentionAtMost(Math.min(14, settings.telemetry.retentionDays)),
        ...(classifier.dataCapture
          ? {
              dataCapture: {
                bucket: this.telemetry.bucket,
                prefix: CAPTURE_PREFIX,
                samplingPercentage: classifier.dataCapture.samplingPercentage,
              },
            }
          : {}),
      });
    }

    this.serving = new ServingFunctions(this, 'Serving', {
      vpc: this.perimeter.vpc,
      vpcSubnets: this.perimeter.isolatedSubnets,
      securityGroups: [this.perimeter.workloadSecurityGroup],
      encryptionKey: dataKey,
      tables: this.tables,
      keys: this.keys,
      alarms: this.alarms,
      classifier: {
        mode: classifier.mode,
        deadline: Duration.millis(classifier.invocationDeadlineMs),
        ...(this.classifier ? { endpoint: this.classifier } : {}),
      },
      upstream: settings.upstream,
      models: allowedModels(settings),
      ...(props.edgeOrigin?.requiredAssertionKeys
        ? { edgeOriginPublicKeys: props.edgeOrigin.requiredAssertionKeys }
        : {}),
      // Decision records stay in the log group no longer than in the telemetry bucket, and two weeks at most.
      logRetention: retentionAtMost(Math.min(14, settings.telemetry.retentionDays)),
    });
    this.decisionRecords = new DecisionRecordSubscription(this, 'DecisionRecords', {
      logGroup: this.serving.proxyLogGroup,
      telemetry: this.telemetry,
    });
    this.api = new ServingApi(this, 'Api', {
      authorizer: this.serving.authorizer,
      proxy: this.serving.proxy,
      encryptionKey: dataKey,
    });
    this.firewall = new ApiFirewall(this, 'Firewall', { stage: this.api.stage, encryptionKey: dataKey });
    if (props.edgeOrigin) {
      this.edgeOrigin = new EdgeOrigin(this, 'EdgeOrigin', {
        api: this.api.api,
        domainName: props.edgeOrigin.domainName,
        certificateArn: props.edgeOrigin.certificateArn,
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the inference API' });
    new CfnOutput(this, 'ApiId', { value: this.api.api.restApiId, description: 'REST API id' });
    new CfnOutput(this, 'ProxyLogGroupName', {
      value: this.serving.proxyLogGroup.logGroupName,
      description: 'Log group of the inference proxy (decision records)',
    });

    if (settings.canary.enabled) {
      const model = canaryModel(settings);
      if (model === undefined) {
        throw new Error(`SafeguardsStack ${id}: the canary needs a model (canary.model or models[0])`);
      }
      this.canaryTenant = new CanaryTenant(this, 'CanaryTenant', {
        tables: this.tables,
        encryptionKey: dataKey,
        zone: settings.residencyZone,
        keyGeneration: settings.canary.keyGeneration,
      });
      this.canary = new Canary(this, 'Canary', {
        apiUrl: this.api.url,
        apiKeySecret: this.canaryTenant.secret,
        model,
        encryptionKey: dataKey,
        outputProbes: settings.canary.outputProbes,
        logRetention: logs.RetentionDays.TWO_WEEKS,
      });
      // Probes start once the key's hash is in the tenants table; on a rotation the canary switches to the new secret
      // only after its key is stored (the old key is revoked after that, in CloudFormation's clean-up phase).
      // (The function and the rule, not the whole construct: the key policy names the canary's role.)
      this.canary.function.node.addDependency(this.canaryTenant.resource);
      this.canary.rule.node.addDependency(this.canaryTenant.resource);
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      serving: this.serving,
      api: this.api,
      telemetry: this.telemetry,
      tables: this.tables,
      alarmTopic: this.alarms,
      ...(this.classifier ? { classifier: this.classifier } : {}),
      classifierLatencyBudget: Duration.millis(classifier.invocationDeadlineMs),
      // Missing EnforcementLive data pages only where a canary publishes it.
      canaryActive: this.canary !== undefined,
      ...(props.runbookBaseUrl ? { runbookBaseUrl: props.runbookBaseUrl } : {}),
    });

    this.operatorApi = new OperatorApi(this, 'OperatorApi', {
      tables: this.tables,
      alarms: this.alarms,
      keys: this.keys,
      encryptionKey: dataKey,
      vpc: this.perimeter.vpc,
      vpcSubnets: this.perimeter.isolatedSubnets,
      securityGroups: [this.perimeter.workloadSecurityGroup],
    });
    new CfnOutput(this, 'OperatorApiUrl', { value: this.operatorApi.api.url });
    new CfnOutput(this, 'OperatorReadOnlyPolicyArn', {
      value: this.operatorApi.readOnlyInvokePolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'OperatorMutatingPolicyArn', {
      value: this.operatorApi.mutatingInvokePolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'HmacKeyArn', {
      value: this.keys.hmacKey.keyArn,
      description:
        'HMAC key of the tn_ pseudonyms in decision records (SAFEGUARDS_HMAC_KEY_ID for npx safeguards tenant show tn_…)',
    });

    this.insights = new SituationalAwareness(this, 'Insights', {
      decisionLogGroup: this.serving.proxyLogGroup,
      telemetryBucket: this.telemetry.bucket,
      encryptionKey: dataKey,
    });
  }

  /**
   * Availability zones as `Fn::GetAZs` tokens, so synth never looks them up (no credentials needed) and the
   * template stays valid in every region. See docs/adr/0002-offline-synth.md.
   */
  public override get availabilityZones(): string[] {
    return [0, 1, 2].map((i) => Fn.select(i, Fn.getAzs()));
  }
}
