package dev.tern.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration of one Tern process, immutable. Built by {@link ConfigLoader} from a TOML file
 * or from the embedded default; every field has a documented default (docs/configuration.md).
 *
 * @param source        the file this came from, or null for the embedded default (used in messages)
 * @param hostname      our name in the greeting, EHLO reply and Received headers
 * @param dataDir       root of the spool, the mailboxes, the user file and keys
 * @param localDomains  lower-case domains whose mail is delivered here
 * @param aliases       lower-case address {@code local@domain} (in a local domain) to its targets, as written
 * @param tls           the certificate; none configured means a self-signed one in data_dir/tls
 * @param smtp          settings of the MX listener ({@code listen.smtp})
 * @param submission    settings of the submission listeners ({@code listen.submission}, {@code listen.submissions})
 * @param auth          the brute-force defence shared by every login
 * @param pop3          settings of the POP3 listeners ({@code listen.pop3}, {@code listen.pop3s})
 * @param log           how log lines are written
 * @param checks        the MX's message checks ({@code [checks]}: SPF, DKIM, DMARC and what a failure costs)
 * @param defence       the MX's defences: DNS lists, greet pause, pipelining, rate limits, greylisting
 * @param name          what an error about this configuration names (a reload refused): the file, or
 *                      {@code <embedded default>}, or the name text was given under ({@link ConfigLoader#parse})
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
        Tls tls,
        Smtp smtp,
        Submission submission,
        Auth auth,
        Pop3 pop3,
        Imap imap,
        Http http,
        Log log,
        dev.tern.checks.ChecksSettings checks,
        dev.tern.defence.DefenceSettings defence,
        String name) {

    public Config {
        localDomains = List.copyOf(localDomains);
        aliases = Map.copyOf(aliases);
        Objects.requireNonNull(name, "name");
    }

    /**
     * Listener addresses; an empty list turns that listener off.
     *
     * @param trustedProxies peers that may send a PROXY header to a listener with {@code proxy_protocol}
     */
    public record Listen(
            List<HostPort> smtp,
            List<HostPort> submission,
            List<HostPort> submissions,
            List<HostPort> pop3,
            List<HostPort> pop3s,
            List<HostPort> imap,
            List<HostPort> imaps,
            List<HostPort> http,
            List<Cidr> trustedProxies) {
        public Listen {
            trustedProxies = List.copyOf(trustedProxies);
            smtp = List.copyOf(smtp);
            submission = List.copyOf(submission);
            submissions = List.copyOf(submissions);
            pop3 = List.copyOf(pop3);
            pop3s = List.copyOf(pop3s);
            imap = List.copyOf(imap);
            imaps = List.copyOf(imaps);
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
     * @param journalMaxMessage a message up to this many octets goes into the spool's shared journal (0: none)
     */
    public record Queue(Duration retryMin, Duration retryMax, Duration delayWarning, Duration maxLifetime,
                        int journalMaxMessage) {
    }

    /**
     * Outbound delivery.
     *
     * @param mxPort         TCP port used for every MX host (25; tests use others)
     * @param smarthost      relay all remote mail through this host instead of the MX, or null
     * @param connectTimeout how long to wait for a TCP connection to one address
     * @param maxConcurrency deliveries under way at once, local and remote together
     * @param maxPerDomain   outbound connections at once to one recipient domain (or the smarthost)
     * @param reuseTime      how long a clean outbound session waits for the next message to its domain; zero: no reuse
     * @param reuseMessages  messages sent on one outbound session before it is closed
     */
    public record Delivery(int mxPort, HostPort smarthost, Duration connectTimeout, int maxConcurrency,
                           int maxPerDomain, Duration reuseTime, int reuseMessages) {
    }

    /** @param servers DNS servers to ask (IP address and port); empty = the system's resolvers */
    public record Dns(List<HostPort> servers) {
        public Dns {
            servers = List.copyOf(servers);
        }
    }

    /**
     * The server certificate: PEM files, both given or both null (then a self-signed certificate is made).
     *
     * @param certificate the chain, leaf first (Let's Encrypt's fullchain.pem)
     * @param privateKey  its key, RSA or EC, PKCS#8 or traditional, unencrypted
     */
    public record Tls(Path certificate, Path privateKey) {
    }

    /**
     * @param auth          offer AUTH on the MX port too (after STARTTLS, like submission)
     * @param proxyProtocol the MX listener reads a PROXY header from a trusted proxy first
     */
    public record Smtp(boolean auth, boolean proxyProtocol) {
    }

    /**
     * @param authRequiresTls AUTH is offered and accepted only on a TLS connection
     * @param enforceSender   the envelope sender and the From: header must be the user's own address or an alias
     *                        that delivers to them
     * @param exposeUser      name the authenticated user in the Received header
     * @param proxyProtocol   the submission listeners read a PROXY header from a trusted proxy first
     */
    public record Submission(boolean authRequiresTls, boolean enforceSender, boolean exposeUser,
                             boolean proxyProtocol) {
    }

    /**
     * @param maxFailuresPerIp failed logins from one IP address (within {@code blockTime}) that block it
     * @param blockTime        how long a blocked address is refused
     * @param failureDelay     the reply to a session's first failed login waits this long; each further one twice as long (capped at 8x)
     */
    public record Auth(int maxFailuresPerIp, Duration blockTime, Duration failureDelay) {
    }

    /**
     * @param authRequiresTls no login (USER/PASS, AUTH) on a connection without TLS; STLS or pop3s first
     * @param idleTimeout     an idle session is closed after this long, deleting nothing (RFC 1939: at least 10m)
     * @param proxyProtocol   the POP3 listeners read a PROXY header from a trusted proxy first
     */
    public record Pop3(boolean authRequiresTls, Duration idleTimeout, boolean proxyProtocol) {
    }

    /**
     * @param authRequiresTls no LOGIN or AUTHENTICATE on a connection without TLS (LOGINDISABLED); STARTTLS or imaps
     * @param idleTimeout     the autologout timer: a session that sends nothing for this long is closed (RFC 9051:
     *                        at least 30 minutes; an IDLE client re-issues IDLE within it)
     * @param proxyProtocol   the IMAP listeners read a PROXY header from a trusted proxy first
     */
    public record Imap(boolean authRequiresTls, Duration idleTimeout, boolean proxyProtocol) {
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

    /** @param json one JSON object a line (Logback's JSON encoder) instead of the text lines */
    public record Log(boolean json) {
    }
}
