#!/usr/bin/env node
// Open-model latency for `npm run bench`: POST /orders at a constant arrival rate, wrk2-style. The schedule is
// fixed before the run (request i is due at i / RATE s) and each latency is measured from the request's due time,
// not from when it could be sent: when the system falls behind, the wait of every request queued behind it
// counts (no coordinated omission). At most MAX_IN_FLIGHT requests are outstanding (one per keep-alive
// connection); requests due beyond that wait for a free connection, their clock already running.
// Prints one JSON line (OPEN_RESULT …).
//
// Usage: node open-model.mjs <url> (env: RATE (requests/s), DURATION_S (10), MAX_IN_FLIGHT (64), TOKEN,
// MENUS (20), MODE (spread|hot))
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { Pool } from 'undici';
import { dueCount, intendedSendTime, openModelLatency, summarize } from './measure.mjs';

const target = new URL(process.argv[2]);
const rate = Number(process.env.RATE);
const durationMs = Number(process.env.DURATION_S ?? 10) * 1000;
const maxInFlight = Number(process.env.MAX_IN_FLIGHT ?? 64);
const menus = Number(process.env.MENUS ?? 20);
const hot = process.env.MODE === 'hot';
const token = process.env.TOKEN;
if (!(rate > 0)) throw new Error('RATE must be a positive number of requests per second');

const pool = new Pool(target.origin, { connections: maxInFlight, pipelining: 1, keepAliveTimeout: 30_000 });
const total = dueCount(durationMs - 1e-9, rate);
const latencies = new Float64Array(total);
const serviceTimes = new Float64Array(total);
const statuses = {};
let completed = 0;
let confirmed = 0;
let errors = 0;
let inFlight = 0;
let next = 0;
let maxQueued = 0;
let start = 0;

async function send(index) {
  const due = intendedSendTime(index, rate);
  const sentAt = performance.now() - start;
  try {
    const menu = hot ? 1 : 1 + Math.floor(Math.random() * menus);
    const res = await pool.request({
      path: target.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'idempotency-key': randomUUID(),
      },
      body: `{"items":[{"menu_id":${menu},"quantity":1}],"address":"bench street 1","phone":"010-1234-5678"}`,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    // An order counts when the body says CONFIRMED (a FAILED order may come back as a 201).
    if ((await res.body.text()).includes('"status":"CONFIRMED"')) confirmed += 1;
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
  } catch {
    errors += 1;
  }
  const done = performance.now() - start;
  latencies[completed] = openModelLatency(due, done);
  serviceTimes[completed] = done - sentAt;
  completed += 1;
  inFlight -= 1;
  pump();
}

/** Sends every request that is due, as far as the in-flight bound allows. */
function pump() {
  const due = Math.min(total, dueCount(performance.now() - start, rate));
  maxQueued = Math.max(maxQueued, due - next - (maxInFlight - inFlight));
  while (next < due && inFlight < maxInFlight) {
    inFlight += 1;
    void send(next);
    next += 1;
  }
}

await new Promise((resolve) => {
  start = performance.now();
  // A 1 ms tick, as wrk2's: requests due between ticks leave together, their latency still counted from their due time.
  const timer = setInterval(() => {
    pump();
    if (next >= total) clearInterval(timer);
  }, 1);
  const finished = setInterval(() => {
    if (completed >= total) {
      clearInterval(finished);
      resolve();
    }
  }, 5);
  pump();
});
const elapsedS = (performance.now() - start) / 1000;
await pool.close();
const round = (value) => Math.round(value * 100) / 100;
const pick = (summary) =>
  Object.fromEntries(Object.entries(summary).map(([key, value]) => [key, round(value)]));
process.stdout.write(
  `OPEN_RESULT ${JSON.stringify({
    rate,
    sent: total,
    achievedRate: round(total / elapsedS),
    statuses,
    confirmed,
    errors,
    maxQueued: Math.max(0, maxQueued),
    latency: pick(summarize(latencies)),
    serviceTime: pick(summarize(serviceTimes)),
  })}\n`,
);
