package dev.tern.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.config.Key.Fallback;
import dev.tern.config.Key.Type;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every configuration key, once: name, type (with its range), default, meaning. {@link ConfigLoader} reads
 * the file through this table, {@code tern config check} prints it, and {@code KeysDocTest} checks that
 * docs/configuration.md lists every key with the same default. The order is the order of the docs.
 *
 * <p>To add a key: one entry here (a literal default is written as TOML and read by the key's own type, so it
 * cannot be out of range), its use in {@code ConfigLoader.build} (or in a record of {@link Config}), and its
 * row in docs/configuration.md.
 */
public final class Keys {
    private static final List<Key<?>> TABLE = new ArrayList<>();

    // ---------------------------------------------------------------- top level
    public static final Key<String> HOSTNAME = computed("hostname", Types.hostname(), "this machine's name",
            "our name in the SMTP greeting, the EHLO reply and Received: headers", v -> MachineName.VALUE);
    public static final Key<Path> DATA_DIR = key("data_dir", Types.directory(), "\"/var/lib/tern\"",
            "root of the spool, the mailboxes, the users file and keys");
    public static final Key<List<String>> LOCAL_DOMAINS = computed("local_domains", Types.domains(), "[hostname]",
            "domains whose mail is delivered to mailboxes here",
            v -> List.of(v.get(HOSTNAME).toLowerCase(Locale.ROOT)));
    public static final Key<Map<String, List<String>>> ALIASES = computed("aliases", Types.aliases(), "none",
            "local addresses that deliver to other addresses (a table)", v -> Map.of());

    // ---------------------------------------------------------------- [listen]
    public static final Key<List<Config.HostPort>> LISTEN_SMTP = key("listen.smtp", Types.listenAddresses(),
            "[\"0.0.0.0:25\"]", "SMTP from other mail servers (the MX)");
    public static final Key<List<Config.HostPort>> LISTEN_SUBMISSION = key("listen.submission",
            Types.listenAddresses(), "[\"0.0.0.0:587\"]", "submission from mail clients: STARTTLS, then AUTH");
    public static final Key<List<Config.HostPort>> LISTEN_SUBMISSIONS = key("listen.submissions",
            Types.listenAddresses(), "[\"0.0.0.0:465\"]", "submission over TLS from the first byte, then AUTH");
    public static final Key<List<Config.HostPort>> LISTEN_POP3 = key("listen.pop3", Types.listenAddresses(),
            "[\"0.0.0.0:110\"]", "POP3, with STLS");
    public static final Key<List<Config.HostPort>> LISTEN_POP3S = key("listen.pop3s", Types.listenAddresses(),
            "[\"0.0.0.0:995\"]", "POP3 over TLS from the first byte");
    public static final Key<List<Config.HostPort>> LISTEN_IMAP = key("listen.imap", Types.listenAddresses(),
            "[\"0.0.0.0:143\"]", "IMAP, with STARTTLS");
    public static final Key<List<Config.HostPort>> LISTEN_IMAPS = key("listen.imaps", Types.listenAddresses(),
            "[\"0.0.0.0:993\"]", "IMAP over TLS from the first byte");
    /** One address at most (the HTTP server binds one socket). */
    public static final Key<List<Config.HostPort>> LISTEN_HTTP = key("listen.http", Types.listenAddresses(),
            "[\"127.0.0.1:8025\"]", "health, metrics and the queue endpoint, for the operator (one address)");
    public static final Key<List<Cidr>> TRUSTED_PROXIES = key("listen.trusted_proxies",
            Types.networks("[\"10.0.0.5/32\"]"), "[]",
            "load balancers that may send a PROXY header to a listener with proxy_protocol");

