// bench:start's baseline for the broker: a bare Node.js TCP server that answers any request with an empty
// Metadata v0 response. What remains of the broker's time to first Metadata beyond this is the broker's own.
// JavaScript like the broker's entry, so neither loads Node's TypeScript stripper.
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
createServer((socket) => {
  socket.once('data', (request) => {
    const correlationId = request.readInt32BE(8);
    const response = Buffer.alloc(4 + 4 + 4 + 4);
    response.writeInt32BE(12, 0);
    response.writeInt32BE(correlationId, 4);
    response.writeInt32BE(0, 8); // no brokers
    response.writeInt32BE(0, 12); // no topics
    socket.end(response);
  });
}).listen(port, '127.0.0.1');
