package dev.tern;

import dev.tern.io.Durable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code <data_dir>/tern.control}: how commands find the server running on a data directory. Written when the
 * server is ready, removed when it stops; two lines, {@code pid=N} and, when there is an HTTP listener,
 * {@code http=http://HOST:PORT} (the address bound, loopback for a wildcard). {@code tern queue} and
 * {@code tern reload} ask that address, so they reach the running server even after {@code listen.http} was
 * edited in the file; a file left by a server that died (its pid is gone) is ignored.
 */
public final class ControlFile {
    static final String NAME = "tern.control";

    /** What the running server wrote: its process and its HTTP base URL (null without an HTTP listener). */
    public record Running(long pid, String http) {
    }

    private ControlFile() {
    }

    /** Writes the file for this process, atomically. */
    static void write(Path dataDir, InetSocketAddress http) throws IOException {
        StringBuilder b = new StringBuilder("pid=").append(ProcessHandle.current().pid()).append('\n');
        if (http != null) {
            b.append("http=").append(baseUrl(http.getAddress().getHostAddress(), http.getPort())).append('\n');
        }
        Durable.writeAtomically(dataDir.resolve(NAME), b.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** Removes the file, if it is still ours. */
    static void remove(Path dataDir) {
        Running r = read(dataDir);
        if (r != null && r.pid() == ProcessHandle.current().pid()) {
            try {
                Files.deleteIfExists(dataDir.resolve(NAME));
            } catch (IOException e) {
                // left behind: the next reader sees that its pid is gone
            }
        }
    }

    /**
     * The server running on {@code dataDir} as its file says, or null when there is no file, it cannot be read
     * (another user's data directory), or its process is gone.
     */
    public static Running read(Path dataDir) {
        String text;
        try {
            text = Files.readString(dataDir.resolve(NAME), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return null; // none, or not ours to read
        }
        long pid = -1;
        String http = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("pid=")) {
                try {
                    pid = Long.parseLong(line.substring(4).trim());
                } catch (NumberFormatException e) {
                    return null;
                }
            } else if (line.startsWith("http=")) {
                http = line.substring(5).trim();
            }
        }
        if (pid < 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return null;
        }
        return new Running(pid, http);
    }

    /** {@code http://HOST:PORT}; a wildcard host is asked on loopback. */
    public static String baseUrl(String host, int port) {
        String h = switch (host) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "0:0:0:0:0:0:0:0" -> "::1";
            default -> host;
        };
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }
}
