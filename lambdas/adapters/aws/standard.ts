/**
 * What the functions' own AWS clients (the Bedrock upstream, the JSON-protocol client of DynamoDB and KMS) share with
 * the SDK's clients, so they behave as the SDK would: credentials from its provider chain, endpoints as it resolves
 * them, `AWS_MAX_ATTEMPTS`, the standard retry mode's statuses, backoff and quota, and a `user-agent` in its form.
 */

/** SigV4 credentials: an access key, its secret and, for a role, the session token. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Resolves the current credentials (cached and refreshed before they expire by the provider). */
export type CredentialProvider = () => Promise<AwsCredentials>;

/**
 * A service's endpoint as the SDK resolves it: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` (unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else the region's endpoint `https://<prefix>.<region>.<suffix>`: FIPS
 * with `AWS_USE_FIPS_ENDPOINT=true` (`<prefix>-fips`), dual-stack (IPv4 and IPv6) with
 * `AWS_USE_DUALSTACK_ENDPOINT=true`, in the partition's domain (`amazonaws.com.cn` in the China regions,
 * `amazonaws.eu` in the European Sovereign Cloud; the dual-stack domains `api.aws`, `api.amazonwebservices.com.cn`,
 * `api.amazonwebservices.eu`). One service exception, as the SDK's rules: DynamoDB in GovCloud is FIPS validated on its
 * regular endpoint (`dynamodb.us-gov-west-1.amazonaws.com`; no `dynamodb-fips` host there unless dual-stack).
 * `test/unit/lambdas/adapters/aws/endpoints.test.ts` compares every region of config/regions.ts with the SDK.
 *
 * @throws Error naming the region when it is in an isolated partition (`us-iso-…`, `us-isob-…`, …): their domains
 * are not known here, so no endpoint is guessed
 * @param prefix the endpoint prefix (`bedrock-runtime`, `dynamodb`, `kms`)
 * @param envName the service's part of the endpoint variable (`BEDROCK_RUNTIME`, `DYNAMODB`, `KMS`)
 */
export function awsEndpoint(
  prefix: string,
  envName: string,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] !== 'true') {
    const configured = env[`AWS_ENDPOINT_URL_${envName}`] || env['AWS_ENDPOINT_URL'];
    if (configured) return configured;
  }
  if (/^[a-z]{2}-iso[a-z]?-/.test(region))
    throw new Error(
      `${prefix} endpoint: region '${region}' is in an isolated partition; set AWS_ENDPOINT_URL_${envName}`,
    );
  const dualStack = env['AWS_USE_DUALSTACK_ENDPOINT'] === 'true';
  const govCloudDynamoDb = prefix === 'dynamodb' && region.startsWith('us-gov-') && !dualStack;
  const fips = env['AWS_USE_FIPS_ENDPOINT'] === 'true' && !govCloudDynamoDb ? '-fips' : '';
  // The partitions' DNS suffixes (the SDK's partitions.json): China, the European Sovereign Cloud, the rest.
  const suffix = region.startsWith('cn-')
    ? dualStack
      ? 'api.amazonwebservices.com.cn'
      : 'amazonaws.com.cn'
    : region.startsWith('eusc-')
      ? dualStack
        ? 'api.amazonwebservices.eu'
        : 'amazonaws.eu'
      : dualStack
        ? 'api.aws'
        : 'amazonaws.com';
  return `https://${prefix}${fips}.${region}.${suffix}`;
}

/**
 * The attempts per call the SDK would make: `AWS_MAX_ATTEMPTS` when set (a whole number of at least 1), else 3.
 * @throws Error naming the variable when it is set to anything else (read once, at construction)
 */
export function maxAttemptsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['AWS_MAX_ATTEMPTS'];
  if (raw === undefined || raw === '') return 3;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`AWS_MAX_ATTEMPTS: expected a whole number of at least 1, got '${raw}'`);
  return n;
}

/**
 * The `user-agent` sent with each call, in the SDK's form: this client, the runtime, the API (`api/<api>`), and the
 * Lambda execution environment (`AWS_EXECUTION_ENV`) and application id (`AWS_SDK_UA_APP_ID`) when set. Characters
 * other than the SDK's token characters become `-`, so no value in the environment can add a header.
 */
export function awsUserAgent(api: string, env: NodeJS.ProcessEnv = process.env): string {
  const token = (s: string) => s.replace(/[^!#$%&'*+\-.^_`|~\w]/g, '-').slice(0, 50);
  const parts = [
    'csp-safeguards',
    'lang/js',
    `md/nodejs#${token(process.versions.node)}`,
    `api/${token(api)}`,
  ];
  const execEnv = env['AWS_EXECUTION_ENV'];
  if (execEnv) parts.push(`exec-env/${token(execEnv)}`);
  const appId = env['AWS_SDK_UA_APP_ID'];
  if (appId) parts.push(`app/${token(appId)}`);
  return parts.join(' ');
}

/** Statuses the SDK's standard retry mode retries (throttling and transient server errors). */
export const RETRIED_STATUS: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
/**
 * Connection and network failures the SDK's standard retry mode retries (a pooled connection the server closed, an
 * unreachable host or network, a failed DNS look-up): `NODEJS_TIMEOUT_ERROR_CODES` and `NODEJS_NETWORK_ERROR_CODES` of
 * `@smithy/core` (retry, service-error-classification).
 */
export const RETRIED_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The standard retry mode's backoff before attempt `attempt + 1`: full jitter over `2^attempt` × the base (100 ms,
 * 500 ms after a throttling error), at most 20 s.
 */
export function retryDelayMs(attempt: number, throttled: boolean, random: () => number): number {
  const base = throttled ? 500 : 100;
  return Math.floor(Math.min(20_000, random() * 2 ** attempt * base));
}

/**
 * The retry quota of the SDK's standard retry mode, per client: a retry takes 5 tokens after an error response, 10
 * after a timeout or a connection failure (no response: the error carries no HTTP status), from a bucket of 500; a
 * call that succeeds gives back what its retries took, or 1 token when it needed none. An empty bucket stops
 * retries (the failure is returned as it is), so a service in trouble does not get three times the calls.
 */
export class RetryQuota {
  static readonly CAPACITY = 500;
  static readonly RETRY_COST = 5;
  static readonly TRANSIENT_RETRY_COST = 10;
  private tokens = RetryQuota.CAPACITY;

  get available(): number {
    return this.tokens;
  }

  /** Takes the cost of one retry after `e`; false (nothing taken) when the bucket holds less. */
  take(e: unknown): number | undefined {
    const cost = httpStatusOf(e) !== undefined ? RetryQuota.RETRY_COST : RetryQuota.TRANSIENT_RETRY_COST;
    if (this.tokens < cost) return undefined;
    this.tokens -= cost;
    return cost;
  }

  /** A call succeeded: gives back `taken` (its last retry's cost), or 1 when it was not retried. */
  succeeded(taken: number | undefined): void {
    this.tokens = Math.min(RetryQuota.CAPACITY, this.tokens + (taken ?? 1));
  }
}

/** The HTTP status an error response came with (`status`, or the SDK's `$metadata.httpStatusCode`), if any. */
export function httpStatusOf(e: unknown): number | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const status = (e as { status?: unknown }).status;
  if (typeof status === 'number') return status;
  const code = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof code === 'number' ? code : undefined;
}
