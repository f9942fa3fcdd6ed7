package bench;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * One first start of tern-junit in this (fresh) JVM, inside JUnit as a test run has it: JUnit's launcher runs
 * {@link FirstGreeting}, whose first test connects to the SMTP port and reads the greeting. Printed: the wall time
 * from the extension being made to that greeting, the CPU time of the whole process meanwhile (all threads, the
 * JIT's too: on a loaded machine the steadier figure), the cost of a reset between tests, and the classes the JVM
 * has loaded by then (JUnit's included: a figure load does not change). Run by
 * bench/junit/startup.sh, one JVM per run.
 */
public final class FirstStart {
    private static String line;

    private FirstStart() {
    }

    public static void main(String[] args) {
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(FirstGreeting.class)).build(),
                summary);
        if (summary.getSummary().getTotalFailureCount() > 0 || line == null) {
            summary.getSummary().printFailuresTo(new java.io.PrintWriter(System.err, true), 20);
            System.exit(1);
        }
        System.out.println(line);
    }

    static void report(long wallNanos, long cpuMillis, long mainCpuNanos, long[] sortedResetNanos, long classes) {
        line = String.format("first start %d ms wall, %d ms CPU, %d ms CPU of the main thread; reset median %d us"
                + " (p90 %d us); %d classes loaded in the JVM", wallNanos / 1_000_000, cpuMillis,
                mainCpuNanos / 1_000_000, sortedResetNanos[sortedResetNanos.length / 2] / 1000,
                sortedResetNanos[sortedResetNanos.length * 9 / 10] / 1000, classes);
    }

    /**
     * CPU time of the calling thread so far, in nanoseconds, from /proc/thread-self/schedstat (Linux; the scheduler's
     * own count, not 10 ms ticks, and no management classes loaded to read it).
     */
    static long threadCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/schedstat"));
            return Long.parseLong(stat.substring(0, stat.indexOf(' ')));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each thread's CPU time so far (ns), by "tid name", from /proc/self/task (Linux). */
    static java.util.Map<String, Long> threadCpus() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        for (java.io.File t : tasks == null ? new java.io.File[0] : tasks) {
            try {
                String stat = Files.readString(t.toPath().resolve("schedstat"));
                String name = Files.readString(t.toPath().resolve("comm")).trim();
                out.put(t.getName() + " " + name, Long.parseLong(stat.substring(0, stat.indexOf(' '))));
            } catch (IOException | RuntimeException e) {
                // the thread ended meanwhile
            }
        }
        return out;
    }

    /** Prints the CPU each thread spent between two {@link #threadCpus} (those that spent 1 ms or more). */
    static void printThreads(java.util.Map<String, Long> before, java.util.Map<String, Long> after) {
        after.forEach((t, ns) -> {
            long spent = (ns - before.getOrDefault(t, 0L)) / 1_000_000;
            if (spent >= 1) {
                System.out.printf("thread %-32s %4d ms CPU%s%n", t, spent, before.containsKey(t) ? "" : " (new)");
            }
        });
    }

    /** User and system CPU time of this process so far, from /proc (Linux; 10 ms ticks). */
    static long cpuMillis() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
