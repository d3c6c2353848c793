// A raw-wire Fetch loop for bench:broker: reads a partition from the start to its end with large fetches
// and only the parsing a consumer cannot skip (response framing and batch headers to find the next
// offset), so that the client is not what limits the broker's read rate.
import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest } from '@tributary/kafka-protocol';

/**
 * Receives response frames straight into one reused buffer: the socket reads into the free space after
 * what it holds (net's `onread`), as a C client's recv() into its own buffer does, so no byte is copied
 * in user space and nothing is allocated per read.
 */
class FrameReader {
  #socket: Socket | undefined;
  #buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  #len = 0;
  #waiter: ((frame: Buffer) => void) | null = null;
  bytes = 0;

  /** Options for `connect` that deliver the socket's bytes to this reader. */
  readonly onread = {
    buffer: () => {
      // Keep room for a whole read; a frame larger than the buffer grows it.
      if (this.#buf.length - this.#len < 64 * 1024) {
        const grown = Buffer.allocUnsafe(this.#buf.length * 2);
        this.#buf.copy(grown, 0, 0, this.#len);
        this.#buf = grown;
      }
      return this.#buf.subarray(this.#len);
    },
    callback: (n: number) => {
      this.bytes += n;
      this.#len += n;
      this.#deliver();
      return true;
    },
  };

  attach(socket: Socket): void {
    this.#socket = socket;
  }

  #deliver(): void {
    if (!this.#waiter || this.#len < 4) return;
    const size = this.#buf.readInt32BE(0);
    if (this.#len < 4 + size) return;
    // One request at a time: nothing follows the frame, and the caller is done with it before it sends the
    // next request, so the frame is lent without a copy (copied only if bytes did follow it).
    const rest = this.#len - 4 - size;
    const view = this.#buf.subarray(4, 4 + size);
    const frame = rest > 0 ? Buffer.from(view) : view;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter(frame);
    this.#buf.copy(this.#buf, 0, 4 + size, 4 + size + rest);
    this.#len = rest;
  }

  next(): Promise<Buffer> {
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#deliver();
    });
  }

  close(): void {
    this.#socket?.destroy();
  }
}

function lastOffsetOf(records: Buffer): number {
  let pos = 0;
  let last = -1;
  while (records.length - pos >= 61) {
    const size = records.readInt32BE(pos + 8) + 12;
    if (pos + size > records.length) break;
    last = Number(records.readBigInt64BE(pos)) + records.readInt32BE(pos + 23);
    pos += size;
  }
  return last;
}

/** A connection whose responses are read by a FrameReader (see above). */
async function rawConnection(address: string): Promise<{ socket: Socket; reader: FrameReader }> {
  const host = address.slice(0, address.lastIndexOf(':'));
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const reader = new FrameReader();
  const socket = connect({ port, host, onread: reader.onread });
  reader.attach(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  return { socket, reader };
}

/**
 * Produces `requests` Produce requests (acks=-1) of the same encoded record batch, round-robin over
 * `partitions` partitions of `topic` (request i to partition i mod partitions), with `inFlight` requests pipelined on one connection. Calls
 * `progress` with the bytes written after every response; throws on any error code.
 */
export async function rawProduce(
  address: string,
  topic: string,
  partitions: number,
  batch: Buffer,
  requests: number,
  inFlight: number,
  progress: (bytes: number) => Promise<void> | void = () => {},
): Promise<void> {
  const { socket, reader } = await rawConnection(address);
  let sent = 0;
  let answered = 0;
  const send = () => {
    sent++;
    socket.write(
      encodeRequest(0, 9, { correlationId: sent, clientId: 'bench-raw' }, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: (sent - 1) % partitions, records: batch }] }],
      } as never),
    );
  };
  while (sent < Math.min(inFlight, requests)) send();
  while (answered < requests) {
    const { body } = decodeResponse(0, 9, await reader.next());
    const error = body.responses[0].partitionResponses[0].errorCode;
    if (error !== 0) throw new Error(`produce error ${error} on request ${answered + 1}`);
    answered++;
    if (sent < requests) send();
    await progress(answered * batch.length);
  }
  reader.close();
}

/** Fetches `[0, endOffset)` of one partition; returns seconds and bytes received. */
export async function rawFetchAll(
  address: string,
  topic: string,
  partition: number,
  endOffset: number,
  maxBytes = 32 * 1024 * 1024,
): Promise<{ seconds: number; bytes: number }> {
  const { socket, reader } = await rawConnection(address);
  let offset = 0;
  let correlationId = 0;
  const start = performance.now();
  while (offset < endOffset) {
    socket.write(
      encodeRequest(1, 12, { correlationId: ++correlationId, clientId: 'bench-raw' }, {
        clusterId: null,
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            partitions: [
              {
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: BigInt(offset),
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: maxBytes,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      } as never),
    );
    const { body } = decodeResponse(1, 12, await reader.next());
    const p = body.responses[0].partitions[0];
    if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode} at offset ${offset}`);
    const last = p.records ? lastOffsetOf(p.records) : -1;
    if (last >= 0) offset = last + 1;
  }
  const seconds = (performance.now() - start) / 1000;
  reader.close();
  return { seconds, bytes: reader.bytes };
}

/**
 * Reads everything a loopback server sends, received the same way as the fetch loop's responses (straight
 * into a reused 8 MiB buffer, filled front to back); returns seconds and bytes.
 */
export async function loopbackRead(port: number): Promise<{ seconds: number; bytes: number }> {
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  let filled = 0;
  let bytes = 0;
  const socket = connect({
    port,
    host: '127.0.0.1',
    onread: {
      buffer: () => {
        if (buf.length - filled < 64 * 1024) filled = 0;
        return buf.subarray(filled);
      },
      callback: (n: number) => {
        bytes += n;
        filled += n;
        return true;
      },
    },
  });
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  socket.destroy();
  return { seconds: (performance.now() - start) / 1000, bytes };
}
