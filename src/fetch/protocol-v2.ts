/**
 * The parts of git protocol v2 a fetch by object id needs (gitprotocol-v2.adoc; git's serve.c,
 * upload-pack.c `upload_pack_v2`, remote-curl.c `check_smart_http`), as pure codecs over bytes.
 *
 * Capability advertisement (reply to GET info/refs?service=git-upload-pack):
 *   [ PKT("# service=git-upload-pack\n") flush ]      only some hosts (GitHub) send this prefix
 *   PKT("version 2\n") *PKT(key[=value] "\n") flush    e.g. "fetch=shallow wait-for-done filter"
 *   A v0/v1 server answers PKT("<oid> <ref>\0<caps>\n") … or PKT("version 1\n") instead.
 *
 * Command request (POST git-upload-pack):
 *   PKT("command=fetch\n") *PKT(capability "\n") delim *PKT(argument "\n") flush
 *
 * fetch response:
 *   [ PKT("acknowledgments\n") … delim ] [ PKT("shallow-info\n") *PKT("shallow <oid>") delim ]
 *   [ PKT("wanted-refs\n") … delim ] [ PKT("packfile-uris\n") … delim ]
 *   PKT("packfile\n") *PKT(band byte + data) flush      (side-band-64k, see sideband.ts)
 *   An ERR pkt anywhere is the server's refusal; band 3 is its abort.
 */
import { XtestPackError } from '../errors.js';
import type { ObjectFormat } from '../pack/oid.js';
import { concatBytes } from '../pack/bytes.js';
import { PktLineDecoder, decodePkts, encodePkt, encodeTextPkt, pktText, type Pkt } from './pkt-line.js';
import { ProgressTail, decodeSideband, remoteText } from './sideband.js';

/** Content type of a smart HTTP advertisement (gitprotocol-http.adoc). */
export const ADVERTISEMENT_CONTENT_TYPE = 'application/x-git-upload-pack-advertisement';
/** Content type of a command request. */
export const REQUEST_CONTENT_TYPE = 'application/x-git-upload-pack-request';
/** Content type of a command response. */
export const RESULT_CONTENT_TYPE = 'application/x-git-upload-pack-result';

/** What a v2 server advertised. */
export interface ServerCapabilities {
  /** Every capability line, `key` → `value` (`undefined` for a bare key), in order. */
  readonly entries: ReadonlyMap<string, string | undefined>;
  /** `agent=` value, if advertised (only then may the client send its own). */
  readonly agent: string | undefined;
  /** `object-format=` value, if advertised; a server that says nothing uses sha1. */
  readonly objectFormat: string | undefined;
  /** The `fetch` command's features (`shallow`, `filter`, …); `undefined` when `fetch` is not offered. */
  readonly fetch: ReadonlySet<string> | undefined;
  /** The reply had the `# service=git-upload-pack` prefix. */
  readonly servicePrefix: boolean;
}

/** How a smart HTTP server answered discovery. */
export type Advertisement =
  | { readonly version: 2; readonly capabilities: ServerCapabilities }
  /** A v0 or v1 server (its first line, `version 1` or a ref, is enough to know). */
  | { readonly version: 0 | 1 };

/** A v2 advertisement is a few hundred bytes; this bounds what a hostile one can make us hold. */
const MAX_ADVERTISEMENT = 64 * 1024;
const SERVICE_LINE = '# service=git-upload-pack';
const V0_REF_LINE = /^[0-9a-f]{40}(?:[0-9a-f]{24})? /;
const CAPABILITY_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * An incremental decoder of the discovery reply. Push chunks; `result()` answers as soon as it
 * can: after the first line for v0/v1 (the rest need not be read), after the final flush for v2.
 * `finish()` at the end of the body also refuses a reply cut short.
 * @example
 *   const d = new AdvertisementDecoder();
 *   for await (const c of body) { d.push(c); if (d.result()?.version === 0) break; }
 *   const adv = d.finish();
 */
export class AdvertisementDecoder {
  #pkts = new PktLineDecoder();
  #state: 'start' | 'service-flush' | 'first' | 'capabilities' | 'done' = 'start';
  #servicePrefix = false;
  #entries = new Map<string, string | undefined>();
  #result: Advertisement | undefined;

