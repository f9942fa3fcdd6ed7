package dev.tern;

import dev.tern.config.Config;
import dev.tern.config.Config.HostPort;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What can be checked of a configuration before Tern starts, beyond the file's own syntax: that the files it
 * names can be read and the addresses it names can be listened on. Each failure is a {@link StartFailure}
 * naming the key. {@code tern serve} checks the files first and maps what still fails while starting (a port
 * taken meanwhile) the same way; {@code tern config check} runs all of it.
 */
public final class StartChecks {
    private StartChecks() {
    }

    /** The certificate and key files exist, are regular files and are readable; data_dir is a directory if it exists. */
    public static void files(Config config) throws StartFailure {
        Path data = config.dataDir();
        if (Files.exists(data) && !Files.isDirectory(data)) {
            throw new StartFailure("data_dir", quote(data) + " is not a directory", null);
        }
        readable("tls.certificate", config.tls().certificate());
        readable("tls.private_key", config.tls().privateKey());
    }

    private static void readable(String key, Path file) throws StartFailure {
        if (file == null) {
            return;
        }
        if (!Files.exists(file)) {
            throw new StartFailure(key, quote(file) + " does not exist", null);
        }
        if (Files.isDirectory(file)) {
            throw new StartFailure(key, quote(file) + " is a directory, not a file", null);
        }
        if (!Files.isReadable(file)) {
            throw new StartFailure(key, quote(file) + " cannot be read: permission denied", null);
        }
    }

    /**
     * Each listen address names a host of this machine and its port is free: each is bound for a moment and
     * let go. A port another program (or a running Tern) holds fails with "address already in use".
     */
    public static void addresses(Config config) throws StartFailure {
        Config.Listen l = config.listen();
        for (Map.Entry<String, List<HostPort>> e : List.of(Map.entry("smtp", l.smtp()),
                Map.entry("submission", l.submission()), Map.entry("submissions", l.submissions()),
                Map.entry("pop3", l.pop3()), Map.entry("pop3s", l.pop3s()), Map.entry("http", l.http()))) {
            for (HostPort hp : e.getValue()) {
                try (ServerSocket probe = new ServerSocket()) {
                    probe.setReuseAddress(true);
                    probe.bind(new InetSocketAddress(InetAddress.getByName(hp.host()), hp.port()), 1);
                } catch (IOException x) {
                    throw cannotListen("listen." + e.getKey(), hp, x);
                }
            }
        }
    }

    /** Why binding {@code address} failed, in words, at {@code key}. */
    public static StartFailure cannotListen(String key, HostPort address, IOException e) {
        Throwable cause = e.getCause() instanceof IOException c ? c : e;
        String text = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        String why;
        if (cause instanceof UnknownHostException) {
            why = "the host " + quote(address.host()) + " is not known";
        } else if (text.contains("already in use")) {
            why = "address already in use (another program listens there; is Tern already running?)";
        } else if (text.contains("permission denied") || text.contains("access denied")) {
            why = "permission denied (a port below 1024 needs root or CAP_NET_BIND_SERVICE)";
        } else if (text.contains("cannot assign requested address")) {
            why = "not an address of this machine";
        } else {
            why = cause instanceof BindException || cause.getMessage() == null
                    ? cause.getClass().getSimpleName() + ": " + cause.getMessage() : cause.getMessage();
        }
        return new StartFailure(key, "cannot listen on " + quote(address.toString()) + ": " + why, e);
    }

    private static String quote(Object o) {
        return "\"" + o + "\"";
    }
}
