#!/usr/bin/env node
// Samples the services' memory for `npm run bench` from its own process (the bench blocks while wrk runs): every
// INTERVAL_MS, /proc/<pid>/status (RSS, RssAnon, RssFile) and /proc/<pid>/smaps_rollup (PSS) of each process,
// keeping each field's peak. After every sample it rewrites OUT with { name: peaks }, so the bench reads the
// peaks whenever it likes.
//
// Usage: node memory-sampler.mjs <out.json> <name>=<pid> … (env: INTERVAL_MS, 250)
import { readFile, writeFile } from 'node:fs/promises';
import { mergePeaks, parseProcStatus, parseSmapsRollup } from './measure.mjs';

const [out, ...targets] = process.argv.slice(2);
const processes = targets.map((arg) => {
  const [name, pid] = arg.split('=');
  return { name, pid: Number(pid) };
});
const interval = Number(process.env.INTERVAL_MS ?? 250);
const peaks = Object.fromEntries(processes.map(({ name }) => [name, {}]));

async function sample() {
  for (const { name, pid } of processes) {
    try {
      const [status, rollup] = await Promise.all([
        readFile(`/proc/${pid}/status`, 'utf8'),
        readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''),
      ]);
      peaks[name] = mergePeaks(peaks[name], { ...parseProcStatus(status), ...parseSmapsRollup(rollup) });
    } catch {
      // gone: keep what was seen
    }
  }
  await writeFile(out, JSON.stringify(peaks));
}

for (;;) {
  await sample();
  await new Promise((resolve) => setTimeout(resolve, interval));
}
