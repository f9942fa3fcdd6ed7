package dev.tern.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

/** The server's logging as the tern command starts it: Tern at INFO (or TERN_LOG_LEVEL), the rest at WARN. */
class LogSetupTest {
    @Test
    void ternAtInfoTheRestAtWarnOnStandardOutput() {
        LoggerContext ctx = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(ctx);
        assertThat(setup.configure(ctx)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        String asked = System.getProperty("TERN_LOG_LEVEL", System.getenv("TERN_LOG_LEVEL"));
        assertThat(ctx.getLogger("dev.tern").getLevel())
                .isEqualTo(asked == null ? Level.INFO : Level.toLevel(asked, Level.INFO));
        assertThat(ctx.getLogger("org.xbill.DNS").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDOUT"))
                .isInstanceOf(ConsoleAppender.class);
    }
}
