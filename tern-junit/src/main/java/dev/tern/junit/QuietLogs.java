package dev.tern.junit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import dev.tern.log.LogSetup;

/**
 * Tern's logging inside a test: as the server's ({@link LogSetup}), but {@code dev.tern} at WARN unless
 * {@code TERN_LOG_LEVEL} (system property or environment variable) says otherwise, so a test run prints only
 * what went wrong. Found by Logback as a service, ranked before the server's; a {@code logback-test.xml} of
 * the project's own still wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class QuietLogs extends LogSetup {
    @Override
    protected Level defaultLevel() {
        return Level.WARN;
    }
}
