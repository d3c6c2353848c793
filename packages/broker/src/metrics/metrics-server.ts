// The HTTP listener Prometheus scrapes: `GET /metrics` on its own port, apart from the Kafka listener (a
// scrape never competes with client frames, and the port can be kept off the clients' network).
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';

export interface MetricsServerOptions {
  host: string;
  port: number;
  scrape(): Promise<string>;
  contentType: string;
  logger: Logger;
}

export class MetricsServer {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async listen(options: MetricsServerOptions): Promise<MetricsServer> {
    const { scrape, contentType, logger } = options;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?', 1)[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        res.end('method not allowed\n');
        return;
      }
      scrape().then(
        (text) => res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? '' : text),
        (err: unknown) => {
          logger.error({ err }, 'metrics scrape failed');
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics scrape failed\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => logger.error({ err }, 'metrics server error'));
    return new MetricsServer(server);
  }

  get port(): number {
    const bound = this.#server.address();
    return typeof bound === 'object' && bound ? bound.port : 0;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    return closed;
  }
}
