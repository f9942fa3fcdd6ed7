package dev.tern.auth;

import static dev.tern.log.MailLog.Service.POP3;
import static dev.tern.log.MailLog.Service.SMTP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    final LoginGuardTest.TestClock clock = new LoginGuardTest.TestClock();
    final LoginGuard guard = new LoginGuard(3, Duration.ofMinutes(15), Duration.ZERO, clock);
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final Authenticator logins = new Authenticator(this::verify, guard, new Authenticator.Pool(1, 1));
    final InetAddress ip = InetAddress.getLoopbackAddress();
    final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    private boolean verify(String user, char[] password) {
        if (user.equals("slow@example.org")) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return user.equals("mallory@example.org") && new String(password).equals("own");
    }

    @AfterEach
    void close() {
        release.countDown();
        logins.close();
        clients.shutdownNow();
    }

    private Authenticator.Outcome login(String user, String password) {
        return logins.login(SMTP, ip, "PLAIN", user, password.toCharArray(), 0);
    }

    @Test
    void aSuccessBetweenGuessesDoesNotResetTheCount() { // issue 10 #8
        assertThat(login("alice@example.org", "guess1")).isInstanceOf(Authenticator.Outcome.Failed.class);
        assertThat(login("alice@example.org", "guess2")).isInstanceOf(Authenticator.Outcome.Failed.class);
        assertThat(login("Mallory@example.org", "own")).isEqualTo(new Authenticator.Outcome.Ok("mallory@example.org"));
        assertThat(login("alice@example.org", "guess3")).isInstanceOf(Authenticator.Outcome.Failed.class);
        assertThat(guard.isBlocked(ip)).isTrue();
        assertThat(login("mallory@example.org", "own")).isInstanceOf(Authenticator.Outcome.Blocked.class);
    }

    @Test
    void theSameOutcomesForEveryProtocolAndThePasswordIsWiped() {
        char[] pw = "own".toCharArray();
        assertThat(logins.login(POP3, ip, "USER", "mallory@example.org", pw, 0))
                .isInstanceOf(Authenticator.Outcome.Ok.class);
        assertThat(pw).containsOnly('\0');
        assertThat(logins.login(POP3, ip, "USER", "", "x".toCharArray(), 0))
                .isInstanceOf(Authenticator.Outcome.Failed.class);
        assertThat(logins.login(POP3, ip, "USER", "x", null, 0)).isInstanceOf(Authenticator.Outcome.Failed.class);
    }

    @Test
    void aFullPoolAnswersBusyWithoutCheckingOrCounting() throws Exception {
        CompletableFuture<Authenticator.Outcome> slow = CompletableFuture.supplyAsync(() -> login("slow@example.org", "x"), clients);
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Authenticator.Outcome> queued = CompletableFuture.supplyAsync(() -> login("slow@example.org", "y"), clients);
        await().atMost(Duration.ofSeconds(10)).until(() -> logins.checksUnderWay() == 2);
        assertThat(login("mallory@example.org", "own")).isInstanceOf(Authenticator.Outcome.Busy.class);
        assertThat(guard.failures()).isZero();
        release.countDown();
        assertThat(slow.get(10, TimeUnit.SECONDS)).isInstanceOf(Authenticator.Outcome.Failed.class);
        assertThat(queued.get(10, TimeUnit.SECONDS)).isInstanceOf(Authenticator.Outcome.Failed.class);
        assertThat(login("mallory@example.org", "own")).isInstanceOf(Authenticator.Outcome.Ok.class);
    }
}
