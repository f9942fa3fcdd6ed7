package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Events;

/**
 * Several test classes, with {@code @Nested} classes and concurrent methods, run at once under JUnit's
 * parallel execution; each server sees exactly its own mail. (The classes below are nested so that Surefire
 * does not run them on their own.)
 */
class ParallelTest {

    @Test
    void classesRunInParallelEachWithItsOwnServer() {
        Events tests = EngineTestKit.engine("junit-jupiter")
                .configurationParameters(Map.of(
                        "junit.jupiter.execution.parallel.enabled", "true",
                        "junit.jupiter.execution.parallel.mode.default", "same_thread",
                        "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                        "junit.jupiter.execution.parallel.config.strategy", "fixed",
                        "junit.jupiter.execution.parallel.config.fixed.parallelism", "4"))
                .selectors(selectClass(A.class), selectClass(B.class), selectClass(C.class), selectClass(D.class))
                .execute().testEvents();
        assertThat(tests.failed().stream().map(e -> e.getTestDescriptor().getDisplayName() + ": "
                + e.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).orElse(null)))
                .isEmpty();
        tests.assertStatistics(s -> s.started(14).succeeded(14));
    }

    /** Sends one message to the server and checks it sees that one only. */
    static void roundTrip(TernMail mail, String tag) throws Exception {
        assertThat(mail.messages()).isEmpty();
        Send.send(Send.plain(mail), "a@b.example", tag + "@x.example", tag, "x");
        assertThat(mail.awaitMessage(Match.to(tag + "@x.example")).subject()).isEqualTo(tag);
        assertThat(mail.messages()).hasSize(1);
    }

    static class A {
        @RegisterExtension
        static TernMail mail = new TernMail();

        @RepeatedTest(3)
        void send(TestInfo info) throws Exception {
            roundTrip(mail, "a" + info.getDisplayName().replaceAll("\\D", ""));
        }

        @Nested
        class InA {
            @RepeatedTest(2)
            void send(TestInfo info) throws Exception {
                roundTrip(mail, "na" + info.getDisplayName().replaceAll("\\D", ""));
            }
        }
    }

    static class B {
        @RegisterExtension
        static TernMail mail = new TernMail();

        @RepeatedTest(3)
        void send(TestInfo info) throws Exception {
            roundTrip(mail, "b" + info.getDisplayName().replaceAll("\\D", ""));
        }
    }

    /** Methods at once, each with its own server. */
    @Execution(ExecutionMode.CONCURRENT)
    static class C {
        @RegisterExtension
        TernMail mail = new TernMail();

        @RepeatedTest(4)
        void send(TestInfo info) throws Exception {
            roundTrip(mail, "c" + info.getDisplayName().replaceAll("\\D", ""));
        }
    }

    static class D {
        @RegisterExtension
        static TernMail mail = new TernMail();

        @Test
        void send() throws Exception {
            roundTrip(mail, "d");
        }

        @Nested
        class InD {
            @Test
            void send() throws Exception {
                roundTrip(mail, "nd");
            }
        }
    }
}
