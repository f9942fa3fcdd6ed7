package bench;

import dev.tern.junit.TernMail;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One first start of tern-junit in this (fresh) JVM: from the extension's class being loaded to every listener
 * bound, in wall time and in CPU time of the whole process (all threads, the JIT's too: on a loaded machine the
 * steadier figure), then the cost of a reset between tests. Run by bench/junit/startup.sh, one JVM per run.
 */
public final class FirstStart {
    private FirstStart() {
    }

    public static void main(String[] args) throws IOException {
        long cpu0 = cpuMillis();
        long t0 = System.nanoTime();
        TernMail mail = new TernMail().withUser("ann@example.com", "secret");
        mail.start();
        long wall = System.nanoTime() - t0;
        long cpu = cpuMillis() - cpu0;
        long[] resets = new long[200];
        for (int i = 0; i < resets.length; i++) {
            long r = System.nanoTime();
            mail.reset();
            resets[i] = System.nanoTime() - r;
        }
        mail.close();
        Arrays.sort(resets);
        System.out.printf("first start %d ms wall, %d ms CPU; reset median %d us (p90 %d us)%n", wall / 1_000_000,
                cpu, resets[resets.length / 2] / 1000, resets[resets.length * 9 / 10] / 1000);
    }

    /** User and system CPU time of this process so far, from /proc (Linux; 10 ms ticks). */
    private static long cpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }
}
