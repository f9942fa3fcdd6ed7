package dev.tern.junit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
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
}
