/** command → the Debian package that ships it. */
export const TOOLS: Readonly<Record<string, string>>;
/** The commands `npm test` and `npm run bench` need. */
export const NEEDS: Readonly<Record<'test' | 'bench', readonly string[]>>;
export function findExecutable(command: string, path?: string, extraDirs?: readonly string[]): string | null;
export function missingTools(
  commands: readonly string[],
  path?: string,
  extraDirs?: readonly string[],
): string[];
export function packagesFor(commands: readonly string[]): string[];
export function installCommand(packages: readonly string[], root?: boolean): string;
export function preflight(
  purpose: 'test' | 'bench',
  options?: {
    env?: Record<string, string | undefined>;
    log?: (line: string) => void;
    extraDirs?: readonly string[];
    /** How long to wait for another apt-get's lock (300 s), and between tries (3 s). */
    lockWaitMs?: number;
    lockRetryMs?: number;
  },
): { ok: boolean; installed: string[]; message?: string };
