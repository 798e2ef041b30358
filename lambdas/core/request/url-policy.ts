import { LIMITS } from './limits';
import { IPV4_RE, IPV6_LINK_LOCAL_RE, IPV6_ULA_RE, TRAILING_DOT_RE } from './patterns';

/** Host names that always point inside the network (cloud metadata services, loopback names). */
const BLOCKED_HOSTS: ReadonlySet<string> = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);
/** Suffixes of names that never belong to the public internet. */
const BLOCKED_SUFFIXES: readonly string[] = [
  '.localhost',
  '.local',
  '.internal',
  '.localdomain',
  '.home.arpa',
  '.intranet',
];

/** Whether a dotted-quad IPv4 address is private, loopback, link-local (incl. 169.254.169.254), CGNAT, multicast or reserved. */
export function isPrivateIpv4(host: string): boolean {
  const m = IPV4_RE.exec(host);
  if (m === null) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** Whether a bracketed IPv6 literal (as the URL parser prints it) is loopback, unspecified, ULA, link-local or maps to a private IPv4. */
export function isPrivateIpv6(host: string): boolean {
  if (!host.startsWith('[')) return false;
  const h = host.slice(1, -1).toLowerCase();
  if (h === '::' || h === '::1') return true;
  if (IPV6_ULA_RE.test(h) || IPV6_LINK_LOCAL_RE.test(h)) return true;
  if (h.startsWith('::ffff:')) {
    // The URL parser prints IPv4-mapped addresses in hex: ::ffff:a9fe:a9fe is 169.254.169.254.
    const tail = h.slice(7).split(':');
    if (tail.length === 2) {
      const hi = Number.parseInt(tail[0] ?? '', 16);
      const lo = Number.parseInt(tail[1] ?? '', 16);
      return isPrivateIpv4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return true;
  }
  return h.startsWith('64:ff9b:') || h.startsWith('2001:db8:');
}

/**
 * Why a client-supplied URL (image/document `url` source) must not be fetched, or undefined when it is
 * acceptable: it must parse, use https on the default port, carry no credentials, and name a public
 * host — not localhost, a cloud metadata endpoint, an internal suffix, or a private/link-local IP.
 * The WHATWG parser canonicalizes numeric hosts first (`https://2852039166/` is 169.254.169.254).
 * DNS names that resolve to private addresses cannot be detected here (see docs/normalization.md).
 */
export function urlProblem(raw: string): string | undefined {
  if (raw.length > LIMITS.maxUrlLength) return `URL longer than ${LIMITS.maxUrlLength} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid absolute URL';
  }
  if (url.protocol !== 'https:') return 'only https URLs are allowed';
  if (url.username !== '' || url.password !== '') return 'URLs with credentials are not allowed';
  if (url.port !== '' && url.port !== '443') return 'only the default https port is allowed';
  const host = url.hostname.toLowerCase().replace(TRAILING_DOT_RE, '');
  if (host === '' || BLOCKED_HOSTS.has(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return 'URL host is not a public internet host';
  }
  if (isPrivateIpv4(host) || isPrivateIpv6(host))
    return 'URL host is a private, loopback or link-local address';
  if (!host.includes('.') && !host.startsWith('[')) return 'URL host is not a public internet host';
  return undefined;
}
