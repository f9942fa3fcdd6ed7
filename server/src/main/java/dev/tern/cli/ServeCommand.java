package dev.tern.cli;

import dev.tern.StartFailure;
import dev.tern.Tern;
import dev.tern.capture.CaptureStore;
import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.log.LogFormat;
import dev.tern.net.Pollers;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code tern serve}: runs the mail server until SIGTERM or SIGINT, then stops in order and exits 0; SIGHUP
 * reloads the configuration ({@link Tern#reload}). A key
 * that stops it from starting (a certificate that cannot be read, a port in use) is one line
 * {@code FILE: KEY: REASON} and exit status 2, like an error in the file.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the mail server (the embedded development configuration without --config).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--capture", description = "Capture mode, for tests: take mail for any address at any domain,"
            + " deliver nothing, keep it for GET /capture/messages on the HTTP listener (docs/testing.md).")
    boolean capture;

    @Override
    public Integer call() throws Exception {
        Pollers.usePlatformThreads(); // before any connection's thread waits for its socket
        Config cfg = config.load();
        if (cfg.log().json()) {
            LogFormat.json();
        }
        Tern tern;
        try {
            tern = capture ? Tern.capture(cfg, Clock.systemDefaultZone(), new CaptureStore(), null) : Tern.start(cfg);
        } catch (StartFailure e) {
            throw config.failure(e);
        } catch (IOException e) {
            System.err.println("tern: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // SIGHUP: read the configuration again, off the signal's thread (the reload logs what it did)
        Signal.handle(new Signal("HUP"), s -> Thread.ofPlatform().name("reload").start(() -> reload(tern)));
        for (Tern.Bound b : tern.bound()) {
            System.out.println("tern: " + b.name() + " listening on " + hostPort(b));
        }
        if (config.file == null) {
            String domain = cfg.localDomains().get(0);
            System.out.println("tern: running on the embedded default configuration (data in "
                    + cfg.dataDir() + ", local domain " + domain + ")");
            System.out.println("tern: add a user with: ./tern user add alice@" + domain);
        }
        if (capture) {
            System.out.println("tern: capture mode: mail to any address is kept, none is delivered"
                    + (cfg.listen().http().isEmpty() ? "; no HTTP listener (listen.http) to read it from" : ""));
        }
        System.out.println("tern: ready");
        System.out.flush();
        stop.await();
        tern.shutdown(Tern.SHUTDOWN_GRACE);
        return 0;
    }

    /** A reload for SIGHUP: the outcome is in the log (changes, or the refusal's one line). */
    private static void reload(Tern tern) {
        try {
            tern.reload();
        } catch (ConfigException e) {
            // logged by the reload; the running configuration stays
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(ServeCommand.class).error("reload failed", e);
        }
    }

    private static String hostPort(Tern.Bound b) {
        String host = b.address().getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + b.address().getPort();
    }
}
