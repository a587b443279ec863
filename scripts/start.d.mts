/** `order=2,restaurant=2` → { order: 2, restaurant: 2 } (throws on anything else). */
export function parseReplicas(spec: string | undefined): Record<string, number>;
/** Replica `index` (1-based) of a service whose first replica listens on `basePort`. */
export function replicaPort(basePort: number, index: number): number;
/** Journeys per second of `--traffic` without a rate. */
export const DEFAULT_TRAFFIC_RATE: number;
/** `--traffic [rate]` / `--traffic=rate` → the starting rate, or null when absent (throws on a bad rate). */
export function parseTraffic(argv: string[]): number | null;
