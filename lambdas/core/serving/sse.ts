/**
 * Incremental Server-Sent Events parser (WHATWG rules for `event:` / `data:` lines, CR/LF/CRLF line
 * ends, comments, multi-line data). Used by the HTTP and SageMaker upstream adapters.
 */

/** One dispatched SSE event. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/**
 * Longest event (its pending line plus its `data:` lines), in UTF-16 code units, that {@link parseSse} buffers. A
 * model's largest event (a tool-input or text delta) is far below it; a peer that never ends a line or an event
 * would otherwise grow the buffer until the process dies.
 */
export const MAX_SSE_EVENT_CHARS = 16 * 1024 * 1024;

/** Thrown by {@link parseSse} when one event outgrows its bound. */
export class SseEventTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`stream event longer than ${limit} characters`);
    this.name = 'SseEventTooLarge';
  }
}

/**
 * Parses SSE from byte or string chunks split anywhere (even inside a UTF-8 sequence). Linear in the input: each
 * character is scanned for a line end once, however the chunks split a long line. An event longer than
 * `maxEventChars` fails the parse with {@link SseEventTooLarge}.
 */
export async function* parseSse(
  chunks: AsyncIterable<Uint8Array | string>,
  maxEventChars: number = MAX_SSE_EVENT_CHARS,
): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  /** Characters at the start of `buffer` already known to hold no line end. */
  let scanned = 0;
  let event: string | undefined;
  let data: string[] = [];
  let dataChars = 0;
  const takeLines = function* (final: boolean): Generator<string> {
    for (;;) {
      let i = scanned;
      while (i < buffer.length) {
        const c = buffer.charCodeAt(i);
        if (c === 10 || c === 13) break;
        i++;
      }
      if (i === buffer.length) {
        scanned = i;
        break;
      }
      // A lone CR at the very end may be the first half of CRLF: wait for more input.
      if (buffer.charCodeAt(i) === 13 && i === buffer.length - 1 && !final) {
        scanned = i;
        break;
      }
      const end = buffer.charCodeAt(i) === 13 && buffer.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      yield buffer.slice(0, i);
      buffer = buffer.slice(end);
      scanned = 0;
    }
    if (buffer.length + dataChars > maxEventChars) throw new SseEventTooLarge(maxEventChars);
  };
  const handle = (line: string): SseEvent | undefined => {
    if (line === '') {
      const out = data.length > 0 ? { ...(event ? { event } : {}), data: data.join('\n') } : undefined;
      event = undefined;
      data = [];
      dataChars = 0;
      return out;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') {
      data.push(value);
      dataChars += value.length + 1;
      // Checked per line too: an event that arrives whole in one chunk ends (and resets the count) before
      // the chunk-end check in takeLines sees it.
      if (dataChars > maxEventChars) throw new SseEventTooLarge(maxEventChars);
    }
    return undefined;
  };
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const line of takeLines(false)) {
      const out = handle(line);
      if (out) yield out;
    }
  }
  buffer += decoder.decode();
  for (const line of takeLines(true)) {
    const out = handle(line);
    if (out) yield out;
  }
  if (buffer !== '') {
    const out = handle(buffer);
    if (out) yield out;
  }
  const last = handle('');
  if (last) yield last;
}
