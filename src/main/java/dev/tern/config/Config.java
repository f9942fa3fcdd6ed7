package dev.tern.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of one Tern process, immutable. Built by {@link ConfigLoader} from a TOML file
 * or from the embedded default; every field has a documented default (docs/configuration.md).
 *
 * @param source        the file this came from, or null for the embedded default (used in messages)
 * @param hostname      our name in the greeting, EHLO reply and Received headers
 * @param dataDir       root of the spool, the mailboxes, the user file and keys
 * @param localDomains  lower-case domains whose mail is delivered here
 * @param aliases       lower-case address {@code local@domain} (in a local domain) to its targets, as written
 * @param pop3          settings of the POP3 listeners ({@code listen.pop3}, {@code listen.pop3s})
 */
public record Config(
        Path source,
        String hostname,
        Path dataDir,
        List<String> localDomains,
        Listen listen,
        Limits limits,
        Relay relay,
        Map<String, List<String>> aliases,
        Pop3 pop3) {

    public Config {
        localDomains = List.copyOf(localDomains);
        aliases = Map.copyOf(aliases);
    }

    /** Listener addresses; an empty list turns that listener off. */
    public record Listen(
            List<HostPort> smtp,
            List<HostPort> submission,
            List<HostPort> submissions,
            List<HostPort> pop3,
            List<HostPort> pop3s,
            List<HostPort> http) {
        public Listen {
            smtp = List.copyOf(smtp);
            submission = List.copyOf(submission);
            submissions = List.copyOf(submissions);
            pop3 = List.copyOf(pop3);
            pop3s = List.copyOf(pop3s);
            http = List.copyOf(http);
        }
    }

    /** A "host:port" listen address; host may be an IPv6 literal written "[::1]:25". Port 0 = ephemeral. */
    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    public record Limits(
            long maxMessageSize,
            int maxRecipients,
            int maxConnections,
            int maxConnectionsPerIp,
            Duration commandTimeout,
            int maxErrors) {
    }

    public record Relay(List<Cidr> trustedNetworks) {
        public Relay {
            trustedNetworks = List.copyOf(trustedNetworks);
        }
    }

    /**
     * @param authRequiresTls no login (USER/PASS, AUTH) on a connection without TLS; STLS or pop3s first
     * @param idleTimeout     an idle session is closed after this long, deleting nothing (RFC 1939: at least 10m)
     */
    public record Pop3(boolean authRequiresTls, Duration idleTimeout) {
    }
}
