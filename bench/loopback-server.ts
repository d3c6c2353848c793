// The loopback baseline of bench:broker, in a process of its own like the broker: a TCP server that sends
// each client `bytes` bytes from memory (1 MiB writes) and closes. Prints its port on stdout.
import { createServer } from 'node:net';

const bytes = Number(process.argv[2] ?? 1024 * 1024 * 1024);
const chunk = Buffer.alloc(1024 * 1024, 7);
const server = createServer((socket) => {
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      sent += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.end();
  };
  socket.on('error', () => {});
  pump();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
