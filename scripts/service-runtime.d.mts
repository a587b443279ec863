/** V8 flags every service process is started with (see service-runtime.mjs). */
export const SERVICE_NODE_FLAGS: readonly string[];
/** Environment defaults every service process is started with; the caller's environment wins. */
export const SERVICE_ENV: Readonly<Record<string, string>>;
