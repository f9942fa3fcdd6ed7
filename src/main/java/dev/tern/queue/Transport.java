package dev.tern.queue;

import java.util.List;
import java.util.Map;

/**
 * Delivers a queued message. Implemented by {@code dev.tern.delivery.Router}. The scheduler groups a message's
 * due recipients by {@link #route} and calls {@link #deliver} once per group, so that all recipients in one
 * remote domain go in one SMTP transaction.
 */
public interface Transport {
    /** The group a recipient belongs to: recipients with equal routes are delivered together. */
    String route(String address);

    /**
     * Delivers to the recipients at {@code indices} (all on one route) and returns one outcome per index.
     *
     * @param recovering the message was recovered after a restart: a delivery may have happened already
     *                   without its success being recorded, so look before delivering again where possible
     */
    Map<Integer, Attempt> deliver(QueuedMessage message, List<Integer> indices, boolean recovering);
}
