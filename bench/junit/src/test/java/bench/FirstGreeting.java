package bench;

import dev.tern.junit.TernMail;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The test {@link FirstStart} runs: a class with a per-class tern-junit server whose first test connects to the
 * SMTP port at once and reads the greeting, as a test that sends mail would. Not a benchmark surefire runs.
 */
public class FirstGreeting {
    /** With -Dbench.threads: every thread's CPU time before the extension was made, to print what each spent. */
    static final java.util.Map<String, Long> THREADS_BEFORE = Boolean.getBoolean("bench.threads")
            ? FirstStart.threadCpus() : null;
    /** When the extension was made: JUnit initialises the class just before its callbacks run. */
    static final long MADE = System.nanoTime();
    static final long MADE_CPU = FirstStart.cpuMillis();
    static final long MADE_THREAD_CPU = FirstStart.threadCpuNanos();
    @RegisterExtension
    static TernMail mail = new TernMail().withUser("ann@example.com", "secret");

    @Test
    void greets() throws Exception {
        String greeting;
        try (Socket s = new Socket(mail.host(), mail.smtpPort())) {
            greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
        long wall = System.nanoTime() - MADE;
        long cpu = FirstStart.cpuMillis() - MADE_CPU;
        long mainCpu = FirstStart.threadCpuNanos() - MADE_THREAD_CPU;
        if (THREADS_BEFORE != null) {
            FirstStart.printThreads(THREADS_BEFORE, FirstStart.threadCpus());
        }
        // counted after the clock stopped: the management classes are loaded now, not in the measured time
        if (greeting == null || !greeting.startsWith("220 ")) {
            throw new AssertionError("no greeting: " + greeting);
        }
        long[] resets = new long[200];
        for (int i = 0; i < resets.length; i++) {
            long r = System.nanoTime();
            mail.reset();
            resets[i] = System.nanoTime() - r;
        }
        Arrays.sort(resets);
        FirstStart.report(wall, cpu, mainCpu, resets,
                java.lang.management.ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
    }
}
