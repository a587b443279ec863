#!/usr/bin/env node
// Asks each PROBE_URLS url every 50 ms on its own keep-alive connection until DURATION_S is over, and prints one
// PROBE_RESULT line with the latencies. A process of its own: a probe timed inside the storm's generator would
// measure the generator's saturated event loop as much as the service.
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

const urls = (process.env.PROBE_URLS ?? '').split(',').filter(Boolean);
const deadline = Date.now() + Number(process.env.DURATION_S ?? 10) * 1000;

async function probe(url) {
  const agent = new Agent({ connections: 1 });
  const times = [];
  let failures = 0;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const res = await request(url, { dispatcher: agent, headersTimeout: 30_000 });
      await res.body.dump();
      if (res.statusCode !== 200) failures += 1;
      times.push(performance.now() - started);
    } catch {
      failures += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await agent.close();
  return { url, times, failures };
}

process.stdout.write(`PROBE_RESULT ${JSON.stringify(await Promise.all(urls.map(probe)))}\n`);
