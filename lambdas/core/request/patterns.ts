/** Regular expressions of the request parser, collected so a test can prove each is linear-time. */

/** Standard base64 with optional padding (no whitespace, no url-safe alphabet). */
export const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/** A model id: letters, digits and `.:_-/@`, 1–256 characters. */
export const MODEL_ID_RE = /^[A-Za-z0-9._:/@-]{1,256}$/;
/** A plain identifier key (paths render other keys quoted). */
export const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Dotted-quad IPv4 as produced by the WHATWG URL parser. */
export const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A tool-use id (`toolu_…`), as the API issues and accepts them. */
export const ID_RE = /^[A-Za-z0-9_-]{1,256}$/;
/** A tool name, as the API accepts them (`^[a-zA-Z0-9_-]{1,128}$`). */
export const TOOL_NAME_RE = /^[A-Za-z0-9_-]{1,128}$/;
/** An opaque token the API issued (thinking signature, redacted thinking, encrypted index). */
export const OPAQUE_RE = /^[A-Za-z0-9+/=_-]*$/;
/** `metadata.user_id`: printable ASCII without spaces (an id, hash or small JSON object, not prose). */
export const USER_ID_RE = /^[\x21-\x7e]{1,512}$/;
/** A web-search domain filter: a host name, optionally with a path (`example.com/docs`). */
export const DOMAIN_RE = /^[A-Za-z0-9*][A-Za-z0-9.*-]{0,252}(?:\/[A-Za-z0-9._~%/-]{0,512})?$/;
/** IPv6 unique-local (fc00::/7) prefix. */
export const IPV6_ULA_RE = /^f[cd]/;
/** IPv6 link-local (fe80::/10) prefix. */
export const IPV6_LINK_LOCAL_RE = /^fe[89ab]/;
/** A trailing dot of a fully-qualified host name. */
export const TRAILING_DOT_RE = /\.$/;
/** A JSON `\uD…` escape (a UTF-16 surrogate); an escaped backslash before `u` may match too (harmless). */
export const SURROGATE_ESCAPE_RE = /\\u[dD]/;

/** Every pattern above, named, for the ReDoS test. */
export const REQUEST_PATTERNS: Readonly<Record<string, RegExp>> = {
  BASE64_RE,
  MODEL_ID_RE,
  IDENTIFIER_RE,
  IPV4_RE,
  ID_RE,
  TOOL_NAME_RE,
  OPAQUE_RE,
  USER_ID_RE,
  DOMAIN_RE,
  IPV6_ULA_RE,
  IPV6_LINK_LOCAL_RE,
  TRAILING_DOT_RE,
  SURROGATE_ESCAPE_RE,
};
