/**
 * Incremental Server-Sent Events parser (WHATWG rules for `event:` / `data:` lines, CR/LF/CRLF line
 * ends, comments, multi-line data). Used by the HTTP and SageMaker upstream adapters.
 */

/** One dispatched SSE event. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** Parses SSE from byte or string chunks split anywhere (even inside a UTF-8 sequence). */
export async function* parseSse(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];
  const takeLines = function* (final: boolean): Generator<string> {
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      if (!m) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more input.
      if (m[0] === '\r' && m.index === buffer.length - 1 && !final) break;
      yield buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
    }
  };
  const handle = (line: string): SseEvent | undefined => {
    if (line === '') {
      const out = data.length > 0 ? { ...(event ? { event } : {}), data: data.join('\n') } : undefined;
      event = undefined;
      data = [];
      return out;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
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
