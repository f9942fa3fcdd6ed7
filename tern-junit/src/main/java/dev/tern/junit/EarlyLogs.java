package dev.tern.junit;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Loads Logback's classes on a thread of its own as soon as JUnit's launcher opens a session ({@link EarlyStart})
 * or {@link TernMail}'s class is loaded, whichever comes first, so that most of Logback's start (40 to 70 ms of a
 * first start, nearly all of it loading classes) runs beside JUnit's own steps
 * instead of on the test's main thread. It sets up a throwaway {@link LoggerContext} the way {@link QuietLogs} sets up
 * the real one, and finds the two services SLF4J and Logback look up; it never touches SLF4J's own start, which stays
 * on whichever thread asks for the first logger (started on another thread, SLF4J would hand out stand-in loggers
 * meanwhile, and Spring Boot refuses its stand-in factory). Nothing is logged; the server waits for it
 * ({@link #await}) before its first logger, so the two do not load the same classes at once.
 */
final class EarlyLogs {
    /** Longer than any warm-up; after it the server starts anyway. */
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Classes SLF4J's and Logback's start load besides those; initialising them sets nothing up. */
    private static final List<String> CLASSES = List.of("org.slf4j.LoggerFactory", "org.slf4j.MDC",
            "org.slf4j.helpers.Reporter", "ch.qos.logback.classic.util.ContextInitializer",
            "ch.qos.logback.classic.util.ClassicEnvUtil", "ch.qos.logback.classic.util.ClassicVersionUtil",
            "ch.qos.logback.core.util.StatusListenerConfigHelper", "ch.qos.logback.core.status.StatusUtil",
            "ch.qos.logback.classic.spi.ConfiguratorRank", "ch.qos.logback.classic.ClassicConstants",
            "ch.qos.logback.core.CoreConstants", "ch.qos.logback.core.spi.ContextAwareImpl",
            "ch.qos.logback.core.util.Loader", "ch.qos.logback.core.util.OptionHelper",
            "ch.qos.logback.core.util.VersionUtil", "ch.qos.logback.core.util.CoreVersionUtil");
    private static final Thread LOADING = Thread.ofPlatform().daemon().name("tern-junit-logs").start(EarlyLogs::load);

    private EarlyLogs() {
    }

    /** Starts the loading in the background (once: this class's initialiser does it). */
    static void start() {
        // the work is in the initialiser
    }

    /** Waits, without CPU, for the loading begun by {@link #start} to end; bounded by {@link #WAIT}. */
    static void await() {
        try {
            LOADING.join(WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void load() {
        ClassLoader loader = EarlyLogs.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // another version of SLF4J or Logback: that class is loaded by the start itself, as before
            }
        }
        ServiceLoader.load(SLF4JServiceProvider.class, loader).forEach(p -> { });
        ServiceLoader.load(Configurator.class, loader).forEach(c -> { });
        LoggerContext ctx = new LoggerContext();
        try {
            new QuietLogs().configure(ctx);
        } finally {
            ctx.stop();
        }
    }
}
