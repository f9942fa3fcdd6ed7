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
        Queue queue,
        Delivery delivery,
        Dns dns,
        Http http) {

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
     * How long the queue keeps trying.
     *
     * @param retryMin     the wait after the first temporary failure; it doubles with each further failure
     * @param retryMax     the longest wait between two attempts
     * @param delayWarning when a still-deferred message earns one delay notice; {@link Duration#ZERO} = never
     * @param maxLifetime  when a still-deferred message bounces with its last error
     */
    public record Queue(Duration retryMin, Duration retryMax, Duration delayWarning, Duration maxLifetime) {
    }

    /**
     * Outbound delivery.
     *
     * @param mxPort         TCP port used for every MX host (25; tests use others)
     * @param smarthost      relay all remote mail through this host instead of the MX, or null
     * @param connectTimeout how long to wait for a TCP connection to one address
     */
    public record Delivery(int mxPort, HostPort smarthost, Duration connectTimeout) {
    }

    /** @param servers DNS servers to ask (IP address and port); empty = the system's resolvers */
    public record Dns(List<HostPort> servers) {
        public Dns {
            servers = List.copyOf(servers);
        }
    }

    /**
     * The operator's HTTP endpoint.
     *
     * @param adminNetworks clients that may change the queue (flush, hold, release, delete); loopback by default
     */
    public record Http(List<Cidr> adminNetworks) {
        public Http {
            adminNetworks = List.copyOf(adminNetworks);
        }
    }
}
