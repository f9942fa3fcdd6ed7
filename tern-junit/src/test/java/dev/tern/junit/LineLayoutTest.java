package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.tern.log.LogSetup;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** tern-junit's hand-written log line is the line of the server's pattern, exception and all. */
class LineLayoutTest {
    private final LoggerContext ctx = new LoggerContext();
    private final Logger logger = ctx.getLogger("dev.tern.smtp.server.SmtpConnection");

    @Test
    void aLineAsThePatternWritesIt() {
        assertSame(new LoggingEvent("x", logger, Level.WARN, "cannot write {}: {}", null,
                new Object[] {"tern.control", "disk full"}));
        assertSame(new LoggingEvent("x", logger, Level.INFO, "TLS certificate", null, null));
    }

    @Test
    void anExceptionFollowsItsLine() {
        IOException cause = new IOException("reset");
        assertSame(new LoggingEvent("x", logger, Level.ERROR, "a bug", new IllegalStateException("bad", cause),
                null));
    }

    private void assertSame(LoggingEvent event) {
        PatternLayout pattern = new PatternLayout();
        pattern.setContext(ctx);
        pattern.setPattern(LogSetup.PATTERN);
        pattern.start();
        LineLayout line = new LineLayout();
        line.setContext(ctx);
        line.start();
        assertThat(line.doLayout(event)).isEqualTo(pattern.doLayout(event));
    }
}
