package dev.tern.smtp.server;

import dev.tern.net.ConnectionLimiter;
import dev.tern.queue.Scheduler;
import dev.tern.queue.Spool;
import dev.tern.smtp.RecipientPolicy;
import dev.tern.smtp.Session;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP service shared by all SMTP listeners: what every connection needs, the set of open connections,
 * and the orderly shutdown (finish transactions under way, tell idle clients 421, lose nothing).
 */
public final class SmtpServer {
    private static final Logger log = LoggerFactory.getLogger(SmtpServer.class);

    final Session.Settings settings;
    final RecipientPolicy policy;
    final Spool spool;
    final Scheduler scheduler;
    final ConnectionLimiter limiter;
    final Duration commandTimeout;
    final Clock clock;
    private final Set<SmtpConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    public SmtpServer(Session.Settings settings, RecipientPolicy policy, Spool spool, Scheduler scheduler,
                      ConnectionLimiter limiter, Duration commandTimeout, Clock clock) {
        this.settings = settings;
        this.policy = policy;
        this.spool = spool;
        this.scheduler = scheduler;
        this.limiter = limiter;
        this.commandTimeout = commandTimeout;
        this.clock = clock;
    }

    /** Serves one accepted connection on the calling (virtual) thread until it ends. */
    public void serve(Socket socket) {
        SmtpConnection c = new SmtpConnection(this, socket);
        connections.add(c);
        try {
            if (draining) {
                c.refuseShuttingDown();
            } else {
                c.run();
            }
        } finally {
            connections.remove(c);
        }
    }

    boolean draining() {
        return draining;
    }

    /**
     * Stops the service: idle connections are told 421 at once; connections inside a transaction get until
     * {@code grace} to finish it, then are closed. Returns when no connection is left.
     */
    public void drain(Duration grace) {
        draining = true;
        connections.forEach(SmtpConnection::wakeIfIdle);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            connections.forEach(SmtpConnection::wakeIfIdle);
            sleep(20);
        }
        if (!connections.isEmpty()) {
            log.warn("closing {} SMTP connection(s) still busy after the {}s grace period", connections.size(),
                    grace.toSeconds());
            connections.forEach(SmtpConnection::forceClose);
            long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (!connections.isEmpty() && System.nanoTime() < end) {
                sleep(20);
            }
        }
    }

    public int openConnections() {
        return connections.size();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
