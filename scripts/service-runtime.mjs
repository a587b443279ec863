// How a service's Node process runs: `npm start` and `npm run bench` spawn it with these, the Dockerfile's ENV
// and CMD repeat them (tests/compose.e2e-spec.ts checks that they agree), and so do each service's own `start`
// and Nx `serve` commands (service-runtime.spec.ts).
//
// All are about memory under load (BENCHMARKS.md, items 16 and 17). V8 let the old space grow to ~3-4× its live
// data between full collections and kept a 32 MB young generation; glibc's dynamic mmap threshold kept each
// argon2 hash's 19 MB buffer in a thread arena after the hash was done. Growing the heap by half between
// collections and a 16 MB young generation cost cached reads nothing measurable (order figures stayed within
// their run-to-run noise); unlike --max-old-space-size they set no ceiling, so a service with more live data
// than expected collects more often instead of dying.
//
// --liftoff-only (BENCHMARKS.md, item 17): the WebAssembly a service runs is undici's HTTP parser (llhttp, for
// its calls to the other services and fetch) and, at boot, Node's module lexer. V8 tiers llhttp's huge
// state-machine function up to TurboFan as soon as traffic starts, on background threads whose compiler zones
// took 25-40 MB for a moment (heaptrack: the order service's peak), enough to be a service's highest RSS of a
// whole benchmark. Liftoff, V8's baseline wasm compiler, parses these small responses about as fast (order
// throughput unchanged).

/** V8 flags (--heap-growing-percent is not allowed in NODE_OPTIONS, hence the command line). */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50', '--liftoff-only'];

/** Environment defaults; the caller's own environment wins. */
export const SERVICE_ENV = {
  // A fixed threshold: allocations of 1 MB and more are mapped on their own and returned when freed.
  MALLOC_MMAP_THRESHOLD_: '1048576',
};
