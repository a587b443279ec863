// The pure parts of `npm run bench` (measure.spec.ts): the open-model arrival schedule and its latency rule,
// percentiles, reading /proc, and judging the targets.

/**
 * When the i-th request of a constant-arrival-rate run is due, in ms after the start. The schedule is fixed
 * before the run: a slow answer never moves a later request's due time (wrk2's rule against coordinated
 * omission).
 */
export function intendedSendTime(index, ratePerSecond) {
  return (index * 1000) / ratePerSecond;
}

/** How many requests are due by `elapsedMs` (requests 0 … n-1). */
export function dueCount(elapsedMs, ratePerSecond) {
  if (elapsedMs < 0) return 0;
  return Math.floor((elapsedMs * ratePerSecond) / 1000) + 1;
}

/**
 * A request's latency in the open model: from when it was due to when its answer came back, so the time it
 * spent waiting to be sent (behind a slow answer, or for a free connection) counts against the system.
 */
export function openModelLatency(intendedMs, completedMs) {
  return completedMs - intendedMs;
}

/** The p-th percentile (0-100, nearest rank) of values sorted ascending. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  // The epsilon keeps 99.9 % of 1000 at rank 999 (in floating point it is 999.0000000000001).
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** count, p50, p99, p99.9 and max of latencies in ms (any order). */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** `Name:   1234 kB` lines (/proc/<pid>/status, /proc/<pid>/smaps_rollup) as MB by name. */
function kbFields(text) {
  const fields = {};
  for (const match of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields[match[1]] = Number(match[2]) / 1024;
  return fields;
}

/**
 * From /proc/<pid>/status: RSS now and at its peak (VmHWM), and RSS split into private anonymous memory (RssAnon:
 * heap, stacks, malloc; what this process alone costs) and file-backed pages (RssFile: mostly the `node` binary,
 * shared by every Node process).
 */
export function parseProcStatus(text) {
  const f = kbFields(text);
  return { rss: f.VmRSS, peakRss: f.VmHWM, rssAnon: f.RssAnon, rssFile: f.RssFile, rssShmem: f.RssShmem };
}

/** From /proc/<pid>/smaps_rollup: PSS (shared pages divided among the processes that map them). */
export function parseSmapsRollup(text) {
  const f = kbFields(text);
  return { pss: f.Pss, pssAnon: f.Pss_Anon, pssFile: f.Pss_File };
}

/**
 * CPU time a process has used (user + system), in ms, from /proc/<pid>/stat. The command name in parentheses
 * may hold spaces, so the fields are counted from its closing parenthesis: utime and stime are the 14th and 15th.
 */
export function cpuMsFromStat(text, ticksPerSecond = 100) {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** Keeps the highest value of each field across samples. */
export function mergePeaks(peaks, sample) {
  const next = { ...peaks };
  for (const [key, value] of Object.entries(sample)) {
    if (Number.isFinite(value)) next[key] = Math.max(next[key] ?? -Infinity, value);
  }
  return next;
}

/** The bench's targets (issue 23). Limits are data so the page and the verdicts cannot disagree. */
export const TARGETS = {
  ordersVsBare: 0.6,
  openModelP99Ms: 25,
  menusVsBareNode: 0.3,
  privateMemoryMb: 110,
  hostileEventLoopMs: 50,
};

/**
 * Judges a run's figures against TARGETS. Each figure may be missing (not measured): its targets are then left
 * out, not failed. Returns [{ name, ok, measured }] in a fixed order.
 *
 * figures: { orders: { spread, hot } each { services, bare } orders/s at 64 connections;
 *            openModel: { p99 } of the services; menus: { services, bareNode } req/s;
 *            memory: [{ service, privateMb }]; hostile: [worst ms of each case]; audit: { ok } }
 */
export function evaluateTargets(figures) {
  const verdicts = [];
  const ratio = (a, b) => (b > 0 ? a / b : NaN);
  const fmt = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
  for (const mode of ['spread', 'hot']) {
    const pair = figures.orders?.[mode];
    if (!pair) continue;
    const r = ratio(pair.services, pair.bare);
    verdicts.push({
      name: `orders/s ≥ ${TARGETS.ordersVsBare} × bare three-hop reference at 64 connections (${mode})`,
      ok: r >= TARGETS.ordersVsBare,
      measured: `${fmt(r)} × (${fmt(pair.services, 0)} vs ${fmt(pair.bare, 0)} orders/s)`,
    });
  }
  if (figures.openModel) {
    const { p99, rate } = figures.openModel;
    verdicts.push({
      name: `open-model p99 < ${TARGETS.openModelP99Ms} ms at half the bare reference's peak`,
      ok: p99 < TARGETS.openModelP99Ms,
      measured: `p99 ${fmt(p99, 1)} ms at ${fmt(rate, 0)} orders/s`,
    });
  }
  if (figures.menus) {
    const r = ratio(figures.menus.services, figures.menus.bareNode);
    verdicts.push({
      name: `cached GET /menus ≥ ${TARGETS.menusVsBareNode} × bare Node`,
      ok: r >= TARGETS.menusVsBareNode,
      measured: `${fmt(r)} ×`,
    });
  }
  if (figures.memory?.length) {
    verdicts.push({
      name: `private memory (RssAnon) ≤ ${TARGETS.privateMemoryMb} MB per service under load`,
      ok: figures.memory.every((entry) => entry.privateMb <= TARGETS.privateMemoryMb),
      measured: figures.memory.map((entry) => `${entry.service} ${fmt(entry.privateMb, 0)} MB`).join(', '),
    });
  }
  if (figures.hostile?.length) {
    const worst = Math.max(...figures.hostile);
    verdicts.push({
      name: `worst hostile-input request ≤ ${TARGETS.hostileEventLoopMs} ms of event-loop time`,
      ok: worst <= TARGETS.hostileEventLoopMs,
      measured: `slowest ${fmt(worst, 1)} ms`,
    });
  }
  if (figures.audit) {
    verdicts.push({
      name: 'zero oversell, zero lost stock (audit ok)',
      ok: figures.audit.ok === true,
      measured: figures.audit.ok === true ? 'audit ok' : 'audit not ok',
    });
  }
  return verdicts;
}
