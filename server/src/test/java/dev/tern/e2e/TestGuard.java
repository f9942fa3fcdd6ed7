package dev.tern.e2e;

import dev.tern.auth.Authenticator;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The login guard of the protocol fixtures ({@link Pop3Fixture}, the IMAP one): blocks the addresses a test puts
 * in {@link #blocked}, records each failure it is told of, and makes a session wait {@code perFailure} times its
 * failures so far.
 */
public final class TestGuard implements Authenticator.Guard {
    /** Addresses treated as blocked. */
    public final List<InetAddress> blocked = new CopyOnWriteArrayList<>();
    /** The failures reported, as "fail IP". */
    public final List<String> failures = new CopyOnWriteArrayList<>();
    private final Duration perFailure;

    public TestGuard(Duration perFailure) {
        this.perFailure = perFailure;
    }

    @Override
    public boolean isBlocked(InetAddress ip) {
        return blocked.contains(ip);
    }

    @Override
    public void failure(InetAddress ip) {
        failures.add("fail " + ip.getHostAddress());
    }

    @Override
    public Duration delay(int failuresInSession) {
        return perFailure.multipliedBy(failuresInSession);
    }
}
