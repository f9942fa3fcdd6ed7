/**
 * The HTTP listener ({@code listen.http}): {@code /health}, {@code /metrics} and the queue in JSON
 * ({@code /queue}) and {@code POST /reload}, in capture mode also the captured mail and failure scripts ({@code /capture},
 * {@link dev.tern.http.CaptureEndpoint}), behind one guard that refuses requests for other host names (DNS rebinding) and
 * cross-site changes. It owns the listener and the request rules; it never makes a queue decision of its own
 * (the {@link dev.tern.queue.Scheduler} does) nor a reload decision and never serves anything a browser page of another site may use.
 */
package dev.tern.http;
