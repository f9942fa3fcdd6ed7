package dev.tern.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Tern's logging, set up in code when Logback starts (found by Logback as a {@code Configurator} service): one
 * line per event on standard output, {@value #PATTERN}; {@code dev.tern} at the level of {@code TERN_LOG_LEVEL}
 * (a system property, else the environment variable; INFO when neither is set), every other logger at WARN.
 *
 * <p>A Logback configuration of the application's own wins: with {@code -Dlogback.configurationFile}, or a
 * {@code logback-test.xml} or {@code logback.xml} on the class path, this steps aside and Logback reads that.
 * Subclasses change the default level and the encoder only (tern-junit's: WARN, and lines written without
 * Logback's pattern parser).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public class LogSetup extends ContextAwareBase implements Configurator {
    /** The layout of every text line. */
    public static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n";
    /** The system property, and the environment variable, that set the level of Tern's loggers. */
    public static final String LEVEL_VARIABLE = "TERN_LOG_LEVEL";

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        ClassLoader loader = getClass().getClassLoader();
        if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
                || loader.getResource("logback.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("STDOUT");
        console.setEncoder(encoder(ctx));
        console.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(console);
        ctx.getLogger("dev.tern").setLevel(level(defaultLevel()));
        LogFormat.keyValues(false); // text lines only: nothing writes the key-value pairs until LogFormat.json()
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The encoder of each line ({@value #PATTERN}), started. */
    protected Encoder<ILoggingEvent> encoder(LoggerContext ctx) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();
        return encoder;
    }

    /** The level of {@code dev.tern} when {@value #LEVEL_VARIABLE} is not set. */
    protected Level defaultLevel() {
        return Level.INFO;
    }

    private static Level level(Level otherwise) {
        String v = System.getProperty(LEVEL_VARIABLE);
        if (v == null || v.isBlank()) {
            v = System.getenv(LEVEL_VARIABLE);
        }
        return v == null || v.isBlank() ? otherwise : Level.toLevel(v.trim(), otherwise);
    }
}
