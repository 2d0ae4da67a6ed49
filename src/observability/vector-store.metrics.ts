import { Histogram } from 'prom-client';

/**
 * Vector store request latency. The adapters are built outside Nest's injector (a factory picks
 * one), so the histogram lives at module level and each app's MetricsService registers it in its
 * registry; it is process-wide, like the process metrics.
 */
export const vectorStoreRequestDuration = new Histogram({
  name: 'ragstore_vector_store_request_duration_seconds',
  help: 'Vector store (Qdrant or embedded) request duration by port operation and outcome',
  labelNames: ['operation', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [],
});
