/** Request headers the integration tests share. */

/** What the Anthropic SDK sends on every Messages request: the envelope the gateway checks (docs/serving.md). */
export const MESSAGES_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
};

/** {@link MESSAGES_HEADERS} with an API key. */
export const messagesHeaders = (
  apiKey: string,
  extra: Record<string, string> = {},
): Record<string, string> => ({
  ...MESSAGES_HEADERS,
  'x-api-key': apiKey,
  ...extra,
});