    // ---------------------------------------------------------------- [limits]
    public static final Key<Long> MAX_MESSAGE_SIZE = key("limits.max_message_size", Types.size(), "\"35MB\"",
            "largest message accepted (SMTP SIZE)");
    public static final Key<Integer> MAX_RECIPIENTS = key("limits.max_recipients", Types.whole(1, 100_000), "100",
            "recipients accepted for one message");
    public static final Key<Integer> MAX_CONNECTIONS = key("limits.max_connections",
            Types.whole(1, Integer.MAX_VALUE), "10000", "open connections, all listeners together");
    public static final Key<Integer> MAX_CONNECTIONS_PER_IP = key("limits.max_connections_per_ip",
            Types.whole(1, Integer.MAX_VALUE), "50", "open connections from one client IP address");
    public static final Key<Duration> COMMAND_TIMEOUT = key("limits.command_timeout",
            Types.duration("1s", "24h", ""), "\"5m\"", "how long a session waits for the client's next command");
    public static final Key<Integer> MAX_ERRORS = key("limits.max_errors", Types.whole(1, Integer.MAX_VALUE), "10",
            "errors a client may cause in one session before it is closed");
    public static final Key<Integer> CONNECTIONS_PER_IP_PER_MINUTE = key("limits.connections_per_ip_per_minute",
            Types.whole(0, Integer.MAX_VALUE), "60", "MX connections from one address (an IPv6 /64) a minute; 0: no limit");
    public static final Key<Integer> MESSAGES_PER_IP_PER_HOUR = key("limits.messages_per_ip_per_hour",
            Types.whole(0, Integer.MAX_VALUE), "1000", "MX messages from one address (an IPv6 /64) an hour; 0: no limit");
    public static final Key<Integer> RECIPIENTS_PER_IP_PER_HOUR = key("limits.recipients_per_ip_per_hour",
            Types.whole(0, Integer.MAX_VALUE), "5000", "MX recipients from one address (an IPv6 /64) an hour; 0: no limit");
    public static final Key<Integer> FAILED_RECIPIENTS_PER_IP_PER_HOUR = key("limits.failed_recipients_per_ip_per_hour",
            Types.whole(0, Integer.MAX_VALUE), "50",
            "MX recipients refused with 5xx for one address (an IPv6 /64) an hour; 0: no limit");

    // ---------------------------------------------------------------- [relay]
    public static final Key<List<Cidr>> TRUSTED_NETWORKS = key("relay.trusted_networks",
            Types.networks("[\"192.0.2.0/24\"]"), "[]", "clients that may relay to any domain without AUTH");

    // ---------------------------------------------------------------- [tls]
    public static final Key<Path> TLS_CERTIFICATE = computed("tls.certificate", Types.file(), "none",
            "the certificate chain in PEM, leaf first (none: a self-signed one)", v -> null);
    public static final Key<Path> TLS_PRIVATE_KEY = computed("tls.private_key", Types.file(), "none",
            "its private key in PEM, unencrypted", v -> null);

    // ---------------------------------------------------------------- [smtp], [submission]
    public static final Key<Boolean> SMTP_AUTH = key("smtp.auth", Types.bool(false), "false",
            "also offer AUTH on the MX listener");
    public static final Key<Boolean> SMTP_PROXY_PROTOCOL = key("smtp.proxy_protocol", Types.bool(false), "false",
            "the MX listener expects a PROXY header from a trusted proxy first");
    public static final Key<Boolean> SUBMISSION_AUTH_REQUIRES_TLS = key("submission.auth_requires_tls",
            Types.bool(false), "true", "AUTH only over TLS");
    public static final Key<Boolean> ENFORCE_SENDER = key("submission.enforce_sender", Types.bool(false), "true",
            "envelope sender and From: must be the authenticated user's");
    public static final Key<Boolean> EXPOSE_USER = key("submission.expose_user", Types.bool(false), "false",
            "name the authenticated user in the Received: header");
    public static final Key<Boolean> SUBMISSION_PROXY_PROTOCOL = key("submission.proxy_protocol", Types.bool(false),
            "false", "the submission listeners (587, 465) expect a PROXY header from a trusted proxy first");
    public static final Key<Integer> MESSAGES_PER_USER_PER_HOUR = key("submission.messages_per_user_per_hour",
            Types.whole(0, Integer.MAX_VALUE), "200", "messages one authenticated user may send an hour; 0: no limit");
    public static final Key<Integer> RECIPIENTS_PER_USER_PER_HOUR = key("submission.recipients_per_user_per_hour",
            Types.whole(0, Integer.MAX_VALUE), "1000", "recipients one authenticated user may send to an hour; 0: no limit");

