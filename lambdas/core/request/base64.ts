import { BASE64_RE } from './patterns';

/** Magic numbers of the media types the API accepts as base64 sources. */
const SIGNATURES: Readonly<Record<string, (b: Uint8Array) => boolean>> = {
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38,
  'image/webp': (b) =>
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 &&
    b[8] === 0x57 &&
    b[9] === 0x45 &&
    b[10] === 0x42 &&
    b[11] === 0x50,
  'application/pdf': (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46,
};

/**
 * Checks a base64 payload cheaply, without decoding it all: strict alphabet, length a multiple of 4,
 * non-empty, and the first bytes match the declared media type's magic number.
 * @returns a problem description (never containing the data), or undefined when it is fine.
 */
export function base64Problem(data: string, mediaType: string): string | undefined {
  if (data.length === 0) return 'base64 data is empty';
  if (data.length % 4 !== 0 || !BASE64_RE.test(data)) return 'not valid base64';
  const head = Buffer.from(data.slice(0, 16), 'base64');
  const matches = SIGNATURES[mediaType];
  if (matches !== undefined && !matches(head)) return `data does not look like ${mediaType}`;
  return undefined;
}
