package dev.tern.auth;

import dev.tern.log.MailLog;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one login path of SMTP AUTH, POP3 (and IMAP): asks the {@link Guard} whether the address is blocked,
 * checks the password, counts and logs a failure, holds back the answer to a failure, and says what came of
 * it as an {@link Outcome} that each protocol turns into its own reply.
 *
 * <p>Password checks (Argon2id: 19 MiB and tens to hundreds of milliseconds of CPU each) run on a small pool
 * of platform threads, never on the carrier threads that every virtual-thread session shares, so guessers
 * cannot stall the other sessions. The pool has a bounded queue; when it is full the login is answered
 * {@link Outcome.Busy} (SMTP {@code 454 4.7.0}, POP3 {@code -ERR [SYS/TEMP]}) without a check.
 */
public final class Authenticator implements AutoCloseable {

    /** Checks a password: true when {@code user} exists and the password is theirs (UserStore::verify). */
    @FunctionalInterface
    public interface Passwords {
        boolean verify(String user, char[] password);
    }

    /** The brute-force defence ({@link LoginGuard}): blocks addresses and paces failures. */
    public interface Guard {
        boolean isBlocked(InetAddress ip);

        /** Counts one failed login of {@code ip}; a success never resets the count (issue 10 #8). */
        void failure(InetAddress ip);

        /** How long to hold back the answer to the {@code failuresInSession}-th failure (1-based) of a session. */
        Duration delay(int failuresInSession);
    }

    /**
     * The password-check pool: {@code threads} platform threads and at most {@code queue} checks waiting.
     */
    public record Pool(int threads, int queue) {
        public Pool {
            if (threads < 1 || queue < 1) { // with no queue at all, a thread between two checks would refuse
                throw new IllegalArgumentException("pool " + threads + "/" + queue);
            }
        }

        /** Half the processors (1 to 4 threads), and 16 checks waiting per thread. */
        public static Pool standard() {
            int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
            return new Pool(threads, 16 * threads);
        }
    }

    /** What came of a login. */
    public sealed interface Outcome {
        /** The password is right: {@code user} is the canonical (lower-case) name. */
        record Ok(String user) implements Outcome {
        }

        /** Wrong user or password, counted and logged; the answer has been held back already. */
        record Failed() implements Outcome {
        }

        /** The address is blocked after too many failures; nothing was checked. */
        record Blocked() implements Outcome {
        }

        /** Too many password checks are waiting; nothing was checked, try again later. */
        record Busy() implements Outcome {
        }

        /** The users cannot be read now (an unreadable users file): nothing was checked, not the client's failure. */
        record Unavailable() implements Outcome {
        }
    }

    private final Passwords passwords;
    private final Guard guard;
    private final ThreadPoolExecutor pool;

    public Authenticator(Passwords passwords, Guard guard, Pool size) {
        this.passwords = passwords;
        this.guard = guard;
        this.pool = new ThreadPoolExecutor(size.threads(), size.threads(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(size.queue()),
                Thread.ofPlatform().daemon().name("password-check-", 0).factory(), new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Logs in {@code user} with {@code password} (wiped before this returns) from {@code ip}.
     *
     * @param failuresBefore failed logins earlier in this session, for the delay of a failure
     */
    public Outcome login(MailLog.Service service, InetAddress ip, String mechanism, String user, char[] password,
                         int failuresBefore) {
        String ipText = ip.getHostAddress();
        String name = user == null ? "" : user.strip().toLowerCase(Locale.ROOT);
        try {
            if (guard.isBlocked(ip)) {
                MailLog.authRefusedBlocked(service, ipText, user);
                pause(guard.delay(failuresBefore + 1));
                return new Outcome.Blocked();
            }
            Boolean ok;
            try {
                ok = name.isEmpty() || password == null ? Boolean.FALSE : check(name, password);
            } catch (UncheckedIOException e) {
                MailLog.authUnavailable(service, ipText, e.getMessage());
                return new Outcome.Unavailable();
            }
            if (ok == null) {
                MailLog.authBusy(service, ipText);
                return new Outcome.Busy();
            }
            if (ok) {
                MailLog.authOk(service, ipText, mechanism, name);
                return new Outcome.Ok(name);
            }
            MailLog.authFailed(service, ipText, mechanism, user);
            guard.failure(ip);
            pause(guard.delay(failuresBefore + 1));
            return new Outcome.Failed();
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /** True while {@code ip} is blocked after failed logins (SMTP refuses it at connect on the login ports). */
    public boolean isBlocked(InetAddress ip) {
        return guard.isBlocked(ip);
    }

    /** Password checks running or waiting now. */
    public int checksUnderWay() {
        return pool.getActiveCount() + pool.getQueue().size();
    }

    /** Runs the check on the pool and waits for it; null when the pool's queue is full. */
    private Boolean check(String user, char[] password) {
        char[] copy = password.clone(); // the caller wipes its own array when this returns, even if interrupted
        Future<Boolean> f;
        try {
            f = pool.submit(() -> {
                try {
                    return passwords.verify(user, copy);
                } finally {
                    Arrays.fill(copy, '\0');
                }
            });
        } catch (RejectedExecutionException e) {
            Arrays.fill(copy, '\0');
            return null;
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u;
            }
            throw new IllegalStateException("password check failed", e.getCause());
        }
    }

    private static void pause(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