    // ---------------------------------------------------------------- [auth]
    public static final Key<Integer> MAX_FAILURES_PER_IP = key("auth.max_failures_per_ip",
            Types.whole(1, Integer.MAX_VALUE), "10", "failed logins from one address that block it");
    public static final Key<Duration> BLOCK_TIME = key("auth.block_time", Types.duration("1s", "30d", ""), "\"15m\"",
            "how long a blocked address is refused");
    public static final Key<Duration> FAILURE_DELAY = key("auth.failure_delay", Types.duration("0", "30s", ""),
            "\"1s\"", "the wait before the reply to a failed login (doubling, up to 8 times)");

    // ---------------------------------------------------------------- [pop3]
    public static final Key<Boolean> POP3_AUTH_REQUIRES_TLS = key("pop3.auth_requires_tls", Types.bool(true), "true",
            "no POP3 login without TLS");
    public static final Key<Duration> POP3_IDLE_TIMEOUT = key("pop3.idle_timeout",
            Types.duration("10m", "24h", " (RFC 1939)"), "\"10m\"", "an idle POP3 session is closed after this long");
    public static final Key<Boolean> POP3_PROXY_PROTOCOL = key("pop3.proxy_protocol", Types.bool(false), "false",
            "the POP3 listeners (110, 995) expect a PROXY header from a trusted proxy first");

    // ---------------------------------------------------------------- [imap]
    public static final Key<Boolean> IMAP_AUTH_REQUIRES_TLS = key("imap.auth_requires_tls", Types.bool(true), "true",
            "no IMAP login without TLS (LOGINDISABLED until STARTTLS)");
    public static final Key<Duration> IMAP_IDLE_TIMEOUT = key("imap.idle_timeout",
            Types.duration("30m", "24h", " (RFC 9051)"), "\"30m\"",
            "an IMAP session that sends no command for this long is logged out (IDLE included)");
    public static final Key<Boolean> IMAP_PROXY_PROTOCOL = key("imap.proxy_protocol", Types.bool(false), "false",
            "the IMAP listeners (143, 993) expect a PROXY header from a trusted proxy first");

    // ---------------------------------------------------------------- [queue]
    public static final Key<Duration> RETRY_MIN = key("queue.retry_min", Types.duration("100ms", "24h", ""), "\"1m\"",
            "the wait after the first temporary failure (then doubling)");
    public static final Key<Duration> RETRY_MAX = key("queue.retry_max", Types.duration("100ms", "24h", ""),
            "\"15m\"", "the longest wait between two attempts (at least retry_min)");
    public static final Key<Duration> DELAY_WARNING = key("queue.delay_warning",
            Types.durationOrZero("100ms", "365d", "for none"), "\"4h\"",
            "when a still-deferred recipient earns one delay notice");
    public static final Key<Duration> MAX_LIFETIME = key("queue.max_lifetime", Types.duration("100ms", "365d", ""),
            "\"5d\"", "when a still-deferred recipient bounces");

    public static final Key<Integer> JOURNAL_MAX_MESSAGE = key("queue.journal_max_message", Types.whole(0, 1048576),
            "65536", "octets: a message up to this size is queued in the shared journal, whose fsync before the 250"
            + " sessions share; a larger one in a slot file of its own (0: every message in a slot)");

