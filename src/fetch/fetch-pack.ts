/**
 * One discovery and one `fetch` command over a transport (git's fetch-pack.c `do_fetch_pack_v2`,
 * cut down to a fetch by object ids with no negotiation): the capabilities, then a pack
 * streamed to a sink and checked on the way.
 *
 *   discover(transport)                       -> ServerCapabilities   (v2 only)
 *   fetchPack(transport, caps, request, sink) -> shallow-info, counts, and (when the sink can
 *                                                give its bytes back) the indexed pack
 *
 * A fetch succeeds only if the final flush arrived, the pack's trailer matches the hash of its
 * bytes and, when indexed, its objects are exactly the count its header declares. Every error
 * names the URL (in `file`) and the offset in the response where it applies.
 */
import { TRAILER_HASH, type Backend, type Hasher } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { bytesEqual } from '../pack/bytes.js';
import { indexPack, type IndexedPack } from '../pack/index-pack.js';
import { hashLength, toHex, type ObjectFormat } from '../pack/oid.js';
import { PACK_HEADER_LENGTH, decodePackHeader } from '../pack/pack-header.js';
import type { ByteSource } from '../pack/source.js';
import {
  ADVERTISEMENT_CONTENT_TYPE,
  AdvertisementDecoder,
  FetchResponseDecoder,
  RESULT_CONTENT_TYPE,
  encodeFetchRequest,
  type ServerCapabilities,
} from './protocol-v2.js';
import type { Transport, TransportReply } from './transport.js';

/**
 * Ask the server what it offers; only a protocol v2 server with the `fetch` command will do.
 * @throws UNSUPPORTED_REMOTE (a v0/v1-only server, dumb HTTP, no `fetch`, an unknown object
 *         format), REMOTE_ERROR (an HTML page), PROTOCOL_CORRUPT, and the transport's errors.
 * @example
 *   const caps = await discover(transport);
 *   const canFilter = caps.fetch?.has('filter') === true;
 */
export async function discover(transport: Transport): Promise<ServerCapabilities> {
  const reply = await transport.discover();
  try {
    const type = reply.contentType;
    if (type !== ADVERTISEMENT_CONTENT_TYPE) {
      if (type === 'text/html') {
        throw new XtestPackError('REMOTE_ERROR', 'the server sent an HTML page, not a git advertisement (a login page? check the URL and credentials)');
      }
      throw new XtestPackError(
        'UNSUPPORTED_REMOTE',
        `not a smart git HTTP server (content type ${type ?? 'none'}); dumb HTTP is not supported, xtest-pack needs git protocol v2`,
      );
    }
    const d = new AdvertisementDecoder();
    for await (const chunk of reply.body) {
      d.push(chunk);
      // A v0/v1 server is known by its first line; its ref list can be long, so stop there.
      if (d.result() !== undefined && d.result()!.version !== 2) break;
    }
    const adv = d.finish();
    if (adv.version !== 2) {
      throw new XtestPackError(
        'UNSUPPORTED_REMOTE',
        `the server speaks only git protocol v${adv.version}; xtest-pack needs protocol v2 (git 2.18 or later serving it, not turned off by protocol.version)`,
      );
    }
    const caps = adv.capabilities;
    if (caps.fetch === undefined) throw new XtestPackError('UNSUPPORTED_REMOTE', 'the server does not offer the fetch command');
    if (caps.objectFormat !== undefined && caps.objectFormat !== 'sha1' && caps.objectFormat !== 'sha256') {
      throw new XtestPackError('UNSUPPORTED_REMOTE', `the server's object format ${JSON.stringify(caps.objectFormat)} is not supported`);
    }
    return caps;
  } catch (e) {
    await reply.cancel();
    throw named(e, reply.url);
  }
}

/** The object format a server uses: what it advertised, else sha1. */
export function serverFormat(caps: ServerCapabilities): ObjectFormat {
  return caps.objectFormat === 'sha256' ? 'sha256' : 'sha1';
}

/** What to fetch. */
export interface FetchPackRequest {
  /** Object ids in hex: commits, trees, blobs (protocol v2 serves any id the server has). */
  readonly wants: readonly string[];
  /** `deepen <n>`; refused with UNSUPPORTED_REMOTE when the server lacks the `shallow` feature. */
  readonly deepen?: number | undefined;
  /** `filter <spec>`; left out when the server lacks the `filter` feature (see `filtered`). */
  readonly filter?: string | undefined;
  /** The wants' object format (default: the server's); another than the server's is refused. */
  readonly format?: ObjectFormat | undefined;
  /** `agent=` to send (when the server advertised its own). */
  readonly agent?: string | undefined;
}

/** Where the pack's bytes go as they arrive. */
export interface PackSink {
  /** Take the next bytes of the pack (the chunk may be reused after the call returns: copy to keep). */
  write(chunk: Uint8Array): void | Promise<void>;
  /**
   * The bytes written, once the pack is complete. When present, the pack is indexed (every
   * object inflated and hashed, deltas resolved) and the result names the wanted ids it lacks.
   */
  source?(): ByteSource | Promise<ByteSource>;
}

