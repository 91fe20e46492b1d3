/**
 * What the protocol layer needs from a connection to a git server, and nothing of how it is
 * made (as gitoxide's gix-transport `client::Transport`): smart HTTP is `http.ts`; a test
 * double or another transport implements the same three members.
 *
 *   discover()      -> the capability advertisement   (HTTP: GET  <url>/info/refs?service=git-upload-pack)
 *   command(bytes)  -> the reply to one v2 command    (HTTP: POST <url>/git-upload-pack)
 *   stats           -> requests made, bytes sent and received (for a --json report)
 *
 * The transport speaks protocol v2 on the caller's behalf (HTTP: `Git-Protocol: version=2`),
 * authenticates, and enforces its limits while the body streams: a reply's `body` may throw
 * NETWORK (reset, idle timeout) or TOO_LARGE (over the byte limit) mid-way. Errors it throws
 * name the URL concerned (in `file`), never a credential.
 */

/** One reply, streaming. */
export interface TransportReply {
  /** The URL the reply came from, without credentials (for messages). */
  readonly url: string;
  /** Media type in lower case without parameters (`application/x-git-upload-pack-result`); `undefined` when absent. */
  readonly contentType: string | undefined;
  /**
   * The body as it arrives. Iterate once. Leaving the loop early (break, throw) releases the
   * connection.
   * @throws NETWORK, TOO_LARGE while iterating.
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** Stop reading and release the connection (when not iterating `body` to its end). */
  cancel(): Promise<void>;
}

/** Counters over a transport's life. */
export interface TransportStats {
  /** Requests sent, a retry after a 401 and each redirect hop included. */
  readonly requests: number;
  /** Body bytes received (as delivered: after any content decoding). */
  readonly bytesReceived: number;
  /** Request body bytes sent. */
  readonly bytesSent: number;
}

/** A connection to one repository's upload-pack. */
export interface Transport {
  /** The repository's URL without credentials (for messages). After discovery: where it was redirected to. */
  readonly url: string;
  /**
   * Ask for the capability advertisement (protocol v2 requested).
   * @throws NETWORK, AUTH_FAILED, REMOTE_ERROR (the server said no), TOO_LARGE
   */
  discover(): Promise<TransportReply>;
  /**
   * Send one command request (pkt-lines, see protocol-v2.ts) to upload-pack.
   * @throws NETWORK, AUTH_FAILED, REMOTE_ERROR, TOO_LARGE
   */
  command(request: Uint8Array): Promise<TransportReply>;
  readonly stats: TransportStats;
}
