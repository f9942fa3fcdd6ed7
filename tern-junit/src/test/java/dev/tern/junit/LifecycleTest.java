package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-class and per-method servers, parameter injection, {@code @Nested} classes. */
class LifecycleTest {
    @RegisterExtension
    static TernMail perClass = new TernMail().withWait(Duration.ofSeconds(5));

    /** A new server for each test: its own ports. */
    @RegisterExtension
    TernMail perMethod = new TernMail().withWait(Duration.ofSeconds(5));

    private static final Set<Integer> perMethodPorts = new HashSet<>();

    @Test
    void perMethodServersAreFreshAndSeparate() throws Exception {
        assertThat(perMethod.smtpPort()).isNotEqualTo(perClass.smtpPort());
        assertThat(perMethodPorts.add(perMethod.smtpPort())).isTrue();
        assertThat(perMethod.messages()).isEmpty();
        Send.send(Send.plain(perMethod), "a@b.example", "m@x.example", "per method", "x");
        assertThat(perMethod.awaitMessage().subject()).isEqualTo("per method");
        assertThat(perClass.messages()).isEmpty();
    }

    @Test
    void perMethodServersAreFreshAndSeparateAgain() throws Exception {
        perMethodServersAreFreshAndSeparate();
    }

    @Test
    void perClassServerIsEmptiedBeforeEachTest() throws Exception {
        assertThat(perClass.messages()).isEmpty();
        Send.send(Send.plain(perClass), "a@b.example", "c@x.example", "per class", "x");
        perClass.awaitMessage();
    }

    @Test
    void perClassServerIsEmptiedBeforeEachTestAgain() throws Exception {
        perClassServerIsEmptiedBeforeEachTest();
    }

    @Test
    void aTestsServerBuildsNoQueueAndStillReloads() throws Exception {
        // no spool, queue or delivery in a test's server (a quicker first start); a reload right after the start
        // (while the TLS set-up may still be writing its certificate) finds nothing changed
        assertThat(perMethod.tern().scheduler()).isNull();
        assertThat(Files.exists(perMethod.tern().config().dataDir().resolve("spool"))).isFalse();
        perMethod.tern().reload();
        Send.send(Send.plain(perMethod), "a@b.example", "r@x.example", "after reload", "x");
        assertThat(perMethod.awaitMessage().subject()).isEqualTo("after reload");
    }

    @Nested
    class Inner {
        @RegisterExtension
        TernMail innerServer = new TernMail();

        @Test
        void nestedTestsSeeTheOuterServersAndTheirOwn() throws Exception {
            assertThat(innerServer.smtpPort()).isNotIn(perClass.smtpPort(), perMethod.smtpPort());
            Send.send(Send.plain(perClass), "a@b.example", "n@x.example", "nested", "x");
            assertThat(perClass.awaitMessage().subject()).isEqualTo("nested");
            Send.send(Send.plain(innerServer), "a@b.example", "n@x.example", "inner", "x");
            assertThat(innerServer.awaitMessage().subject()).isEqualTo("inner");
        }

        @Nested
        class Deeper {
            @Test
            void twoLevelsDown() throws Exception {
                Send.send(Send.plain(perClass), "a@b.example", "d@x.example", "deeper", "x");
                assertThat(perClass.awaitMessage(Match.to("d@x.example"))).isNotNull();
            }
        }
    }
}
