package dev.tern.queue;

/** Delivers a queued message to one of its recipients. Implemented by {@code dev.tern.delivery.Router}. */
public interface Transport {
    /**
     * @param index      the recipient's index in the envelope
     * @param recovering the message was recovered after a restart: a delivery may have happened already
     *                   without its success being recorded, so look before delivering again
     */
    Attempt deliver(QueuedMessage message, int index, boolean recovering);
}
