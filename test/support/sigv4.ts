/**
 * A SigV4 verifier for stand-ins of AWS services on 127.0.0.1 (node:crypto, written from the AWS specification; the
 * Bedrock upstream's test checks it against the SDK client's own requests, accepted, and a wrong secret, refused).
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 specifies it. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Why `req` is not a valid SigV4 request of `credentials` for `service` in eu-west-1, or `undefined` when it
 * is. From the specification: the canonical URI encodes each path segment once more (every service but S3), the
 * canonical headers are the signed ones, lower-case, trimmed, sorted; the payload hash is computed from the body.
 * `host`, `x-amz-date`, `content-type`, the session token and, for a JSON-protocol request, `x-amz-target` must be
 * signed.
 */
export function sigV4Problem(
  req: IncomingMessage,
  body: Buffer,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  expectedService: string,
): string | undefined {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return `authorization header: ${auth}`;
  const [, keyId, day, region, service, signedList, signature] = m as unknown as string[];
  if (keyId !== credentials.accessKeyId) return `key id ${keyId}`;
  if (region !== 'eu-west-1' || service !== expectedService) return `scope ${region}/${service}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(day as string)) return `x-amz-date ${amzDate} outside the scope day ${day}`;
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (!(Math.abs(Date.now() - at) < 5 * 60_000)) return `x-amz-date ${amzDate} not within 5 minutes`;
  if (credentials.sessionToken && req.headers['x-amz-security-token'] !== credentials.sessionToken)
    return 'session token missing';
  const signed = (signedList as string).split(';');
  for (const required of ['host', 'x-amz-date', 'content-type'])
    if (!signed.includes(required)) return `${required} not signed`;
  if (credentials.sessionToken && !signed.includes('x-amz-security-token')) return 'session token not signed';
  // A JSON-protocol request names its operation in x-amz-target: unsigned, the operation could be swapped.
  if (/^application\/x-amz-json-/.test(String(req.headers['content-type'] ?? ''))) {
    if (req.headers['x-amz-target'] === undefined) return 'x-amz-target missing';
    if (!signed.includes('x-amz-target')) return 'x-amz-target not signed';
  }
  const payloadHash = sha256(body);
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payloadHash) return 'x-amz-content-sha256 does not match the body';
  const [rawPath = '', rawQuery = ''] = String(req.url).split('?');
  const canonicalUri = rawPath
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
  const canonicalQuery = rawQuery ? rawQuery.split('&').sort().join('&') : '';
  const canonicalHeaders = signed
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    req.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedList,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day as string);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part as string);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature ? undefined : 'signature does not match';
}

/** One request a {@link signedStandIn} received: its whole body and why its signature does not hold, if it does not. */
export interface SignedRequest {
  readonly req: IncomingMessage;
  readonly body: Buffer;
  readonly signatureProblem: string | undefined;
}

/**
 * An HTTP stand-in for an AWS service on 127.0.0.1: reads each request whole, checks its SigV4 signature for
 * `service` and `credentials`, and hands it to `handle`. Counts connections; `close` destroys open sockets.
 */
export async function signedStandIn(
  service: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  handle: (request: SignedRequest, res: ServerResponse) => void,
) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      handle({ req, body, signatureProblem: sigV4Problem(req, body, credentials, service) }, res);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    openSockets: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
