package dev.tern.queue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.management.ObjectName;

/**
 * What recovering a big queue costs inside one JVM, in figures that a loaded machine does not distort much:
 * the CPU time of the thread that recovers the spool and hands it to the scheduler, and the heap the queued
 * messages hold after a full GC. For {@code bench/queue-scale.sh}; run as {@code RecoveryBench DATA_DIR
 * [--histogram]} on a spool written by {@link SpoolBuilder}.
 */
public final class RecoveryBench {
    private RecoveryBench() {
    }

    public static void main(String[] args) throws Exception {
        Path spoolDir = Path.of(args[0]).resolve("spool");
        var threads = ManagementFactory.getThreadMXBean();
        long before = usedAfterGc();
        long wall = System.nanoTime();
        long cpu = threads.getCurrentThreadCpuTime();
        Spool spool = new Spool(spoolDir, Clock.systemUTC(), new dev.tern.io.DirectorySync());
        List<QueuedMessage> recovered = spool.recover();
        long recoverCpu = threads.getCurrentThreadCpuTime() - cpu;
        long recoverWall = System.nanoTime() - wall;
        Transport deferAll = new Transport() {
            @Override
            public String route(String address) {
                return address.substring(address.indexOf('@') + 1);
            }

            @Override
            public List<Attempt> deliver(QueuedMessage m, List<Integer> indices, boolean recovering) {
                return indices.stream().<Attempt>map(i -> new Attempt.Deferred("none", "451 4.3.0 try later"))
                        .toList();
            }
        };
        try (Scheduler scheduler = new Scheduler(spool, deferAll, Clock.systemUTC(), new Scheduler.Settings(
                RetrySchedule.DEFAULT, Duration.ofHours(4), Duration.ofDays(5), 4, "tern.test", "postmaster@tern.test"))) {
            cpu = threads.getCurrentThreadCpuTime();
            scheduler.recover(recovered);
            long scheduleCpu = threads.getCurrentThreadCpuTime() - cpu;
            int n = recovered.size();
            recovered = null;
            long after = usedAfterGc();
            System.out.printf("recovery: %d messages; spool.recover %.0f ms CPU (%.0f ms wall, %.1f us CPU per message);"
                            + " scheduler.recover %.0f ms CPU; heap %d bytes per queued message%n", n,
                    recoverCpu / 1e6, recoverWall / 1e6, recoverCpu / 1e3 / Math.max(1, n), scheduleCpu / 1e6,
                    (after - before) / Math.max(1, n));
            if (args.length > 1 && args[1].equals("--histogram")) {
                String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                        new Object[] {null}, new String[] {String[].class.getName()});
                h.lines().limit(28).forEach(System.out::println);
            }
            if (scheduler.size() != n) {
                throw new IllegalStateException(scheduler.size() + " messages in the scheduler, not " + n);
            }
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed();
    }
}
