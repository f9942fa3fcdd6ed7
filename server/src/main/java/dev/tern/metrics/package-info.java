/**
 * The numbers behind {@code GET /metrics}: {@link dev.tern.metrics.Counts}, the per-service event counters
 * that a service owns and bumps, and {@link dev.tern.metrics.Metrics}, which reads them at each scrape with a
 * few gauges and the JVM's own meters and renders them in Prometheus' text format.
 *
 * <p>It never decides anything and never writes log lines; it only counts and reports what the services tell it.
 */
package dev.tern.metrics;
