/** When request `index` of a constant-arrival-rate run is due, in ms after the start. */
export function intendedSendTime(index: number, ratePerSecond: number): number;
/** How many requests are due by `elapsedMs`. */
export function dueCount(elapsedMs: number, ratePerSecond: number): number;
/** Open-model latency: from the due time to the answer. */
export function openModelLatency(intendedMs: number, completedMs: number): number;
/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: ArrayLike<number>, p: number): number;
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}
export function summarize(values: ArrayLike<number>): LatencySummary;
export interface ProcStatus {
  rss: number;
  peakRss: number;
  rssAnon: number;
  rssFile: number;
  rssShmem: number;
}
/** MB fields of /proc/<pid>/status. */
export function parseProcStatus(text: string): ProcStatus;
/** MB fields of /proc/<pid>/smaps_rollup. */
export function parseSmapsRollup(text: string): { pss: number; pssAnon: number; pssFile: number };
export function mergePeaks(
  peaks: Record<string, number>,
  sample: Record<string, number | undefined>,
): Record<string, number>;
export const TARGETS: {
  ordersVsBare: number;
  openModelP99Ms: number;
  menusVsBareNode: number;
  privateMemoryMb: number;
  hostileEventLoopMs: number;
};
export interface Figures {
  orders?: { spread?: { services: number; bare: number }; hot?: { services: number; bare: number } };
  openModel?: { p99: number; rate: number };
  menus?: { services: number; bareNode: number };
  memory?: { service: string; privateMb: number }[];
  hostile?: number[];
  audit?: { ok?: boolean };
}
export function evaluateTargets(figures: Figures): { name: string; ok: boolean; measured: string }[];
/** user + system CPU of a process in ms, from /proc/<pid>/stat. */
export function cpuMsFromStat(text: string, ticksPerSecond?: number): number;
