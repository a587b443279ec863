/** Add to a service's docs tags (createServiceApp → docs.tags) for a described "chaos" group in Swagger. */
export const CHAOS_DOCS_TAG = {
  name: 'chaos',
  description: '💥 Fault injection: latency, errors and service-specific knobs, shared by every replica',
} as const;
