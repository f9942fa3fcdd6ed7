package dev.tern.junit;

import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * Starts Logback (SLF4J's binding, then {@link QuietLogs}) on a thread of its own as soon as {@link TernMail}'s class
 * is loaded, so that its 40 to 50 ms of a first start run beside JUnit's own steps instead of on the test's main
 * thread. The server waits for it ({@link #await}) before its first logger: a logger asked for while SLF4J starts on
 * another thread would be a stand-in that queues what it logs. Nothing is logged differently.
 */
final class EarlyLogs {
    /** Longer than any start of Logback; after it the server starts anyway. */
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Thread STARTING =
            Thread.ofPlatform().daemon().name("tern-junit-logs").start(LoggerFactory::getILoggerFactory);

    private EarlyLogs() {
    }

    /** Starts Logback in the background (once: this class's initialiser does it). */
    static void start() {
        // the work is in the initialiser
    }

    /** Waits, without CPU, for the start begun by {@link #start} to end; bounded by {@link #WAIT}. */
    static void await() {
        try {
            STARTING.join(WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
