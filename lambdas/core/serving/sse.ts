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
 * Incremental SSE parser fed chunk by chunk ({@link SseParser.push}): no generator or promise per line or event,
 * so a relay pays per upstream read, not per event. Chunks may split anywhere, even inside a UTF-8 sequence.
 * Linear in the input: each character is searched for a line end once (native `indexOf`, forward only), however
 * the chunks split a long line. An event longer than `maxEventChars` stops the parse: the events completed before
 * it are returned, and {@link SseParser.failure} holds the {@link SseEventTooLarge} to throw after them.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  /** Characters at the start of `buffer` already known to hold no line end. */
  private scanned = 0;
  private event: string | undefined;
  private data: string[] = [];
  private dataChars = 0;
  /** Set when an event outgrew the bound; the parser then takes no more input. */
  failure: SseEventTooLarge | undefined;

  constructor(private readonly maxEventChars: number = MAX_SSE_EVENT_CHARS) {}

  /** Parses one chunk; appends the events it completed to `out` (returned). */
  push(chunk: Uint8Array | string, out: SseEvent[] = []): SseEvent[] {
    if (this.failure) return out;
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    this.lines(false, out);
    return out;
  }

  /** The input ended: the last line and a pending event are dispatched, as if a blank line followed. */
  end(out: SseEvent[] = []): SseEvent[] {
    if (this.failure) return out;
    this.buffer += this.decoder.decode();
    this.lines(true, out);
    if (this.failure) return out;
    if (this.buffer !== '') this.line(this.buffer, out);
    this.buffer = '';
    if (!this.failure) this.line('', out);
    return out;
  }

  /** Dispatches the complete lines of the buffer and keeps the rest. */
  private lines(final: boolean, out: SseEvent[]): void {
    const buffer = this.buffer;
    const n = buffer.length;
    let start = 0;
    let from = this.scanned;
    // Next CR and LF at or after `from` (-1: none in the buffer); each search only ever moves forward.
    let cr = buffer.indexOf('\r', from);
    let lf = buffer.indexOf('\n', from);
    while (!this.failure) {
      if (cr !== -1 && cr < from) cr = buffer.indexOf('\r', from);
      if (lf !== -1 && lf < from) lf = buffer.indexOf('\n', from);
      const i = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (i === -1) {
        from = n;
        break;
      }
      const isCr = i === cr;
      // A lone CR at the very end may be the first half of CRLF: wait for more input.
      if (isCr && i === n - 1 && !final) {
        from = i;
        break;
      }
      this.line(buffer.slice(start, i), out);
      start = isCr && lf === i + 1 ? i + 2 : i + 1;
      from = start;
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start);
    this.scanned = from - start;
    if (!this.failure && this.buffer.length + this.dataChars > this.maxEventChars)
      this.failure = new SseEventTooLarge(this.maxEventChars);
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      const data = this.data;
      if (data.length > 0) {
        const joined = data.length === 1 ? (data[0] as string) : data.join('\n');
        out.push(this.event ? { event: this.event, data: joined } : { data: joined });
        this.data = [];
      }
      this.event = undefined;
      this.dataChars = 0;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length + 1;
      // Checked per line too: an event that arrives whole in one chunk ends (and resets the count) before
      // the chunk-end check in `lines` sees it.
      if (this.dataChars > this.maxEventChars) this.failure = new SseEventTooLarge(this.maxEventChars);
    }
  }
}

/**
 * Parses SSE from byte or string chunks split anywhere (even inside a UTF-8 sequence), over {@link SseParser}. An
 * event longer than `maxEventChars` fails the parse with {@link SseEventTooLarge}, after the events before it.
 */
export async function* parseSse(
  chunks: AsyncIterable<Uint8Array | string>,
  maxEventChars: number = MAX_SSE_EVENT_CHARS,
): AsyncGenerator<SseEvent> {
  const parser = new SseParser(maxEventChars);
  const ready: SseEvent[] = [];
  for await (const chunk of chunks) {
    yield* parser.push(chunk, ready);
    ready.length = 0;
    if (parser.failure) throw parser.failure;
  }
  yield* parser.end(ready);
  if (parser.failure) throw parser.failure;
}
