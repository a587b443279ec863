/**
 * Path patterns for the `routes` option of a fault:
 * - `/validate` matches that path only (a trailing slash is ignored),
 * - `*` matches within one segment: `/users/*` matches `/users/42`, `/v1/*-items` matches `/v1/menu-items`,
 * - `**` as a whole segment matches any number of segments: `/users/**` matches `/users`, `/users/1/orders`;
 *   `/**` matches everything.
 * Matching is segment by segment and linear in practice (no regular expressions built from user input), so a
 * pattern cannot make the request path slow.
 */
export const MAX_ROUTE_PATTERNS = 20;
export const MAX_ROUTE_PATTERN_LENGTH = 200;

const PATTERN_CHARS = /^\/[A-Za-z0-9\-._~%:@!$&'()+,;=*/]*$/;

/** Why `pattern` is not a valid route pattern, or null when it is. */
export function routePatternProblem(pattern: unknown): string | null {
  if (typeof pattern !== 'string') return 'must be a string';
  if (pattern.length > MAX_ROUTE_PATTERN_LENGTH) {
    return `must be at most ${MAX_ROUTE_PATTERN_LENGTH} characters`;
  }
  if (!PATTERN_CHARS.test(pattern)) {
    return 'must start with "/" and contain only URL path characters and "*"';
  }
  if (pattern.split('/').some((segment) => segment.includes('**') && segment !== '**')) {
    return 'may use "**" only as a whole segment (e.g. /users/**)';
  }
  return null;
}

/** `/users/1/` → ['users', '1']; `/` → []. The query string must already be removed. */
export function pathSegments(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed === '/' || trimmed === '' ? [] : trimmed.slice(1).split('/');
}

/** Glob match of one segment where `*` stands for any run of characters (classic linear-backtracking walk). */
function globSegment(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

const ANY_DEPTH = Symbol('**');
type Segment = string | typeof ANY_DEPTH;

export class RoutePattern {
  private constructor(
    readonly source: string,
    private readonly segments: Segment[],
    private readonly literal: string | null,
  ) {}

  /** Throws on an invalid pattern (DTO validation rejects those before they get here). */
  static compile(source: string): RoutePattern {
    const problem = routePatternProblem(source);
    if (problem) throw new Error(`Route pattern ${JSON.stringify(source)} ${problem}`);
    const segments: Segment[] = pathSegments(source).map((segment) =>
      segment === '**' ? ANY_DEPTH : segment,
    );
    const literal = source.includes('*') ? null : `/${(segments as string[]).join('/')}`;
    return new RoutePattern(source, segments, literal);
  }

  matches(path: string): boolean {
    const parts = pathSegments(path);
    if (this.literal !== null) return `/${parts.join('/')}` === this.literal;
    // reachable[j]: the pattern suffix from segment i matches path segments j.. (dynamic programming from the end).
    const m = parts.length;
    let next: boolean[] = new Array<boolean>(m + 1).fill(false);
    next[m] = true;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i];
      const current: boolean[] = new Array<boolean>(m + 1).fill(false);
      for (let j = m; j >= 0; j--) {
        current[j] =
          segment === ANY_DEPTH
            ? next[j] || (j < m && current[j + 1])
            : j < m && next[j + 1] && globSegment(segment, parts[j]);
      }
      next = current;
    }
    return next[0];
  }
}

/** Compiled `routes` of a fault: null means "every route". Matches the raw path or the route template. */
export class RouteMatcher {
  private readonly patterns: RoutePattern[];

  constructor(routes: readonly string[]) {
    this.patterns = routes.map((route) => RoutePattern.compile(route));
  }

  matches(path: string, template?: string): boolean {
    return this.patterns.some(
      (pattern) => pattern.matches(path) || (template !== undefined && pattern.matches(template)),
    );
  }
}
