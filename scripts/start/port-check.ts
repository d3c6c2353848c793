// Before anything starts: every port the platform will listen on must be free, or the start stops with a
// message naming the port and the variable that moves it. Otherwise a readiness probe could be answered by
// whatever program already holds the port.
import { createServer } from 'node:net';

export interface PortClaim {
  port: number;
  /** The environment variable that sets this port, e.g. `BROKER_PORT`. */
  variable: string;
  /** Who will listen there, e.g. `the broker`. */
  owner: string;
}

function probe(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** One line per problem: ports given twice, ports in use, ports that cannot be bound. Empty when all free. */
export async function portProblems(host: string, claims: readonly PortClaim[]): Promise<string[]> {
  const problems: string[] = [];
  const byPort = new Map<number, PortClaim>();
  for (const claim of claims) {
    const earlier = byPort.get(claim.port);
    if (earlier !== undefined) {
      problems.push(
        `port ${claim.port} is set for both ${earlier.owner} (${earlier.variable}) and ${claim.owner} (${claim.variable}); give them different ports`,
      );
      continue;
    }
    byPort.set(claim.port, claim);
  }
  const results = await Promise.all(
    [...byPort.values()].map(async (c) => [c, await probe(host, c.port)] as const),
  );
  for (const [claim, err] of results) {
    if (err === undefined) continue;
    const where = `${host}:${claim.port}`;
    problems.push(
      err.code === 'EADDRINUSE'
        ? `port ${claim.port} (${claim.owner}) is already in use on ${host} by another program; stop it or set ${claim.variable} to a free port`
        : `cannot listen on ${where} for ${claim.owner} (${err.code ?? err.message}); check HOST or set ${claim.variable}`,
    );
  }
  return problems;
}