export interface FetchPackResult {
  /** The filter was sent (false when the server does not support filters: the pack is unfiltered). */
  readonly filtered: boolean;
  /** `shallow-info` ids: the commits the server cut history at. */
  readonly shallow: readonly string[];
  readonly packVersion: 2 | 3;
  /** Objects the pack header declares (verified when `indexed` is set). */
  readonly objectCount: number;
  readonly packBytes: number;
  /** The pack's trailer checksum, hex. */
  readonly packChecksum: string;
  /** Body bytes of the response (pkt-line framing included). */
  readonly responseBytes: number;
  /** The indexed pack, when the sink could give its bytes back. */
  readonly indexed: IndexedPack | undefined;
  /** Wanted ids not in the pack (known only when indexed; otherwise empty). */
  readonly missing: readonly string[];
  /** The last band-2 line the server sent, if any (never printed on success). */
  readonly lastMessage: string | undefined;
}

/**
 * Run one `fetch` command and stream the pack to `sink`.
 * @throws UNSUPPORTED_REMOTE (deepen without `shallow`, another object format),
 *         USAGE (a malformed want), REMOTE_ERROR (ERR packet, band 3, an empty
 *         body, an HTML page), PROTOCOL_CORRUPT (malformed or cut-short response),
 *         PACK_CORRUPT / CHECKSUM_MISMATCH / DELTA_CORRUPT (the pack), and the transport's
 *         errors (NETWORK, AUTH_FAILED, TOO_LARGE).
 * @example
 *   const r = await fetchPack(transport, caps, { wants: [commit], deepen: 1, filter: 'blob:none' }, memoryPackSink(), backend);
 *   if (!r.filtered) fallBack();
 */
export async function fetchPack(
  transport: Transport,
  caps: ServerCapabilities,
  request: FetchPackRequest,
  sink: PackSink,
  backend: Backend,
): Promise<FetchPackResult> {
  const format = request.format ?? serverFormat(caps);
  const filtered = request.filter !== undefined && caps.fetch?.has('filter') === true;
  let body: Uint8Array;
  try {
    body = encodeFetchRequest(
      caps,
      { wants: request.wants, deepen: request.deepen, filter: filtered ? request.filter : undefined },
      { format, ...(request.agent === undefined ? {} : { agent: request.agent }) },
    );
  } catch (e) {
    throw named(e, `${transport.url}/git-upload-pack`);
  }
  const reply = await transport.command(body);
  let response: FetchResponseDecoder | undefined;
  try {
    checkResultType(reply);
    response = new FetchResponseDecoder(format);
    // Pack errors carry offsets into the pack, not into the response: their place says so.
    // The stream check hashes what indexPack hashes again: it costs little next to inflating,
    // and it tells damage in transit (a bad trailer) apart, with or without an indexable sink.
    const packPlace = `${reply.url} (pack)`;
    const check = new PackStreamCheck(backend, format, packPlace);
    for await (const chunk of reply.body) {
      for (const piece of response.push(chunk)) {
        check.update(piece);
        await sink.write(piece);
      }
    }
    const info = response.finish();
    const pack = check.finish();
    let indexed: IndexedPack | undefined;
    let missing: string[] = [];
    if (sink.source !== undefined) {
      const src = await sink.source();
      const named: ByteSource = { name: packPlace, size: src.size, read: (o, n) => src.read(o, n), readInto: (o, into) => src.readInto(o, into) };
      indexed = indexPack(named, backend, { format });
      missing = missingIds(indexed, request.wants, format);
    }
    return {
      filtered,
      shallow: info.shallow,
      packVersion: pack.version,
      objectCount: pack.count,
      packBytes: pack.size,
      packChecksum: toHex(pack.checksum),
      responseBytes: response.offset,
      indexed,
      missing,
      lastMessage: info.lastMessage,
    };
  } catch (e) {
    await reply.cancel();
    throw named(e, reply.url);
  }
}

/**
 * A PackSink that keeps the pack in memory (for small packs and tests), up to `maxBytes`.
 * @throws TOO_LARGE from `write` past the limit.
 * @example
 *   const sink = memoryPackSink(); await fetchPack(t, caps, req, sink, backend); sink.bytes()
 */
export function memoryPackSink(maxBytes = 256 * 2 ** 20, name = 'fetched.pack'): PackSink & { bytes(): Uint8Array } {
  let buf = new Uint8Array(64 * 1024);
  let length = 0;
  return {
    write(chunk) {
      if (length + chunk.length > maxBytes) throw new XtestPackError('TOO_LARGE', `pack over ${maxBytes} bytes (the in-memory limit)`);
      if (length + chunk.length > buf.length) {
        const bigger = new Uint8Array(Math.min(maxBytes, Math.max(buf.length * 2, length + chunk.length)));
        bigger.set(buf.subarray(0, length));
        buf = bigger;
      }
      buf.set(chunk, length);
      length += chunk.length;
    },
    bytes: () => buf.subarray(0, length),
    source(): ByteSource {
      const bytes = buf.subarray(0, length);
      return {
        name,
        size: length,
        read: (offset, n) => bytes.subarray(offset, offset + n),
        readInto: (offset, into) => into.set(bytes.subarray(offset, offset + into.length)),
      };
    },
  };
}

