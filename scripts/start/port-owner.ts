// Whether a listening TCP port belongs to a given process: a readiness probe answered on the port proves
// little if another program took the port after the launcher checked it was free. Linux exposes this in
// /proc (the socket inodes of the listening ports, and the sockets a process holds); elsewhere the answer
// is "unknown" and the caller relies on the port check made before start.
import { readdir, readFile, readlink } from 'node:fs/promises';

const LISTEN = '0A';

async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      if (fields.length < 10 || fields[3] !== LISTEN) continue;
      if (fields[1].split(':')[1] === hexPort) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** true or false where /proc tells; undefined where it cannot be known (not Linux, no permission). */
export async function ownsListeningPort(pid: number, port: number): Promise<boolean | undefined> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return false;
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && inodes.has(inode)) return true;
  }
  return false;
}
