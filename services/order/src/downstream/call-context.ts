/** Who a downstream call is made for: the caller's token and request id, or nothing (background work). */
export interface CallContext {
  /** The user's bearer token, forwarded as is; absent for background work, which uses the service token. */
  token?: string;
  /** Forwarded as X-Request-ID so the downstream logs line up with ours. */
  requestId?: string;
}

/** The error shape every service answers with (only the fields we look at). */
export interface DownstreamErrorBody {
  code?: string;
  message?: string;
  details?: string[];
}
