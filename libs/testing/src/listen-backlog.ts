import { execFileSync } from 'node:child_process';

/**
 * The accept-queue size of the socket listening at `url`'s port, as the kernel reports it (`ss`, Linux: for a
 * listening socket the Send-Q column is its backlog).
 */
export function listenBacklog(url: string): number {
  const port = new URL(url).port;
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
    .trim()
    .split('\n')[0];
  const backlog = Number(line?.split(/\s+/)[2]);
  if (!Number.isInteger(backlog)) throw new Error(`no listening socket on port ${port} (ss: "${line}")`);
  return backlog;
}
