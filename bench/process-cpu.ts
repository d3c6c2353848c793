// CPU time of another process, for benches whose rates move with whatever else loads the machine: what a
// process spends per request or per record moves far less.

import { readFile } from 'node:fs/promises';

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s, Linux's USER_HZ). */
export async function cpuSecondsOf(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