  /**
   * Add bytes of the reply.
   * @throws PROTOCOL_CORRUPT (malformed pkt-lines, not an advertisement, bytes after its end),
   *         TOO_LARGE (over 64 KiB of capabilities).
   */
  push(chunk: Uint8Array): void {
    if (this.#result?.version === 0 || this.#result?.version === 1) return;
    if (this.#state === 'done' && chunk.length > 0) {
      throw new XtestPackError('PROTOCOL_CORRUPT', 'bytes after the end of the capability advertisement', {
        offset: this.#pkts.offset,
      });
    }
    this.#pkts.push(chunk);
    while (this.#result === undefined) {
      const at = this.#pkts.offset;
      const p = this.#pkts.next();
      if (p === undefined) break;
      this.#take(p, at);
    }
    // Checked after parsing: a v0 server's first chunk may be long, its first line is enough.
    if (this.#result === undefined && this.#pkts.offset + this.#pkts.buffered > MAX_ADVERTISEMENT) {
      throw new XtestPackError('TOO_LARGE', `capability advertisement over ${MAX_ADVERTISEMENT} bytes`, { offset: this.#pkts.offset });
    }
    if (this.#state === 'done' && this.#pkts.buffered > 0) {
      throw new XtestPackError('PROTOCOL_CORRUPT', 'bytes after the end of the capability advertisement', {
        offset: this.#pkts.offset,
      });
    }
  }

  /** The advertisement once enough has arrived, else `undefined`. */
  result(): Advertisement | undefined {
    return this.#result;
  }

  /**
   * The advertisement, at the end of the body.
   * @throws PROTOCOL_CORRUPT for an empty or cut-short reply.
   */
  finish(): Advertisement {
    if (this.#result !== undefined) return this.#result;
    this.#pkts.finish();
    const what = this.#pkts.offset === 0 ? 'empty capability advertisement' : 'capability advertisement cut short (no final flush)';
    throw new XtestPackError('PROTOCOL_CORRUPT', what, { offset: this.#pkts.offset });
  }

  #take(p: Pkt, offset: number): void {
    const text = p.type === 'data' ? pktText(p.data) : undefined;
    switch (this.#state) {
      case 'start':
        if (text === SERVICE_LINE) {
          this.#servicePrefix = true;
          this.#state = 'service-flush';
          return;
        }
        this.#state = 'first';
        this.#take(p, offset);
        return;
      case 'service-flush':
        if (p.type !== 'flush') throw corrupt(`expected a flush after "${SERVICE_LINE}"`, offset);
        this.#state = 'first';
        return;
      case 'first':
        if (text === 'version 2') {
          this.#state = 'capabilities';
        } else if (text === 'version 1') {
          this.#result = { version: 1 };
        } else if (p.type === 'flush' || (text !== undefined && V0_REF_LINE.test(text))) {
          // A ref line (with capabilities after a NUL), or a v0 server with nothing to advertise.
          this.#result = { version: 0 };
        } else {
          throw corrupt(`not a git capability advertisement (first line ${describe(p)})`, offset);
        }
        return;
      case 'capabilities': {
        if (p.type === 'flush') {
          this.#state = 'done';
          this.#result = { version: 2, capabilities: this.#capabilities() };
          return;
        }
        if (text === undefined) throw corrupt(`${p.type} packet inside the capability list`, offset);
        const eq = text.indexOf('=');
        const key = eq < 0 ? text : text.slice(0, eq);
        if (!CAPABILITY_KEY.test(key)) throw corrupt(`malformed capability line ${describe(p)}`, offset);
        this.#entries.set(key, eq < 0 ? undefined : text.slice(eq + 1));
        return;
      }
      case 'done':
        // Not reached: nothing is taken once the result is known.
        throw corrupt('bytes after the end of the capability advertisement', offset);
    }
  }

  #capabilities(): ServerCapabilities {
    const e = this.#entries;
    const fetch = e.has('fetch') ? new Set((e.get('fetch') ?? '').split(' ').filter((f) => f !== '')) : undefined;
    return { entries: e, agent: e.get('agent'), objectFormat: e.get('object-format'), fetch, servicePrefix: this.#servicePrefix };
  }
}

/**
 * Decode a whole discovery reply body (`AdvertisementDecoder` in one go).
 * @throws PROTOCOL_CORRUPT, TOO_LARGE
 * @example
 *   const adv = decodeAdvertisement(body); if (adv.version === 2) adv.capabilities.fetch?.has('filter');
 */
export function decodeAdvertisement(bytes: Uint8Array): Advertisement {
  const d = new AdvertisementDecoder();
  d.push(bytes);
  return d.finish();
}

/** The arguments of one `fetch` command. */
export interface FetchCommand {
  /** Object ids in hex (any case; sent in lower case, each once). */
  readonly wants: readonly string[];
  /** `deepen <n>`: needs the `shallow` feature. */
  readonly deepen?: number | undefined;
  /** `filter <spec>` (e.g. `blob:none`): needs the `filter` feature. */
  readonly filter?: string | undefined;
}

export interface FetchRequestOptions {
  /** Object format of the wants; must be the server's (sha1 unless told). */
  format?: ObjectFormat;
  /** Our `agent=` capability, sent only when the server advertised its own. */
  agent?: string;
}

/** The agent xtest-pack names itself by (no spaces: gitprotocol-v2.adoc "agent"). */
export const DEFAULT_AGENT = 'xtest-pack/0';

/**
 * Encode a `fetch` command: the wants, then `deepen`, `filter`, `no-progress`, `ofs-delta` and
 * `done`. `agent` and `object-format` are echoed only when advertised: git's serve.c refuses an
 * unknown capability, and over HTTP that refusal is an empty 200 body. `thin-pack` is never
 * sent (no `have`s, so the pack must stand alone).
 * @throws UNSUPPORTED_REMOTE (deepen or filter not advertised, another object format),
 *         USAGE (a want that is not an id of the format), RangeError (deepen,
 *         filter or agent malformed).
 * @example
 *   encodeFetchRequest(caps, { wants: [commit], deepen: 1, filter: 'blob:none' })
 */
export function encodeFetchRequest(caps: ServerCapabilities, command: FetchCommand, options: FetchRequestOptions = {}): Uint8Array {
  const format = options.format ?? 'sha1';
  const serverFormat = caps.objectFormat ?? 'sha1';
  if (serverFormat !== format) {
    throw new XtestPackError('UNSUPPORTED_REMOTE', `the server's object format is ${serverFormat}, the wanted ids are ${format}`);
  }
  const features = caps.fetch;
  if (features === undefined) throw new XtestPackError('UNSUPPORTED_REMOTE', 'the server does not offer the fetch command');
  const wants = wantLines(command.wants, format);
  const parts: Uint8Array[] = [encodeTextPkt('command=fetch')];
  if (caps.agent !== undefined) parts.push(encodeTextPkt(`agent=${checkToken(options.agent ?? DEFAULT_AGENT, 'agent')}`));
  if (caps.objectFormat !== undefined) parts.push(encodeTextPkt(`object-format=${format}`));
  parts.push(encodePkt({ type: 'delim' }));
  for (const w of wants) parts.push(encodeTextPkt(`want ${w}`));
  if (command.deepen !== undefined) {
    if (!Number.isSafeInteger(command.deepen) || command.deepen < 1) throw new RangeError(`deepen ${command.deepen} is not a positive integer`);
    if (!features.has('shallow')) throw new XtestPackError('UNSUPPORTED_REMOTE', 'the server does not support shallow fetches (no "shallow" feature)');
    parts.push(encodeTextPkt(`deepen ${command.deepen}`));
  }
  if (command.filter !== undefined) {
    if (!features.has('filter')) throw new XtestPackError('UNSUPPORTED_REMOTE', 'the server does not support filters (no "filter" feature)');
    parts.push(encodeTextPkt(`filter ${checkToken(command.filter, 'filter')}`));
  }
  for (const arg of ['no-progress', 'ofs-delta', 'done']) parts.push(encodeTextPkt(arg));
  parts.push(encodePkt({ type: 'flush' }));
  return concatBytes(parts);
}

/** A command request taken apart (what a server reads). */
export interface CommandRequest {
  readonly command: string;
  readonly capabilities: readonly string[];
  readonly arguments: readonly string[];
}

/**
 * Decode a v2 command request: the inverse of `encodeFetchRequest` (lines without their LF).
 * @throws PROTOCOL_CORRUPT
 * @example
 *   decodeCommandRequest(body).arguments // ['want 1a3e…', 'deepen 1', …, 'done']
 */
export function decodeCommandRequest(bytes: Uint8Array): CommandRequest {
  const pkts = decodePkts(bytes);
  const first = pkts[0];
  const head = first?.type === 'data' ? pktText(first.data) : '';
  if (!head.startsWith('command=')) throw corrupt('a command request must start with "command="', 0);
  const lists: [string[], string[]] = [[], []];
  let list = 0;
  for (let i = 1; i < pkts.length; i++) {
    const p = pkts[i]!;
    if (p.type === 'data') lists[list]!.push(pktText(p.data));
    else if (p.type === 'delim' && list === 0) list = 1;
    else if (p.type === 'flush' && i === pkts.length - 1) {
      return { command: head.slice('command='.length), capabilities: lists[0], arguments: lists[1] };
    } else throw corrupt(`unexpected ${p.type} packet in a command request`, 0);
  }
  throw corrupt('command request without its final flush', bytes.length);
}

/** What a fetch response said besides the pack. */
export interface FetchResponseInfo {
  /** `acknowledgments` lines (none when `done` was sent). */
  readonly acknowledgments: readonly string[];
  /** Ids the server made shallow (`shallow-info`); one per deepened commit. */
  readonly shallow: readonly string[];
  readonly unshallow: readonly string[];
  /** `wanted-refs` (only for `want-ref`, which xtest-pack does not send). */
  readonly wantedRefs: readonly { readonly oid: string; readonly ref: string }[];
  /** Pack bytes received on band 1. */
  readonly packBytes: number;
  /** The last line the server sent on band 2, if any. */
  readonly lastMessage: string | undefined;
}

const SECTIONS = ['acknowledgments', 'shallow-info', 'wanted-refs', 'packfile-uris', 'packfile'] as const;
type Section = (typeof SECTIONS)[number];
/** Lines outside the pack a response may hold (shallow lines, acknowledgments): far more than a fetch of a few ids makes. */
const MAX_INFO_LINES = 100_000;

/**
 * An incremental decoder of a `fetch` response. `push` returns the pack bytes (band 1) found in
 * the chunk, views of it where possible; `finish()` at the end of the body checks that the
 * final flush arrived.
 * @example
 *   const d = new FetchResponseDecoder('sha1');
 *   for await (const c of body) for (const piece of d.push(c)) sink.write(piece);
 *   const info = d.finish();
 */
export class FetchResponseDecoder {
  readonly #format: ObjectFormat;
  #pkts = new PktLineDecoder();
  #state: Section | 'header' | 'done' = 'header';
  #lastSection = -1;
  #infoLines = 0;
  #acks: string[] = [];
  #shallow: string[] = [];
  #unshallow: string[] = [];
  #wantedRefs: { oid: string; ref: string }[] = [];
  #packBytes = 0;
  #progress = new ProgressTail();

  constructor(format: ObjectFormat) {
    this.#format = format;
  }

  /** The final flush has arrived. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** Bytes pushed so far. */
  get offset(): number {
    return this.#pkts.offset + this.#pkts.buffered;
  }

  /**
   * Add bytes of the response; returns the pack data they complete.
   * @throws REMOTE_ERROR (an ERR packet, band 3), PROTOCOL_CORRUPT (malformed pkt-lines,
   *         sections out of order, no packfile, bytes after the final flush).
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#state === 'done') {
      if (chunk.length > 0) throw corrupt('bytes after the final flush', this.#pkts.offset);
      return [];
    }
    this.#pkts.push(chunk);
    const out: Uint8Array[] = [];
    for (let at = this.#pkts.offset, p = this.#pkts.next(); p !== undefined; at = this.#pkts.offset, p = this.#pkts.next()) {
      this.#take(p, at, out);
      if (this.done && this.#pkts.buffered > 0) throw corrupt('bytes after the final flush', this.#pkts.offset);
    }
    return out;
  }

  /**
   * Declare the end of the body.
   * @throws REMOTE_ERROR for an empty body (how git's upload-pack over HTTP refuses a request
   *         it cannot parse), PROTOCOL_CORRUPT for one cut short.
   */
  finish(): FetchResponseInfo {
    if (this.#state !== 'done') {
      const end = this.offset;
      if (end === 0) {
        throw new XtestPackError('REMOTE_ERROR', 'empty response: the server refused the request (an argument or capability it did not advertise?)', {
          offset: 0,
        });
      }
      const inside = this.#pkts.buffered > 0 ? ' inside a pkt-line' : '';
      const said = this.#progress.lastLine();
      throw corrupt(`response cut short${inside} before the final flush${said === undefined ? '' : ` (the server's last message: "${said}")`}`, end);
    }
    return {
      acknowledgments: this.#acks,
      shallow: this.#shallow,
      unshallow: this.#unshallow,
      wantedRefs: this.#wantedRefs,
      packBytes: this.#packBytes,
      lastMessage: this.#progress.lastLine(),
    };
  }

  #take(p: Pkt, offset: number, out: Uint8Array[]): void {
    if (p.type === 'data' && isErr(p.data)) {
      throw new XtestPackError('REMOTE_ERROR', `server error: ${remoteText(p.data.subarray(4))}`, { offset });
    }
    const state = this.#state;
    if (state === 'header') {
      const name = p.type === 'data' ? pktText(p.data) : undefined;
      const index = SECTIONS.indexOf(name as Section);
      if (index < 0) throw corrupt(`expected a section header, got ${describe(p)}`, offset);
      if (index <= this.#lastSection) throw corrupt(`section "${name}" out of order`, offset);
      if (name === 'packfile-uris') throw corrupt('a packfile-uris section, which xtest-pack did not ask for', offset);
      this.#lastSection = index;
      this.#state = name as Section;
      return;
    }
    if (state === 'packfile') {
      if (p.type === 'flush') {
        this.#state = 'done';
        return;
      }
      if (p.type !== 'data') throw corrupt(`${p.type} packet inside the packfile section`, offset);
      const { band, data } = decodeSideband(p.data, offset);
      if (band === 1) {
        if (data.length > 0) out.push(data);
        this.#packBytes += data.length;
      } else if (band === 2) {
        this.#progress.add(data);
      } else {
        const said = this.#progress.lastLine();
        throw new XtestPackError('REMOTE_ERROR', `server aborted: ${remoteText(data)}${said === undefined ? '' : ` (its last message: "${said}")`}`, {
          offset,
        });
      }
      return;
    }
    if (p.type === 'delim') {
      this.#state = 'header';
      return;
    }
    if (p.type !== 'data') {
      const what = state === 'acknowledgments' ? 'negotiation ended without a packfile' : `${p.type} packet ends the response before its packfile section`;
      throw corrupt(what, offset);
    }
    if (++this.#infoLines > MAX_INFO_LINES) throw corrupt(`more than ${MAX_INFO_LINES} lines before the packfile`, offset);
    const text = pktText(p.data);
    if (state === 'acknowledgments') {
      if (text !== 'NAK' && text !== 'ready' && !/^ACK [0-9a-f]+$/.test(text)) throw corrupt(`malformed acknowledgment ${describe(p)}`, offset);
      this.#acks.push(text);
    } else if (state === 'shallow-info') {
      const sp = text.indexOf(' ');
      const kind = text.slice(0, sp);
      const oid = text.slice(sp + 1);
      if ((kind !== 'shallow' && kind !== 'unshallow') || !isOidHex(oid, this.#format)) throw corrupt(`malformed shallow-info line ${describe(p)}`, offset);
      (kind === 'shallow' ? this.#shallow : this.#unshallow).push(oid);
    } else {
      const sp = text.indexOf(' ');
      const oid = text.slice(0, sp);
      if (sp < 0 || !isOidHex(oid, this.#format)) throw corrupt(`malformed wanted-refs line ${describe(p)}`, offset);
      this.#wantedRefs.push({ oid, ref: text.slice(sp + 1) });
    }
  }
}

/**
 * Decode a whole `fetch` response: what it said and the pack bytes.
 * @throws REMOTE_ERROR, PROTOCOL_CORRUPT (as `FetchResponseDecoder`)
 * @example
 *   const { info, pack } = decodeFetchResponse(body, 'sha1');
 */
export function decodeFetchResponse(bytes: Uint8Array, format: ObjectFormat): { info: FetchResponseInfo; pack: Uint8Array } {
  const d = new FetchResponseDecoder(format);
  const pack = concatBytes(d.push(bytes));
  return { info: d.finish(), pack };
}

/** The wants as lower-case hex, each once, in the order given. */
function wantLines(wants: readonly string[], format: ObjectFormat): string[] {
  if (wants.length === 0) throw new XtestPackError('USAGE', 'a fetch needs at least one wanted id');
  const seen = new Set<string>();
  for (const w of wants) {
    const hex = w.toLowerCase();
    if (!isOidHex(hex, format)) throw new XtestPackError('USAGE', `want ${JSON.stringify(w)} is not a ${format} object id`);
    seen.add(hex);
  }
  return [...seen];
}

function isOidHex(s: string, format: ObjectFormat): boolean {
  return (format === 'sha1' ? /^[0-9a-f]{40}$/ : /^[0-9a-f]{64}$/).test(s);
}

/** A value sent on a request line: printable ASCII without spaces. */
function checkToken(value: string, what: string): string {
  if (!/^[\x21-\x7e]+$/.test(value)) throw new RangeError(`${what} ${JSON.stringify(value)} must be printable ASCII without spaces`);
  return value;
}

function isErr(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x45 && data[1] === 0x52 && data[2] === 0x52 && data[3] === 0x20;
}

/** A packet for a message: its text (made safe, shortened) or its kind. */
function describe(p: Pkt): string {
  return p.type === 'data' ? `"${remoteText(p.data, 80)}"` : `${p.type} packet`;
}

function corrupt(reason: string, offset: number): XtestPackError {
  return new XtestPackError('PROTOCOL_CORRUPT', reason, { offset });
}
