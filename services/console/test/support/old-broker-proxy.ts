// A TCP proxy in front of our broker that makes it look like an older Kafka: the APIs named are left out of
// its ApiVersions answers, and Metadata names the proxy as the broker so that clients stay on it.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { decodeResponse, encodeResponse } from '@tributary/kafka-protocol';

export interface OldBrokerProxy {
  address: string;
  close(): Promise<void>;
}

function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4 && buffer.length >= 4 + buffer.readInt32BE(0)) {
      const size = buffer.readInt32BE(0);
      onFrame(buffer.subarray(4, 4 + size));
      buffer = buffer.subarray(4 + size);
    }
  };
}

function withSize(frame: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length, 0);
  return Buffer.concat([size, frame]);
}

export async function oldBrokerProxy(
  brokerPort: number,
  hiddenApis: readonly number[],
): Promise<OldBrokerProxy> {
  const sockets = new Set<Socket>();
  let port = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(brokerPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    // What each correlation id asked for, to know how to read the answer.
    const asked = new Map<number, { apiKey: number; version: number }>();
    client.on(
      'data',
      frames((frame) => {
        asked.set(frame.readInt32BE(4), { apiKey: frame.readInt16BE(0), version: frame.readInt16BE(2) });
        upstream.write(withSize(frame));
      }),
    );
    upstream.on(
      'data',
      frames((frame) => {
        const correlationId = frame.readInt32BE(0);
        const request = asked.get(correlationId);
        asked.delete(correlationId);
        if (request?.apiKey === 18) {
          const { body } = decodeResponse(18, request.version, frame);
          body.apiKeys = body.apiKeys.filter((k) => !hiddenApis.includes(k.apiKey));
          client.write(encodeResponse(18, request.version, correlationId, body));
        } else if (request?.apiKey === 3) {
          const { body } = decodeResponse(3, request.version, frame);
          for (const b of body.brokers) b.port = port;
          client.write(encodeResponse(3, request.version, correlationId, body));
        } else {
          client.write(withSize(frame));
        }
      }),
    );
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
