/** The request a downstream call is made for (nothing for background work). Calls carry the service token. */
export interface CallContext {
  /** Forwarded as X-Request-ID so the downstream logs line up with ours. */
  requestId?: string;
}

/** The error shape every service answers with (only the fields we look at). */
export interface DownstreamErrorBody {
  code?: string;
  message?: string;
  details?: string[];
}
