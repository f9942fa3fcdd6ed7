package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.status.InfoStatus;
import ch.qos.logback.core.status.WarnStatus;
import dev.tern.log.LogSetup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Tern's INFO lines stay out of a test run unless asked for; a project's own Logback file wins. */
class QuietLogsTest {
    @Test
    void logbackStartedWithTernAtWarnUnlessTernLogLevelSaysOtherwise() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        String asked = System.getProperty("TERN_LOG_LEVEL", System.getenv("TERN_LOG_LEVEL"));
        Level want = asked == null ? Level.WARN : Level.toLevel(asked, Level.WARN);
        assertThat(ctx.getLogger("dev.tern.smtp").getEffectiveLevel()).isEqualTo(want);
        assertThat(ctx.getLogger("org.example").getEffectiveLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void theSystemPropertyTurnsItUp() {
        LoggerContext ctx = new LoggerContext();
        String before = System.getProperty(LogSetup.LEVEL_VARIABLE);
        System.setProperty(LogSetup.LEVEL_VARIABLE, "info");
        try {
            assertThat(configure(ctx)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        } finally {
            restore(LogSetup.LEVEL_VARIABLE, before);
        }
        assertThat(ctx.getLogger("dev.tern").getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void logbacksOwnWarningsGoToStandardErrorWithoutItsStatusPrinter() {
        LoggerContext ctx = new LoggerContext();
        configure(ctx);
        // a status listener keeps Logback from running its status printer (and loading java.time's formatter)
        assertThat(ctx.getStatusManager().getCopyOfStatusListenerList()).hasAtLeastOneElementOfType(
                QuietLogs.Problems.class);
        PrintStream err = System.err;
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        System.setErr(new PrintStream(seen, true, StandardCharsets.UTF_8));
        try {
            ctx.getStatusManager().add(new InfoStatus("all well", this));
            ctx.getStatusManager().add(new WarnStatus("something is off", this));
        } finally {
            System.setErr(err);
        }
        assertThat(seen.toString(StandardCharsets.UTF_8)).contains("something is off")
                .doesNotContain("all well");
    }

    @Test
    void aProjectsOwnLogbackConfigurationWins() {
        LoggerContext ctx = new LoggerContext();
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "my-logback-test.xml");
        try {
            assertThat(configure(ctx)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        } finally {
            restore("logback.configurationFile", before);
        }
        assertThat(ctx.getLogger("dev.tern").getLevel()).isNull();
    }

    private static ExecutionStatus configure(LoggerContext ctx) {
        QuietLogs q = new QuietLogs();
        q.setContext(ctx);
        return q.configure(ctx);
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }
}
