package dev.tern.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tern as a separate JVM ({@code tern serve --config FILE}), for tests that kill it or signal it (TERM, HUP). Reads its
 * standard output to learn the bound SMTP port and when it is ready.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("tern: smtp listening on (\\S+):(\\d+)");

    private final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile int smtpPort = -1;

    private ServerProcess(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().name("server-output").start(this::pump);
    }

    /**
     * How long a start may take before the process is taken for hung. The wait ends by itself as soon as the server
     * says it is ready or its output ends (it exited); this bound is for a hang only. A start costs about 3.4 s of
     * CPU time (JVM, class loading, a self-signed certificate), which took 20 s at load 77 on the 2-core machine.
     */
    private static final Duration START_HANG = Duration.ofMinutes(3);

    /**
     * Starts {@code tern serve --config config} and waits until it says it is ready (or exits); {@code jvmArgs} go
     * before the class name (a crash point: {@code -Dtern.test.crash_point=NAME}).
     */
    public static ServerProcess start(Path config, String... jvmArgs) throws IOException, InterruptedException {
        ServerProcess sp = launch(config, jvmArgs);
        if (!sp.ready.await(START_HANG.toSeconds(), TimeUnit.SECONDS) || sp.smtpPort < 0) {
            boolean alive = sp.process.isAlive();
            sp.process.destroyForcibly();
            throw new IOException("server did not become ready (" + (alive ? "still starting after " + START_HANG
                    : "it exited") + "); output:\n" + sp.output());
        }
        return sp;
    }

    /** Starts {@code tern serve --config config} without waiting for it to be ready. */
    public static ServerProcess launch(Path config, String... jvmArgs) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.tern.cli.Main", "serve", "--config",
                config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        return new ServerProcess(pb.start());
    }

    /** Writes a test configuration with only an SMTP listener on an ephemeral loopback port. */
    public static Path writeConfig(Path dir, Path dataDir, String extra) throws IOException {
        Path cfg = dir.resolve("tern-" + System.nanoTime() + ".toml");
        Files.writeString(cfg, """
                hostname = "mx.test"
                data_dir = "%s"
                local_domains = ["example.test"]
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = []
                http = []
                %s
                """.formatted(dataDir.toString().replace("\\", "\\\\"), extra));
        return cfg;
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    smtpPort = Integer.parseInt(m.group(2));
                }
                if (line.equals("tern: ready")) {
                    ready.countDown();
                }
            }
        } catch (IOException e) {
            // process ended
        } finally {
            ready.countDown();
        }
    }

    public int smtpPort() {
        return smtpPort;
    }

    public Process process() {
        return process;
    }

    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** SIGKILL, and wait for the process to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Sends SIGTERM. (Through the process handle: {@code Process.destroy()} would also close our end of the
     * server's output, and the server's last words would be lost.)
     */
    public void sigterm() {
        process.toHandle().destroy();
    }

    /** Sends SIGHUP (reload), through kill(1): the JDK sends no other signal than TERM and KILL. */
    public void sighup() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -HUP " + process.pid() + " failed");
        }
    }

    /** SIGTERM; returns the exit status, or -1 if it did not exit within {@code seconds}. */
    public int terminate(int seconds) throws InterruptedException {
        sigterm();
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
