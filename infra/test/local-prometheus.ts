import { freePort, reapWithTestProcess } from '@food-delivery/testing';
import { dump, load } from 'js-yaml';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INFRA = join(__dirname, '..');

export interface LocalPrometheus {
  url: string;
  process: ChildProcess;
  /** What Prometheus printed so far (for a failure's message). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The real Prometheus (Debian's) with the repo's scrape config, scraping every 1 s: the jobs named in `targets`
 * (job → host:port) with their DNS discovery swapped for that address, the other jobs left out.
 */
export async function startLocalPrometheus(
  targets: Record<string, string>,
  extraFlags: string[] = [],
): Promise<LocalPrometheus> {
  const config = load(readFileSync(join(INFRA, 'prometheus', 'prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    scrape_configs: { job_name: string; dns_sd_configs?: unknown; static_configs?: unknown }[];
  };
  config.global.scrape_interval = '1s';
  config.global.scrape_timeout = '1s';
  config.scrape_configs = config.scrape_configs
    .filter((job) => job.job_name in targets)
    .map(({ dns_sd_configs: _dns, ...job }) => ({
      ...job,
      static_configs: [{ targets: [targets[job.job_name]] }],
    }));
  const jobs = config.scrape_configs.map((job) => job.job_name).sort();
  const wanted = Object.keys(targets).sort();
  if (jobs.join() !== wanted.join())
    throw new Error(
      `infra/prometheus/prometheus.yml has jobs ${jobs.join(', ')}; wanted ${wanted.join(', ')}`,
    );

  const dir = mkdtempSync(join(tmpdir(), 'fd-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), dump(config));
  const port = await freePort();
  let output = '';
  const child = reapWithTestProcess(
    spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
        ...extraFlags,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
