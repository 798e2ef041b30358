/**
 * Reads a secret through the AWS Parameters and Secrets Lambda Extension (`localhost:2773`), so the
 * proxy needs no Secrets Manager SDK client. Cached in memory; fetched on first use, never at import.
 * IAM: `secretsmanager:GetSecretValue` on the secret (and `kms:Decrypt` on its key); the function needs
 * the extension layer.
 */
import * as z from 'zod';

/** Options for {@link extensionSecret}. */
export interface ExtensionSecretOptions {
  readonly secretId: string;
  /** The function's `AWS_SESSION_TOKEN` (the extension's auth token). */
  readonly sessionToken: string;
  /** @default 2773 (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`) */
  readonly port?: number;
  /** Cache lifetime. @default 300_000 */
  readonly ttlMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
}

const secretResponse = z.object({ SecretString: z.string().min(1) });

/** A cached secret-string provider. Failures are not cached; errors never include the secret. */
export function extensionSecret(opts: ExtensionSecretOptions): () => Promise<string> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const now = opts.now ?? Date.now;
  const ttl = opts.ttlMs ?? 300_000;
  let cached: { value: Promise<string>; at: number } | undefined;
  const load = async (): Promise<string> => {
    const url = `http://localhost:${opts.port ?? 2773}/secretsmanager/get?secretId=${encodeURIComponent(opts.secretId)}`;
    // The session token goes to the extension only: a redirect is refused, not followed.
    const res = await doFetch(url, {
      headers: { 'X-Aws-Parameters-Secrets-Token': opts.sessionToken },
      redirect: 'error',
    });
    if (!res.ok) throw new Error(`secret ${opts.secretId}: extension answered ${res.status}`);
    const parsed = secretResponse.safeParse(await res.json());
    if (!parsed.success) throw new Error(`secret ${opts.secretId}: no SecretString`);
    return parsed.data.SecretString;
  };
  return () => {
    if (cached && now() - cached.at < ttl) return cached.value;
    const value = load();
    const entry = { value, at: now() };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
