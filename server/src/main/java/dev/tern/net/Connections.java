package dev.tern.net;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open connections of one service (SMTP, POP3) and its orderly shutdown: once draining, new connections
 * are refused, idle ones are woken to end at once, busy ones get a grace period and are then closed.
 *
 * @param <C> the service's connection type
 */
public final class Connections<C> {
    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private final String service;
    private final Set<C> open = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    /** @param service the name in log lines ("SMTP", "POP3") */
    public Connections(String service) {
        this.service = service;
    }

    /** Runs {@code session} on the calling thread while {@code c} counts as open; {@code refuse} instead when draining. */
    public void serve(C c, Consumer<C> session, Consumer<C> refuse) {
        open.add(c);
        try {
            if (draining) {
                refuse.accept(c);
            } else {
                session.accept(c);
            }
        } finally {
            open.remove(c);
        }
    }

    public boolean draining() {
        return draining;
    }

    public int size() {
        return open.size();
    }

    /**
     * Stops the service: {@code wakeIfIdle} is applied to every connection until none is left or {@code grace}
     * has passed (a connection may become idle meanwhile); then {@code forceClose} to the rest, and a short
     * wait for their threads to finish.
     */
    public void drain(Duration grace, Consumer<C> wakeIfIdle, Consumer<C> forceClose) {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            open.forEach(wakeIfIdle);
            sleep(20);
        }
        if (open.isEmpty()) {
            return;
        }
        log.warn("closing {} {} connection(s) still busy after the {}s grace period", open.size(), service,
                grace.toSeconds());
        open.forEach(forceClose);
        long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!open.isEmpty() && System.nanoTime() < end) {
            sleep(20);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