    // ---------------------------------------------------------------- [delivery]
    public static final Key<Integer> MX_PORT = key("delivery.mx_port", Types.whole(1, 65535), "25",
            "TCP port of every MX host (tests change it)");
    public static final Key<Config.HostPort> SMARTHOST = key("delivery.smarthost", Types.optionalHostPort(), "\"\"",
            "send all remote mail through this relay");
    public static final Key<Duration> CONNECT_TIMEOUT = key("delivery.connect_timeout",
            Types.duration("100ms", "10m", ""), "\"30s\"", "how long to wait for a TCP connection to one address");
    public static final Key<Integer> MAX_CONCURRENCY = key("delivery.max_concurrency", Types.whole(1, 1000), "64",
            "deliveries under way at once, local and remote");
    public static final Key<Integer> MAX_PER_DOMAIN = key("delivery.max_per_domain", Types.whole(1, 1000), "10",
            "outbound connections at once to one domain");
    public static final Key<Duration> REUSE_TIME = key("delivery.reuse_time",
            Types.durationOrZero("100ms", "10m", "for no reuse"), "\"5s\"",
            "how long a clean outbound session waits for the next message");
    public static final Key<Integer> REUSE_MESSAGES = key("delivery.reuse_messages", Types.whole(1, 100_000), "100",
            "messages sent on one outbound session");

    // ---------------------------------------------------------------- [dns], [http]
    public static final Key<List<Config.HostPort>> DNS_SERVERS = key("dns.servers", Types.dnsServers(), "[]",
            "DNS servers for outbound delivery (empty: the system's)");
    public static final Key<List<Cidr>> ADMIN_NETWORKS = key("http.admin_networks",
            Types.networks("[\"127.0.0.0/8\", \"::1/128\"]"), "[\"127.0.0.0/8\", \"::1/128\"]",
            "HTTP clients that may change the queue and ask for a reload");

    // ---------------------------------------------------------------- [log]
    public static final Key<String> LOG_FORMAT = key("log.format", Types.oneOf("text", "json"), "\"text\"",
            "log lines as text, or one JSON object a line");
    // ---------------------------------------------------------------- [checks]
    public static final Key<Boolean> CHECKS_SPF = key("checks.spf", Types.bool(false), "true",
            "check SPF on the MX");
    public static final Key<Boolean> CHECKS_DKIM = key("checks.dkim", Types.bool(false), "true",
            "verify DKIM signatures on the MX");
    public static final Key<Boolean> CHECKS_DMARC = key("checks.dmarc", Types.bool(false), "true",
            "evaluate DMARC on the MX");
    public static final Key<Boolean> CHECKS_DMARC_REJECT = key("checks.dmarc_reject", Types.bool(false), "true",
            "refuse a DMARC fail under p=reject with 550 5.7.1");
    public static final Key<Boolean> CHECKS_SPF_REJECT = key("checks.spf_reject", Types.bool(false), "false",
            "refuse an SPF fail with 550 5.7.23");
    public static final Key<Duration> CHECKS_TIME_BUDGET = key("checks.time_budget",
            Types.duration("100ms", "60s", ""), "\"5s\"", "all DNS of one message's checks ends within this");
    public static final Key<String> CHECKS_QUARANTINE_FOLDER = key("checks.quarantine_folder", Types.folder(),
            "\"Junk\"", "where local delivery files a DMARC quarantine (\"\" for INBOX)");
    public static final Key<List<dev.tern.defence.DnsList>> CHECKS_DNSBL = key("checks.dnsbl", Types.dnsLists(), "[]",
            "DNS blocklists asked about MX clients, \"zone\" or \"zone*weight\"");
    public static final Key<List<dev.tern.defence.DnsList>> CHECKS_DNSWL = key("checks.dnswl", Types.dnsLists(), "[]",
            "DNS allowlists: a client listed skips the blocklists and greylisting");
    public static final Key<Integer> CHECKS_DNSBL_THRESHOLD = key("checks.dnsbl_threshold", Types.whole(1, 1000), "1",
            "the blocklist score (sum of the weights of the lists naming the client) that refuses it");
    public static final Key<Duration> CHECKS_GREET_PAUSE = key("checks.greet_pause",
            Types.durationOrZero("100ms", "60s", "for none"), "\"0\"",
            "the MX waits this long before its greeting; a client that talks first is refused");
    public static final Key<Boolean> CHECKS_REJECT_UNAUTH_PIPELINING = key("checks.reject_unauth_pipelining",
            Types.bool(false), "false", "refuse MX clients that pipeline where it is not allowed (logged either way)");
    public static final Key<Boolean> CHECKS_GREYLIST = key("checks.greylist", Types.bool(false), "false",
            "greylist unknown (network, sender, recipient) triples on the MX");
    public static final Key<Duration> CHECKS_GREYLIST_DELAY = key("checks.greylist_delay",
            Types.duration("1s", "24h", ""), "\"5m\"", "how long an unknown triple must wait before its retry passes");
    public static final Key<Duration> CHECKS_GREYLIST_EXPIRY = key("checks.greylist_expiry",
            Types.duration("1h", "365d", ""), "\"35d\"", "how long a triple stays known after its last use");

