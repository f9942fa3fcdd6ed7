package dev.tern.imap;

import dev.tern.io.DirectorySync;
import dev.tern.mailbox.Maildir;
import dev.tern.mailbox.MaildirStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

/**
 * What one IMAP command costs inside one JVM, in figures a loaded machine does not distort much: the CPU time and the
 * bytes allocated by the thread that answers it and writes the answer (through a buffered stream to nowhere, as the
 * connection writes to its socket), per message. For {@code bench/imap_profile.sh}; run as
 * {@code ImapFetchBench DATA_DIR USER [ROUNDS] [COMMAND]} on a data dir whose {@code mail/} holds the user's Maildir
 * (bench/imap_bench.py generate). Prints the first time (a folder never opened, in this fresh JVM: the JIT compiling
 * meanwhile is not in the thread's figures but in the process's, printed beside) and the median of ROUNDS (default 20)
 * after as many rounds of warm-up, each in a new session, of the command and of the SELECT before it.
 */
public final class ImapFetchBench {
    private ImapFetchBench() {
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private record Cost(long cpuNanos, long bytes, long processCpuNanos, int messages) {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        String user = args[1];
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        String command = args.length > 3 ? args[3] : "FETCH 1:* (FLAGS ENVELOPE)";
        DirectorySync sync = new DirectorySync();
        MaildirStore mail = new MaildirStore(new Maildir(data.resolve("mail"), sync), sync, "bench.test",
                Clock.systemUTC(), Duration.ZERO);
        try {
            MailStoreImap store = new MailStoreImap(mail, Clock.systemUTC());
            ImapAuthenticator auth = (mechanism, u, password) -> new ImapAuthenticator.Result.Ok(u);
            Cost select = null;
            Cost first = null;
            long[][] opened = new long[3][rounds];
            long[][] selects = new long[3][rounds];
            for (int r = -1; r < 2 * rounds; r++) {
                ImapSession s = new ImapSession(new ImapSession.Settings(true, false, false, true), auth, store);
                CommandAssembler a = new CommandAssembler(CommandAssembler.Limits.defaults(1_000_000));
                boolean check = r < 0;
                run(s, a, "a LOGIN " + user + " x", check);
                Cost sel = run(s, a, "s SELECT INBOX", check);
                Cost c = run(s, a, "f " + command, check);
                run(s, a, "z LOGOUT", check);
                if (r < 0) {
                    select = sel;
                    first = c;
                } else if (r >= rounds) {
                    opened[0][r - rounds] = c.cpuNanos();
                    opened[1][r - rounds] = c.bytes();
                    opened[2][r - rounds] = c.processCpuNanos();
                    selects[0][r - rounds] = sel.cpuNanos();
                    selects[1][r - rounds] = sel.bytes();
                    selects[2][r - rounds] = sel.processCpuNanos();
                }
            }
            int n = Math.max(1, first.messages());
            System.out.printf("%s, %d messages%n", command, first.messages());
            System.out.printf("  first SELECT: thread %.0f ms CPU, %.1f MB allocated; process %.0f ms CPU%n",
                    select.cpuNanos() / 1e6, select.bytes() / 1e6, select.processCpuNanos() / 1e6);
            System.out.printf("  first open:   thread %.0f ms CPU, %.1f MB allocated; process %.0f ms CPU"
                            + " (%.1f us, %d bytes per message)%n", first.cpuNanos() / 1e6, first.bytes() / 1e6,
                    first.processCpuNanos() / 1e6, first.cpuNanos() / 1e3 / n, first.bytes() / n);
            long cpu = median(opened[0]);
            long bytes = median(opened[1]);
            System.out.printf("  opened (median of %d): thread %.1f ms CPU, %.2f MB allocated; process %.1f ms CPU"
                            + " (%.2f us, %d bytes per message)%n", rounds, cpu / 1e6, bytes / 1e6,
                    median(opened[2]) / 1e6, cpu / 1e3 / n, bytes / n);
            System.out.printf("  SELECT of the opened folder (median of %d): thread %.2f ms CPU, %.3f MB allocated;"
                            + " process %.1f ms CPU (%d bytes per message)%n", rounds, median(selects[0]) / 1e6,
                    median(selects[1]) / 1e6, median(selects[2]) / 1e6, median(selects[1]) / n);
        } finally {
            mail.close();
        }
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * One command, its answer written; the cost, and with {@code check} how many FETCH responses it held (the
     * check's cost is in the figures: the first round only).
     */
    private static Cost run(ImapSession s, CommandAssembler a, String line, boolean check) throws IOException {
        long process = processCpu();
        long cpu = THREADS.getCurrentThreadCpuTime();
        long bytes = THREADS.getCurrentThreadAllocatedBytes();
        CommandAssembler.Step step = a.line(line.getBytes(StandardCharsets.UTF_8));
        ImapSession.Reply reply = s.handle(((CommandAssembler.Done) step).result());
        Counting sink = check ? new Counting() : null;
        try (OutputStream out = new BufferedOutputStream(check ? sink : OutputStream.nullOutputStream(), 16 * 1024)) {
            for (Output o : reply.lines()) {
                o.writeTo(out);
            }
        }
        Cost c = new Cost(THREADS.getCurrentThreadCpuTime() - cpu, THREADS.getCurrentThreadAllocatedBytes() - bytes,
                processCpu() - process, check ? sink.fetches : 0);
        if (check && !sink.ok) {
            throw new IllegalStateException(line + ": no tagged OK");
        }
        return c;
    }

    /** Counts the lines that start {@code * n FETCH}, and whether the last line is a tagged OK; keeps nothing. */
    private static final class Counting extends OutputStream {
        int fetches;
        boolean ok;
        private final byte[] start = new byte[16];
        private int len;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int n) {
            for (int i = off; i < off + n; i++) {
                if (len < start.length) {
                    start[len++] = b[i];
                    if (len == start.length) {
                        decide();
                    }
                }
                if (b[i] == '\n') {
                    if (len < start.length) {
                        decide();
                    }
                    len = 0;
                }
            }
        }

        /** By hand, not by a pattern: the sink's own cost is in the figures. */
        private void decide() {
            int k = 2;
            while (k < len && start[k] >= '0' && start[k] <= '9') {
                k++;
            }
            if (len > k + 6 && start[0] == '*' && k > 2 && start[k] == ' ' && start[k + 1] == 'F'
                    && start[k + 5] == 'H') {
                fetches++;
            }
            ok = len > 4 && start[0] != '*' && start[1] == ' ' && start[2] == 'O' && start[3] == 'K';
        }
    }
}
