package dev.tern.queue;

import java.util.List;

/**
 * Delivers a queued message. Implemented by {@code dev.tern.delivery.Router}. The scheduler groups a message's
 * due recipients by {@link #route} and calls {@link #deliver} once per group, so that all recipients in one
 * remote domain go in one SMTP transaction.
 */
public interface Transport {
    /** The route of every local recipient: delivered on its own lane, never behind a remote peer. */
    String LOCAL = "local";

    /** The group a recipient belongs to: recipients with equal routes are delivered together. */
    String route(String address);

    /**
     * Deliveries at once on one route (a remote domain's connections). A message whose route is full waits
     * for a place without holding a delivery thread.
     */
    default int limit(String route) {
        return Integer.MAX_VALUE;
    }

    /**
     * Delivers to the recipients at {@code indices} (all on one route) and returns one outcome per index, in the
     * order of {@code indices}.
     *
     * @param recovering the message was recovered after a restart: a delivery may have happened already
     *                   without its success being recorded, so look before delivering again where possible
     */
    List<Attempt> deliver(QueuedMessage message, List<Integer> indices, boolean recovering);
}