    /** Every key, in the order of the docs. */
    public static final List<Key<?>> ALL = List.copyOf(TABLE);

    /** Table name ("" for the top level) → the names allowed in it; the top level also lists the tables. */
    static final Map<String, List<String>> TABLES = tables();

    private Keys() {
    }

    private static <T> Key<T> key(String name, Type<T> type, String defaultToml, String meaning) {
        T value = literal(name, type, defaultToml);
        return computed(name, type, defaultToml, meaning, v -> value);
    }

    private static <T> Key<T> computed(String name, Type<T> type, String defaultWords, String meaning,
                                       Fallback<T> fallback) {
        Key<T> k = new Key<>(name, type, defaultWords, meaning, fallback);
        TABLE.add(k);
        return k;
    }

    /** A default written as TOML, read by the key's own type: a default out of range fails at class load. */
    private static <T> T literal(String name, Type<T> type, String toml) {
        try {
            JsonNode n = ConfigLoader.TOML.readTree("v = " + toml).get("v");
            return type.reader().read(n, name, new Values("<default>", Path.of("/"),
                    ConfigLoader.TOML.createObjectNode()));
        } catch (ConfigException | JsonProcessingException e) {
            throw new ExceptionInInitializerError("the default of " + name + ": " + e.getMessage());
        }
    }

    private static Map<String, List<String>> tables() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("", new ArrayList<>());
        for (Key<?> k : TABLE) {
            if (!k.table().isEmpty() && !m.containsKey(k.table())) {
                m.get("").add(k.table());
            }
            m.computeIfAbsent(k.table(), t -> new ArrayList<>()).add(k.leaf());
        }
        m.replaceAll((t, l) -> List.copyOf(l));
        return Map.copyOf(m);
    }

    /** A value as the file would write it, for {@code tern config check}. */
    public static String format(Object value) {
        return switch (value) {
            case null -> "none";
            case String s -> Syntax.quote(s);
            case Duration d -> "\"" + Syntax.formatDuration(d) + "\"";
            case Path p -> Syntax.quote(p.toString());
            case Config.HostPort hp -> Syntax.quote(hp.toString());
            case Cidr c -> Syntax.quote(c.toString());
            case dev.tern.defence.DnsList l -> Syntax.quote(l.toString());
            case List<?> l -> {
                List<String> parts = new ArrayList<>();
                l.forEach(e -> parts.add(format(e)));
                yield "[" + String.join(", ", parts) + "]";
            }
            case Map<?, ?> m -> m.isEmpty() ? "none" : m.size() + (m.size() == 1 ? " entry" : " entries");
            default -> String.valueOf(value);
        };
    }

    /** The machine's name, asked once and only when a configuration leaves {@code hostname} out. */
    private static final class MachineName {
        static final String VALUE = lookUp();

        private static String lookUp() {
            try {
                String name = java.net.InetAddress.getLocalHost().getCanonicalHostName();
                if (name != null && name.endsWith(".")) {
                    name = name.substring(0, name.length() - 1);
                }
                if (name != null && Syntax.domainProblem(name) == null) {
                    return name;
                }
            } catch (java.io.IOException | SecurityException e) {
                // fall through: no usable name
            }
            return "localhost";
        }
    }
}