/**
 * The checks a pack passes while it streams: its header (signature, version, an object count
 * its size can hold) and its trailer (the hash of everything before it), without holding it.
 * @example
 *   const c = new PackStreamCheck(backend, 'sha1'); c.update(a); c.update(b); const { count } = c.finish();
 */
export class PackStreamCheck {
  readonly #hashLen: number;
  readonly #hasher: Hasher;
  readonly #name: string | undefined;
  #header = new Uint8Array(PACK_HEADER_LENGTH);
  #size = 0;
  /** The last `hashLen` bytes seen: the trailer, once the stream ends. */
  #tail: Uint8Array;
  #tailLength = 0;

  /** `name`: the place its errors name (e.g. the URL the pack came from). */
  constructor(backend: Backend, format: ObjectFormat, name?: string) {
    this.#name = name;
    this.#hashLen = hashLength(format);
    this.#hasher = backend.createHash(format, TRAILER_HASH);
    this.#tail = new Uint8Array(this.#hashLen);
  }

  /**
   * The next bytes of the pack.
   * @throws PACK_CORRUPT, PACK_UNSUPPORTED as soon as the 12 header bytes are wrong.
   */
  update(chunk: Uint8Array): void {
    if (this.#size < PACK_HEADER_LENGTH) {
      const k = Math.min(chunk.length, PACK_HEADER_LENGTH - this.#size);
      this.#header.set(chunk.subarray(0, k), this.#size);
      if (this.#size + k === PACK_HEADER_LENGTH) this.#named(() => decodePackHeader(this.#header, Number.MAX_SAFE_INTEGER, this.#hashLen));
    }
    this.#size += chunk.length;
    const h = this.#hashLen;
    if (chunk.length >= h) {
      this.#hasher.update(this.#tail.subarray(0, this.#tailLength));
      this.#hasher.update(chunk.subarray(0, chunk.length - h));
      this.#tail.set(chunk.subarray(chunk.length - h));
      this.#tailLength = h;
      return;
    }
    // A short chunk: what falls out of the tail is hashed.
    const over = Math.max(0, this.#tailLength + chunk.length - h);
    this.#hasher.update(this.#tail.slice(0, over));
    this.#tail.copyWithin(0, over, this.#tailLength);
    this.#tailLength -= over;
    this.#tail.set(chunk, this.#tailLength);
    this.#tailLength += chunk.length;
  }

  /**
   * The end of the pack.
   * @throws PACK_CORRUPT (too short, a count its size cannot hold), CHECKSUM_MISMATCH (trailer).
   */
  finish(): { version: 2 | 3; count: number; size: number; checksum: Uint8Array } {
    return this.#named(() => this.#finish());
  }

  #finish(): { version: 2 | 3; count: number; size: number; checksum: Uint8Array } {
    const size = this.#size;
    if (size < PACK_HEADER_LENGTH + this.#hashLen) {
      throw new XtestPackError('PACK_CORRUPT', `the response's pack is ${size} bytes, too short for a pack`, { offset: 0 });
    }
    const { version, count } = decodePackHeader(this.#header, size, this.#hashLen);
    const checksum = this.#hasher.digest();
    if (!bytesEqual(checksum, this.#tail)) {
      throw new XtestPackError(
        'CHECKSUM_MISMATCH',
        `pack trailer ${toHex(this.#tail)} does not match the pack's checksum ${toHex(checksum)}`,
        { offset: size - this.#hashLen },
      );
    }
    return { version, count, size, checksum };
  }

  #named<R>(f: () => R): R {
    try {
      return f();
    } catch (e) {
      throw e instanceof XtestPackError && this.#name !== undefined ? e.withFile(this.#name) : e;
    }
  }
}

function checkResultType(reply: TransportReply): void {
  const type = reply.contentType;
  if (type === RESULT_CONTENT_TYPE) return;
  if (type === 'text/html') {
    throw new XtestPackError('REMOTE_ERROR', 'the server sent an HTML page, not a git response (a login page? check the URL and credentials)');
  }
  throw new XtestPackError('PROTOCOL_CORRUPT', `unexpected content type ${type ?? '(none)'} for a git response`);
}

function missingIds(indexed: IndexedPack, wants: readonly string[], format: ObjectFormat): string[] {
  const h = hashLength(format);
  const have = new Set<string>();
  for (let i = 0; i < indexed.count; i++) have.add(toHex(indexed.oids.subarray(i * h, (i + 1) * h)));
  return [...new Set(wants.map((w) => w.toLowerCase()))].filter((w) => !have.has(w));
}

/** An XtestPackError with the URL as its place (kept if it names one already). */
function named(e: unknown, url: string): unknown {
  return e instanceof XtestPackError ? e.withFile(url) : e;
}
