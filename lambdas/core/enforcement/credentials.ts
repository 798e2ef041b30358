/** Where a request's credential came from, or why there is none. */
export type CredentialResult =
  | { readonly ok: true; readonly apiKey: string; readonly source: 'x-api-key' | 'authorization' | 'both' }
  | {
      readonly ok: false;
      readonly reason: 'missing_credential' | 'conflicting_credentials' | 'malformed_credential';
    };

/** Request headers as received (any case; values possibly undefined or repeated). */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined | null>>;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function header(headers: HeaderBag, name: string): string[] {
  const values: string[] = [];
  // Own keys only, without an entries array per lookup (this runs twice on every request).
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() !== name) continue;
    const v = headers[k];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') values.push(v);
    else for (const one of v) values.push(one);
  }
  return values;
}

/**
 * Extracts the API key from `x-api-key` or `Authorization: Bearer <key>` (header names in any case).
 * Both may be present only if they carry the same key; repeated headers with different values are
 * rejected, as is an `Authorization` header of another scheme.
 */
export function extractCredential(headers: HeaderBag): CredentialResult {
  const direct = [...new Set(header(headers, 'x-api-key').map((v) => v.trim()))];
  const auth = header(headers, 'authorization');
  const bearer: string[] = [];
  for (const value of auth) {
    const m = BEARER.exec(value.trim());
    if (!m?.[1]) return { ok: false, reason: 'malformed_credential' };
    bearer.push(m[1]);
  }
  const fromBearer = [...new Set(bearer)];
  if (direct.length > 1 || fromBearer.length > 1) return { ok: false, reason: 'conflicting_credentials' };
  const a = direct[0];
  const b = fromBearer[0];
  if (a === '') return { ok: false, reason: 'malformed_credential' };
  if (a !== undefined && b !== undefined) {
    return a === b
      ? { ok: true, apiKey: a, source: 'both' }
      : { ok: false, reason: 'conflicting_credentials' };
  }
  if (a !== undefined) return { ok: true, apiKey: a, source: 'x-api-key' };
  if (b !== undefined) return { ok: true, apiKey: b, source: 'authorization' };
  return { ok: false, reason: 'missing_credential' };
}
