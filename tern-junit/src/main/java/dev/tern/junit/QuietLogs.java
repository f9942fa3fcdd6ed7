package dev.tern.junit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;
import dev.tern.log.LogSetup;

/**
 * Tern's logging inside a test: as the server's ({@link LogSetup}), but {@code dev.tern} at WARN unless
 * {@code TERN_LOG_LEVEL} (system property or environment variable) says otherwise, so a test run prints only
 * what went wrong, in the same lines written without Logback's pattern parser ({@link LineLayout}). Found by
 * Logback as a service, ranked before the server's; a {@code logback-test.xml} of the project's own still wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class QuietLogs extends LogSetup {
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        ExecutionStatus s = super.configure(ctx);
        if (s == ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY) {
            Problems problems = new Problems();
            ctx.getStatusManager().getCopyOfStatusList().forEach(problems::addStatusEvent); // those before this
            ctx.getStatusManager().add(problems);
        }
        return s;
    }

    @Override
    protected Level defaultLevel() {
        return Level.WARN;
    }

    @Override
    protected Encoder<ILoggingEvent> encoder(LoggerContext ctx) {
        LineLayout layout = new LineLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    /**
     * Logback's own warnings and errors, on standard error. Without a status listener Logback would run its status
     * printer after this configuration (to print every status if one is a warning), and that printer's date format
     * loads the time zone rules and {@code java.time}'s formatter: some 60 classes and 15 to 20 ms of a first start's
     * main thread.
     */
    static final class Problems implements StatusListener {
        @Override
        public void addStatusEvent(Status status) {
            if (status.getEffectiveLevel() >= Status.WARN) {
                System.err.println("logback " + status);
            }
        }
    }
}
