package dev.tern.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads Tern's TOML configuration into an immutable {@link Config}.
 *
 * <p>The file is read as UTF-8 into a Jackson tree and walked by hand, so that every error names the file, the
 * exact dotted key and what is wrong, on one line:
 * {@code /etc/tern.toml: limits.max_recipients: must be a whole number from 1 to 100000, not "many"}.
 * Every key is optional; a missing key takes its production default (docs/configuration.md lists them all).
 * Unknown keys are errors, because a misspelt key silently ignored is a setting silently not applied.
 *
 * <p>No I/O beyond reading the file (and, when {@code hostname} is not set, asking the JVM for the machine's name).
 */
public final class ConfigLoader {

    /** The {@code file} of errors in the embedded default. */
    public static final String EMBEDDED_SOURCE = "<embedded default>";

    private static final String EMBEDDED_RESOURCE = "embedded.toml";

    /** Dates and times become POJO nodes instead of strings, so "hostname = 1979-05-27" is a type error. */
    private static final TomlMapper TOML = TomlMapper.builder().enable(TomlReadFeature.PARSE_JAVA_TIME).build();

    // Known keys of each table, in the order docs/configuration.md lists them.
    private static final List<String> TOP_KEYS =
            List.of("hostname", "data_dir", "local_domains", "listen", "limits", "relay", "aliases", "queue",
                    "delivery", "dns", "tls", "smtp", "submission", "auth", "pop3", "http");
    private static final List<String> LISTEN_KEYS =
            List.of("smtp", "submission", "submissions", "pop3", "pop3s", "http");
    private static final List<String> LIMITS_KEYS = List.of("max_message_size", "max_recipients",
            "max_connections", "max_connections_per_ip", "command_timeout", "max_errors");
    private static final List<String> RELAY_KEYS = List.of("trusted_networks");
    private static final List<String> QUEUE_KEYS = List.of("retry_min", "retry_max", "delay_warning", "max_lifetime");
    private static final List<String> DELIVERY_KEYS = List.of("mx_port", "smarthost", "connect_timeout",
            "max_concurrency", "max_per_domain", "reuse_time", "reuse_messages");
    private static final List<String> DNS_KEYS = List.of("servers");
    private static final List<String> TLS_KEYS = List.of("certificate", "private_key");
    private static final List<String> SMTP_KEYS = List.of("auth");
    private static final List<String> SUBMISSION_KEYS = List.of("auth_requires_tls", "enforce_sender", "expose_user");
    private static final List<String> AUTH_KEYS = List.of("max_failures_per_ip", "block_time", "failure_delay");
    private static final List<String> POP3_KEYS = List.of("auth_requires_tls", "idle_timeout");
    private static final List<String> HTTP_KEYS = List.of("admin_networks");
    private static final Map<String, List<String>> TABLES = tables();

    // Production defaults (docs/configuration.md).
    static final String DEFAULT_DATA_DIR = "/var/lib/tern";
    static final Map<String, List<Config.HostPort>> DEFAULT_LISTEN = defaultListen();
    static final long DEFAULT_MAX_MESSAGE_SIZE = 35L << 20;
    static final int DEFAULT_MAX_RECIPIENTS = 100;
    /** Who may change the queue over HTTP: loopback only. */
    static final List<Cidr> DEFAULT_ADMIN_NETWORKS =
            List.of(Syntax.parseCidr("127.0.0.0/8"), Syntax.parseCidr("::1/128"));
    static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 50;
    static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(5);
    static final int DEFAULT_MAX_ERRORS = 10;
    static final Duration DEFAULT_RETRY_MIN = Duration.ofMinutes(1);
    static final Duration DEFAULT_RETRY_MAX = Duration.ofMinutes(15);
    static final Duration DEFAULT_DELAY_WARNING = Duration.ofHours(4);
    static final Duration DEFAULT_MAX_LIFETIME = Duration.ofDays(5);
    static final int DEFAULT_MX_PORT = 25;
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_DELIVERY_CONCURRENCY = 64;
    static final int DEFAULT_MAX_PER_DOMAIN = 10;
    static final Duration DEFAULT_REUSE_TIME = Duration.ofSeconds(5);
    static final int DEFAULT_REUSE_MESSAGES = 100;
    static final int DEFAULT_MAX_FAILURES_PER_IP = 10;
    static final Duration DEFAULT_BLOCK_TIME = Duration.ofMinutes(15);
    static final Duration DEFAULT_FAILURE_DELAY = Duration.ofSeconds(1);
    static final boolean DEFAULT_POP3_AUTH_REQUIRES_TLS = true;
    /** RFC 1939 section 3: the autologout timer is at least 10 minutes. */
    static final Duration DEFAULT_POP3_IDLE_TIMEOUT = Duration.ofMinutes(10);
    static final Duration MIN_POP3_IDLE_TIMEOUT = Duration.ofMinutes(10);

    static final long MIN_MESSAGE_SIZE = 1024;
    static final int MAX_RECIPIENTS_LIMIT = 100_000;
    static final Duration MIN_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** Socket timeouts are int milliseconds (at most ~24.8 days); a day is far beyond any useful value. */
    static final Duration MAX_COMMAND_TIMEOUT = Duration.ofHours(24);

    private ConfigLoader() {
    }

    /**
     * Reads a TOML file (UTF-8). Missing keys take production defaults; a relative {@code data_dir} is resolved
     * against the file's directory. {@link Config#source()} is {@code file}; errors name {@code file} as given.
     */
    public static Config load(Path file) throws ConfigException {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        ObjectNode root = tree(read(file, name), name);
        Path dir = file.toAbsolutePath().getParent();
        return build(root, name, file, dir == null ? workingDirectory() : dir);
    }

    /**
     * The embedded development configuration (resource {@code dev/tern/config/embedded.toml}): loopback
     * listeners on ports 2525, 2587, 2465, 2110, 2995 and 8025, {@code ./data}, domain {@code localhost},
     * relaying allowed from loopback. {@link Config#source()} is null.
     */
    public static Config embedded() throws ConfigException {
        return build(tree(embeddedText(), EMBEDDED_SOURCE), EMBEDDED_SOURCE, null, workingDirectory());
    }

    /**
     * Parses TOML text, for tests and tools. Missing keys take the production defaults, or, when
     * {@code embeddedDefaults} is true, the values of the embedded development configuration (the text is laid
     * over it table by table). A relative {@code data_dir} is resolved against the working directory.
     * Errors name {@code sourceName}; {@link Config#source()} is null.
     */
    public static Config parse(String toml, String sourceName, boolean embeddedDefaults) throws ConfigException {
        Objects.requireNonNull(toml, "toml");
        Objects.requireNonNull(sourceName, "sourceName");
        ObjectNode root = tree(stripBom(toml), sourceName);
        if (embeddedDefaults) {
            root = overlay(tree(embeddedText(), EMBEDDED_SOURCE), root);
        }
        return build(root, sourceName, null, workingDirectory());
    }

    /**
     * A size in bytes: "512", "10KB", "35MB", "1GB" (units B, KB, MB, GB, TB in any case; KB = 1024 bytes;
     * a space before the unit is allowed). Throws {@link IllegalArgumentException} with a one-line reason.
     */
    public static long parseSize(String s) {
        return Syntax.parseSize(Objects.requireNonNull(s, "s"));
    }

    /**
     * A duration: "500ms", "2s", "15m", "4h", "5d", or several together such as "1h30m"; "0" alone is
     * {@link Duration#ZERO}. Throws {@link IllegalArgumentException} with a one-line reason.
     */
    public static Duration parseDuration(String s) {
        return Syntax.parseDuration(Objects.requireNonNull(s, "s"));
    }

    /**
     * A network: "10.0.0.0/8", "2001:db8::/32", "::1/128", or a bare address for one host ("127.0.0.1" is /32).
     * Bits after the prefix must be zero ("10.1.2.3/8" is refused with a suggestion). No DNS is consulted.
     * Throws {@link IllegalArgumentException} with a one-line reason.
     */
    public static Cidr parseCidr(String s) {
        return Syntax.parseCidr(Objects.requireNonNull(s, "s"));
    }

    /**
     * A listen address "host:port": "0.0.0.0:25", "[::1]:25", "localhost:2525". The host is an IPv4 address,
     * an IPv6 address in brackets (stored without them) or a host name; the port is 0..65535 (0 = ephemeral).
     * Throws {@link IllegalArgumentException} with a one-line reason.
     */
    public static Config.HostPort parseHostPort(String s) {
        return Syntax.parseHostPort(Objects.requireNonNull(s, "s"));
    }

    // ------------------------------------------------------------------------------------------------ reading

    private static String read(Path file, String name) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, "", "cannot read the file: it does not exist");
        } catch (AccessDeniedException e) {
            throw new ConfigException(name, "", "cannot read the file: permission denied");
        } catch (IOException e) {
            String why = Files.isDirectory(file) ? "it is a directory"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
            throw new ConfigException(name, "", "cannot read the file: " + why);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new ConfigException(name, "", "not valid UTF-8 (line " + line + ")");
        }
        decoder.flush(out);
        return stripBom(out.flip().toString());
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static ObjectNode tree(String text, String name) throws ConfigException {
        JsonNode node;
        try {
            node = TOML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at != null && at.getLineNr() > 0
                    ? "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " : "";
            throw new ConfigException(name, "", "not valid TOML: " + where + oneLine(e.getOriginalMessage()));
        } catch (RuntimeException e) {
            throw new ConfigException(name, "", "not valid TOML: " + oneLine(String.valueOf(e.getMessage())));
        }
        if (node == null || node.isMissingNode()) {
            return TOML.createObjectNode();
        }
        if (!(node instanceof ObjectNode root)) {
            throw new ConfigException(name, "", "not valid TOML: the document is not a table");
        }
        return root;
    }

    private static String embeddedText() throws ConfigException {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED_RESOURCE)) {
            if (in == null) {
                throw new ConfigException(EMBEDDED_SOURCE, "",
                        "the resource dev/tern/config/" + EMBEDDED_RESOURCE + " is missing from the build");
            }
            return stripBom(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException(EMBEDDED_SOURCE, "", "cannot read the resource: " + oneLine(e.toString()));
        }
    }

    /** {@code top} laid over {@code base}: tables are merged key by key, every other value replaces. */
    private static ObjectNode overlay(ObjectNode base, ObjectNode top) {
        ObjectNode out = base.deepCopy();
        for (Map.Entry<String, JsonNode> e : top.properties()) {
            JsonNode under = out.get(e.getKey());
            if (under instanceof ObjectNode u && e.getValue() instanceof ObjectNode t && !e.getKey().equals("aliases")) {
                out.set(e.getKey(), overlay(u, t));
            } else {
                out.set(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static Path workingDirectory() {
        return Path.of("").toAbsolutePath();
    }

    // ------------------------------------------------------------------------------------------------ building

    private static Config build(ObjectNode root, String name, Path source, Path baseDir) throws ConfigException {
        Walk w = new Walk(name);
        w.knownKeys(root, "", TOP_KEYS);
        String hostname = root.has("hostname") ? w.hostname(root.get("hostname")) : MachineName.VALUE;
        Path dataDir = w.dataDir(root.get("data_dir"), baseDir);
        List<String> localDomains = root.has("local_domains")
                ? w.localDomains(root.get("local_domains"))
                : List.of(hostname.toLowerCase(Locale.ROOT));
        Config.Listen listen = w.listen(root.get("listen"));
        Config.Limits limits = w.limits(root.get("limits"));
        Config.Relay relay = w.relay(root.get("relay"));
        Map<String, List<String>> aliases = w.aliases(root.get("aliases"), localDomains);
        Config.Queue queue = w.queue(root.get("queue"));
        Config.Delivery delivery = w.delivery(root.get("delivery"));
        Config.Dns dns = w.dns(root.get("dns"));
        Config.Tls tls = w.tls(root.get("tls"), baseDir);
        Config.Smtp smtp = w.smtp(root.get("smtp"));
        Config.Submission submission = w.submission(root.get("submission"));
        Config.Auth auth = w.auth(root.get("auth"));
        Config.Pop3 pop3 = w.pop3(root.get("pop3"));
        Config.Http http = w.http(root.get("http"));
        return new Config(source, hostname, dataDir, localDomains, listen, limits, relay, aliases, queue, delivery, dns,
                tls, smtp, submission, auth, pop3, http);
    }

    /** Walks one tree; knows the file name for its errors. */
    private record Walk(String file) {

        ConfigException fail(String key, String reason) {
            return new ConfigException(file, key, reason);
        }

        void knownKeys(ObjectNode table, String path, List<String> known) throws ConfigException {
            for (String key : (Iterable<String>) table::fieldNames) {
                if (!known.contains(key)) {
                    throw fail(dotted(path, key), unknownKeyReason(path, key, known));
                }
            }
        }

        ObjectNode table(JsonNode n, String key) throws ConfigException {
            if (n == null) {
                return TOML.createObjectNode();
            }
            if (!(n instanceof ObjectNode t)) {
                throw fail(key, "must be a table (a [" + key + "] section), not " + render(n));
            }
            return t;
        }

        String hostname(JsonNode n) throws ConfigException {
            if (!n.isTextual()) {
                throw fail("hostname", "must be a host name such as \"mx.example.org\", not " + render(n));
            }
            String h = n.textValue();
            String problem = Syntax.domainProblem(h);
            if (problem != null) {
                throw fail("hostname", Syntax.quote(h) + " is not a host name: " + problem);
            }
            return h;
        }

        Path dataDir(JsonNode n, Path baseDir) throws ConfigException {
            if (n == null) {
                return Path.of(DEFAULT_DATA_DIR);
            }
            if (!n.isTextual()) {
                throw fail("data_dir", "must be a directory path such as \"/var/lib/tern\", not " + render(n));
            }
            String s = n.textValue();
            if (s.isBlank()) {
                throw fail("data_dir", "must not be empty");
            }
            if (s.startsWith("~")) {
                throw fail("data_dir", "\"~\" is not expanded here; write the full path, not " + Syntax.quote(s));
            }
            Path p;
            try {
                p = Path.of(s);
            } catch (InvalidPathException e) {
                throw fail("data_dir", Syntax.quote(s) + " is not a valid path: " + oneLine(e.getReason()));
            }
            return (p.isAbsolute() ? p : baseDir.resolve(p)).normalize();
        }

        List<String> localDomains(JsonNode n) throws ConfigException {
            LinkedHashSet<String> out = new LinkedHashSet<>();
            for (String d : strings(n, "local_domains", "domain names", "a domain name", "[\"example.org\"]")) {
                String problem = Syntax.domainProblem(d);
                if (problem != null) {
                    throw fail("local_domains", Syntax.quote(d) + " is not a domain name: " + problem);
                }
                out.add(d.toLowerCase(Locale.ROOT));
            }
            return List.copyOf(out);
        }

        Config.Listen listen(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "listen");
            knownKeys(t, "listen", LISTEN_KEYS);
            Map<String, List<Config.HostPort>> lists = new LinkedHashMap<>();
            Map<String, String> usedBy = new HashMap<>();   // "host:port" (host lower-cased) -> listener
            // Given values first, so a clash with a default is reported at the key the user wrote.
            for (String key : LISTEN_KEYS) {
                if (t.has(key)) {
                    String dotted = "listen." + key;
                    List<Config.HostPort> list = new ArrayList<>();
                    for (String s : strings(t.get(key), dotted, "\"host:port\" strings", "a \"host:port\" string",
                            "[\"0.0.0.0:25\"]")) {
                        Config.HostPort hp;
                        try {
                            hp = Syntax.parseHostPort(s);
                        } catch (IllegalArgumentException e) {
                            throw fail(dotted, e.getMessage());
                        }
                        String id = hp.toString().toLowerCase(Locale.ROOT);
                        String other = hp.port() == 0 ? null : usedBy.putIfAbsent(id, key);
                        if (other != null) {
                            throw fail(dotted, Syntax.quote(hp.toString()) + (other.equals(key)
                                    ? " is listed twice" : " is already in listen." + other));
                        }
                        list.add(hp);
                    }
                    lists.put(key, list);
                }
            }
            for (String key : LISTEN_KEYS) {
                if (!t.has(key)) {
                    for (Config.HostPort hp : DEFAULT_LISTEN.get(key)) {
                        String other = usedBy.get(hp.toString().toLowerCase(Locale.ROOT));
                        if (other != null) {
                            throw fail("listen." + other, Syntax.quote(hp.toString()) + " is also the default of listen."
                                    + key + "; set listen." + key + " to another address, or to [] to turn it off");
                        }
                    }
                    lists.put(key, DEFAULT_LISTEN.get(key));
                }
            }
            return new Config.Listen(lists.get("smtp"), lists.get("submission"), lists.get("submissions"),
                    lists.get("pop3"), lists.get("pop3s"), lists.get("http"));
        }

        Config.Limits limits(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "limits");
            knownKeys(t, "limits", LIMITS_KEYS);
            long maxMessageSize = t.has("max_message_size")
                    ? size(t.get("max_message_size"), "limits.max_message_size") : DEFAULT_MAX_MESSAGE_SIZE;
            int maxRecipients = t.has("max_recipients")
                    ? whole(t.get("max_recipients"), "limits.max_recipients", 1, MAX_RECIPIENTS_LIMIT)
                    : DEFAULT_MAX_RECIPIENTS;
            int maxConnections = t.has("max_connections")
                    ? whole(t.get("max_connections"), "limits.max_connections", 1, Integer.MAX_VALUE)
                    : DEFAULT_MAX_CONNECTIONS;
            int maxPerIp = t.has("max_connections_per_ip")
                    ? whole(t.get("max_connections_per_ip"), "limits.max_connections_per_ip", 1, Integer.MAX_VALUE)
                    : DEFAULT_MAX_CONNECTIONS_PER_IP;
            Duration commandTimeout = t.has("command_timeout")
                    ? duration(t.get("command_timeout"), "limits.command_timeout",
                            MIN_COMMAND_TIMEOUT, MAX_COMMAND_TIMEOUT, "1s to 24h")
                    : DEFAULT_COMMAND_TIMEOUT;
            int maxErrors = t.has("max_errors")
                    ? whole(t.get("max_errors"), "limits.max_errors", 1, Integer.MAX_VALUE)
                    : DEFAULT_MAX_ERRORS;
            return new Config.Limits(maxMessageSize, maxRecipients, maxConnections, maxPerIp, commandTimeout,
                    maxErrors);
        }

        Config.Relay relay(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "relay");
            knownKeys(t, "relay", RELAY_KEYS);
            List<Cidr> networks = new ArrayList<>();
            if (t.has("trusted_networks")) {
                for (String s : strings(t.get("trusted_networks"), "relay.trusted_networks", "networks",
                        "a network", "[\"192.0.2.0/24\"]")) {
                    try {
                        networks.add(Syntax.parseCidr(s));
                    } catch (IllegalArgumentException e) {
                        throw fail("relay.trusted_networks", e.getMessage());
                    }
                }
            }
            return new Config.Relay(networks);
        }

        Config.Queue queue(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "queue");
            knownKeys(t, "queue", QUEUE_KEYS);
            Duration min = t.has("retry_min") ? duration(t.get("retry_min"), "queue.retry_min",
                    Duration.ofMillis(100), Duration.ofHours(24), "100ms to 24h") : DEFAULT_RETRY_MIN;
            Duration max = t.has("retry_max") ? duration(t.get("retry_max"), "queue.retry_max",
                    Duration.ofMillis(100), Duration.ofHours(24), "100ms to 24h") : DEFAULT_RETRY_MAX;
            if (max.compareTo(min) < 0) {
                throw fail(t.has("retry_max") ? "queue.retry_max" : "queue.retry_min",
                        "queue.retry_max (" + Syntax.formatDuration(max) + ") must not be shorter than queue.retry_min ("
                                + Syntax.formatDuration(min) + ")");
            }
            Duration warn = t.has("delay_warning") ? durationOrZero(t.get("delay_warning"), "queue.delay_warning",
                    Duration.ofMillis(100), Duration.ofDays(365), "100ms to 365d, or \"0\" for none")
                    : DEFAULT_DELAY_WARNING;
            Duration life = t.has("max_lifetime") ? duration(t.get("max_lifetime"), "queue.max_lifetime",
                    Duration.ofMillis(100), Duration.ofDays(365), "100ms to 365d") : DEFAULT_MAX_LIFETIME;
            return new Config.Queue(min, max, warn, life);
        }

        Config.Delivery delivery(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "delivery");
            knownKeys(t, "delivery", DELIVERY_KEYS);
            int port = t.has("mx_port") ? whole(t.get("mx_port"), "delivery.mx_port", 1, 65535) : DEFAULT_MX_PORT;
            Config.HostPort smarthost = null;
            if (t.has("smarthost")) {
                JsonNode v = t.get("smarthost");
                if (!v.isTextual()) {
                    throw fail("delivery.smarthost", "must be a \"host:port\" string such as \"relay.example.net:25\", or \"\""
                            + " for none, not " + render(v));
                }
                if (!v.textValue().isBlank()) {
                    try {
                        smarthost = Syntax.parseHostPort(v.textValue());
                    } catch (IllegalArgumentException e) {
                        throw fail("delivery.smarthost", e.getMessage());
                    }
                    if (smarthost.port() == 0) {
                        throw fail("delivery.smarthost", "the port must be from 1 to 65535, not 0");
                    }
                }
            }
            Duration connect = t.has("connect_timeout") ? duration(t.get("connect_timeout"), "delivery.connect_timeout",
                    Duration.ofMillis(100), Duration.ofMinutes(10), "100ms to 10m") : DEFAULT_CONNECT_TIMEOUT;
            int concurrency = t.has("max_concurrency")
                    ? whole(t.get("max_concurrency"), "delivery.max_concurrency", 1, 1000) : DEFAULT_DELIVERY_CONCURRENCY;
            int perDomain = t.has("max_per_domain")
                    ? whole(t.get("max_per_domain"), "delivery.max_per_domain", 1, 1000) : DEFAULT_MAX_PER_DOMAIN;
            Duration reuseTime = t.has("reuse_time") ? durationOrZero(t.get("reuse_time"), "delivery.reuse_time",
                    Duration.ofMillis(100), Duration.ofMinutes(10), "100ms to 10m, or \"0\" for no reuse")
                    : DEFAULT_REUSE_TIME;
            int reuseMessages = t.has("reuse_messages")
                    ? whole(t.get("reuse_messages"), "delivery.reuse_messages", 1, 100_000) : DEFAULT_REUSE_MESSAGES;
            return new Config.Delivery(port, smarthost, connect, concurrency, perDomain, reuseTime, reuseMessages);
        }

        Config.Http http(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "http");
            knownKeys(t, "http", HTTP_KEYS);
            if (!t.has("admin_networks")) {
                return new Config.Http(DEFAULT_ADMIN_NETWORKS);
            }
            List<Cidr> networks = new ArrayList<>();
            for (String s : strings(t.get("admin_networks"), "http.admin_networks", "networks", "a network",
                    "[\"127.0.0.0/8\", \"::1/128\"]")) {
                try {
                    networks.add(Syntax.parseCidr(s));
                } catch (IllegalArgumentException e) {
                    throw fail("http.admin_networks", e.getMessage());
                }
            }
            return new Config.Http(networks);
        }

        Config.Dns dns(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "dns");
            knownKeys(t, "dns", DNS_KEYS);
            List<Config.HostPort> servers = new ArrayList<>();
            if (t.has("servers")) {
                for (String s : strings(t.get("servers"), "dns.servers", "IP addresses", "an IP address",
                        "[\"127.0.0.1\", \"[::1]:53\"]")) {
                    Config.HostPort hp;
                    try {
                        hp = s.indexOf(':') >= 0 && !s.startsWith("[") && s.indexOf(':') != s.lastIndexOf(':')
                                ? new Config.HostPort(s, 53)          // a bare IPv6 address
                                : s.contains(":") ? Syntax.parseHostPort(s) : new Config.HostPort(s, 53);
                    } catch (IllegalArgumentException e) {
                        throw fail("dns.servers", e.getMessage());
                    }
                    if (!Syntax.isIpLiteral(hp.host())) {
                        throw fail("dns.servers", Syntax.quote(s) + " is not an IP address (a DNS server cannot be"
                                + " given by name)");
                    }
                    if (hp.port() == 0) {
                        throw fail("dns.servers", Syntax.quote(s) + ": the port must be from 1 to 65535, not 0");
                    }
                    servers.add(hp);
                }
            }
            return new Config.Dns(servers);
        }

        Config.Tls tls(JsonNode n, Path baseDir) throws ConfigException {
            ObjectNode t = table(n, "tls");
            knownKeys(t, "tls", TLS_KEYS);
            Path cert = t.has("certificate") ? file(t.get("certificate"), "tls.certificate", baseDir) : null;
            Path key = t.has("private_key") ? file(t.get("private_key"), "tls.private_key", baseDir) : null;
            if (cert != null && key == null) {
                throw fail("tls.certificate", "needs tls.private_key too (the key of that certificate)");
            }
            if (key != null && cert == null) {
                throw fail("tls.private_key", "needs tls.certificate too (the certificate chain of that key)");
            }
            return new Config.Tls(cert, key);
        }

        Config.Smtp smtp(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "smtp");
            knownKeys(t, "smtp", SMTP_KEYS);
            return new Config.Smtp(t.has("auth") && bool(t.get("auth"), "smtp.auth"));
        }

        Config.Submission submission(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "submission");
            knownKeys(t, "submission", SUBMISSION_KEYS);
            return new Config.Submission(
                    !t.has("auth_requires_tls") || bool(t.get("auth_requires_tls"), "submission.auth_requires_tls"),
                    !t.has("enforce_sender") || bool(t.get("enforce_sender"), "submission.enforce_sender"),
                    t.has("expose_user") && bool(t.get("expose_user"), "submission.expose_user"));
        }

        Config.Auth auth(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "auth");
            knownKeys(t, "auth", AUTH_KEYS);
            int max = t.has("max_failures_per_ip")
                    ? whole(t.get("max_failures_per_ip"), "auth.max_failures_per_ip", 1, Integer.MAX_VALUE)
                    : DEFAULT_MAX_FAILURES_PER_IP;
            Duration block = t.has("block_time")
                    ? duration(t.get("block_time"), "auth.block_time", Duration.ofSeconds(1), Duration.ofDays(30),
                            "1s to 30d")
                    : DEFAULT_BLOCK_TIME;
            Duration delay = t.has("failure_delay")
                    ? duration(t.get("failure_delay"), "auth.failure_delay", Duration.ZERO, Duration.ofSeconds(30),
                            "0 to 30s")
                    : DEFAULT_FAILURE_DELAY;
            return new Config.Auth(max, block, delay);
        }

        boolean bool(JsonNode n, String key) throws ConfigException {
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            String hint = n.isTextual() && (n.textValue().equalsIgnoreCase("true") || n.textValue().equalsIgnoreCase("false"))
                    ? "; write it without quotes" : "";
            throw fail(key, "must be true or false, not " + render(n) + hint);
        }

        /** A file path; a relative one is resolved against {@code baseDir} (the configuration file's directory). */
        Path file(JsonNode n, String key, Path baseDir) throws ConfigException {
            if (!n.isTextual() || n.textValue().isBlank()) {
                throw fail(key, "must be a file path in quotes such as \"/etc/letsencrypt/live/mx.example.org/fullchain.pem\", not "
                        + render(n));
            }
            try {
                return baseDir.resolve(n.textValue()).normalize();
            } catch (InvalidPathException e) {
                throw fail(key, "not a usable path: " + oneLine(e.getMessage()));
            }
        }

        Config.Pop3 pop3(JsonNode n) throws ConfigException {
            ObjectNode t = table(n, "pop3");
            knownKeys(t, "pop3", POP3_KEYS);
            boolean authRequiresTls = DEFAULT_POP3_AUTH_REQUIRES_TLS;
            if (t.has("auth_requires_tls")) {
                JsonNode v = t.get("auth_requires_tls");
                if (!v.isBoolean()) {
                    throw fail("pop3.auth_requires_tls", "must be true or false (without quotes), not " + render(v));
                }
                authRequiresTls = v.booleanValue();
            }
            Duration idleTimeout = t.has("idle_timeout")
                    ? duration(t.get("idle_timeout"), "pop3.idle_timeout", MIN_POP3_IDLE_TIMEOUT, MAX_COMMAND_TIMEOUT,
                            "10m (RFC 1939) to 24h")
                    : DEFAULT_POP3_IDLE_TIMEOUT;
            return new Config.Pop3(authRequiresTls, idleTimeout);
        }

        Map<String, List<String>> aliases(JsonNode n, List<String> localDomains) throws ConfigException {
            ObjectNode t = table(n, "aliases");
            Map<String, List<String>> out = new LinkedHashMap<>();
            Map<String, String> writtenAs = new HashMap<>();
            for (Map.Entry<String, JsonNode> e : t.properties()) {
                String written = e.getKey();
                String key = dotted("aliases", written);
                String problem = Syntax.addressProblem(written);
                if (problem != null) {
                    String example = written.indexOf('@') < 0 && !localDomains.isEmpty()
                            && Syntax.addressProblem(written + "@" + localDomains.get(0)) == null
                            ? " (such as \"" + written + "@" + localDomains.get(0) + "\")" : "";
                    throw fail(key, Syntax.quote(written) + " is not an address: " + problem + example);
                }
                String address = written.toLowerCase(Locale.ROOT);
                String domain = address.substring(address.lastIndexOf('@') + 1);
                if (!localDomains.contains(domain)) {
                    throw fail(key, "the domain " + Syntax.quote(domain)
                            + " is not in local_domains; aliases are for local addresses only");
                }
                String earlier = writtenAs.putIfAbsent(address, written);
                if (earlier != null) {
                    throw fail(key, "the same address as " + Syntax.quote(earlier)
                            + " (alias addresses are compared in lower case)");
                }
                JsonNode v = e.getValue();
                List<String> targets = new ArrayList<>();
                if (v.isTextual()) {
                    targets.add(v.textValue());
                } else if (v.isArray()) {
                    if (v.isEmpty()) {
                        throw fail(key, "must list at least one target address");
                    }
                    for (JsonNode el : v) {
                        if (!el.isTextual()) {
                            throw fail(key, "each target must be an address such as \"alice@example.org\", not "
                                    + render(el));
                        }
                        targets.add(el.textValue());
                    }
                } else {
                    throw fail(key, "must be an address or a list of addresses, not " + render(v));
                }
                for (String target : targets) {
                    String p = Syntax.addressProblem(target);
                    if (p != null) {
                        throw fail(key, "the target " + Syntax.quote(target) + " is not an address: " + p);
                    }
                }
                out.put(address, List.copyOf(targets));
            }
            return out;
        }

        /** A list of strings; a lone string gets a hint to add brackets. */
        List<String> strings(JsonNode n, String key, String plural, String singular, String example)
                throws ConfigException {
            if (!n.isArray()) {
                String hint = n.isTextual() ? "; write [" + Syntax.quote(n.textValue()) + "]" : "";
                throw fail(key, "must be a list of " + plural + " such as " + example + ", not " + render(n) + hint);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode el : n) {
                if (!el.isTextual()) {
                    throw fail(key, "each entry must be " + singular + " in quotes, not " + render(el));
                }
                out.add(el.textValue());
            }
            return out;
        }

        int whole(JsonNode n, String key, int min, int max) throws ConfigException {
            if (n.isIntegralNumber()) {
                BigInteger v = n.bigIntegerValue();
                if (v.compareTo(BigInteger.valueOf(min)) >= 0 && v.compareTo(BigInteger.valueOf(max)) <= 0) {
                    return v.intValue();
                }
            }
            boolean tooBig = n.isIntegralNumber() && n.bigIntegerValue().compareTo(BigInteger.valueOf(max)) > 0;
            String range = max == Integer.MAX_VALUE && !tooBig ? "of at least " + min : "from " + min + " to " + max;
            String hint = n.isTextual() && n.textValue().trim().matches("-?[0-9]+") ? "; write it without quotes" : "";
            throw fail(key, "must be a whole number " + range + ", not " + render(n) + hint);
        }

        long size(JsonNode n, String key) throws ConfigException {
            long v;
            if (n.isIntegralNumber()) {
                BigInteger b = n.bigIntegerValue();
                v = b.bitLength() > 63 ? Long.MAX_VALUE : b.longValue();
            } else if (n.isTextual()) {
                try {
                    v = Syntax.parseSize(n.textValue());
                } catch (IllegalArgumentException e) {
                    throw fail(key, e.getMessage());
                }
            } else {
                throw fail(key, "must be a size such as \"35MB\" or a whole number of bytes, not " + render(n));
            }
            if (v < MIN_MESSAGE_SIZE) {
                throw fail(key, "must be at least 1KB (1024 bytes), not " + render(n));
            }
            return v;
        }

        /** {@code range} is how the bounds are written in the message, such as "1s to 24h". */
        Duration duration(JsonNode n, String key, Duration min, Duration max, String range) throws ConfigException {
            if (!n.isTextual()) {
                throw fail(key, "must be a duration in quotes such as \"5m\", not " + render(n)
                        + (n.isNumber() ? " (a duration needs a unit: ms, s, m, h or d)" : ""));
            }
            Duration d;
            try {
                d = Syntax.parseDuration(n.textValue());
            } catch (IllegalArgumentException e) {
                throw fail(key, e.getMessage());
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw fail(key, "must be a duration from " + range + ", not " + render(n));
            }
            return d;
        }

        /** Like {@link #duration} but "0" (zero) is also allowed, meaning "off". */
        Duration durationOrZero(JsonNode n, String key, Duration min, Duration max, String range)
                throws ConfigException {
            if (n.isTextual() && n.textValue().trim().equals("0")) {
                return Duration.ZERO;
            }
            return duration(n, key, min, max, range);
        }
    }

    // ------------------------------------------------------------------------------------------------ messages

    private static String unknownKeyReason(String table, String key, List<String> known) {
        List<String> homes = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : TABLES.entrySet()) {
            if (!e.getKey().equals(table) && e.getValue().contains(key)) {
                if (e.getKey().isEmpty()) {
                    return "unknown key; \"" + key + "\" is a top-level key: move it above the first [table] header";
                }
                homes.add("[" + e.getKey() + "]");
            }
        }
        if (!homes.isEmpty()) {
            homes.sort(null);
            return "unknown key; \"" + key + "\" belongs in the " + String.join(" or ", homes)
                    + (homes.size() == 1 ? " table" : " tables");
        }
        String best = null;
        int bestDistance = 3;
        for (String candidate : known) {
            int d = Syntax.editDistance(key.toLowerCase(Locale.ROOT), candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best == null ? "unknown key" : "unknown key; did you mean \"" + best + "\"?";
    }

    /** {@code table.key}, with the key in quotes unless it is a TOML bare key. */
    static String dotted(String table, String key) {
        String k = !key.isEmpty() && key.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9' || c == '_' || c == '-') ? key : Syntax.quote(key);
        return table.isEmpty() ? k : table + "." + k;
    }

    /** A value as it would appear in the file: strings quoted, numbers plain, lists and tables by kind. */
    static String render(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isTextual()) {
            return Syntax.quote(n.textValue());
        }
        if (n.isIntegralNumber()) {
            return n.bigIntegerValue().toString();
        }
        if (n.isBigDecimal()) {
            BigDecimal d = n.decimalValue();
            String plain = d.scale() <= 0 ? d.setScale(1).toPlainString() : d.toPlainString();
            return plain.length() > 30 ? d.toString() : plain;
        }
        if (n.isNumber()) {
            double d = n.doubleValue();
            return Double.isNaN(d) ? "nan" : d == Double.POSITIVE_INFINITY ? "inf"
                    : d == Double.NEGATIVE_INFINITY ? "-inf" : n.asText();
        }
        if (n.isBoolean()) {
            return n.asText();
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a table";
        }
        if (n instanceof POJONode p) {
            return String.valueOf(p.getPojo());
        }
        return n.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    // ------------------------------------------------------------------------------------------------ defaults

    private static Map<String, List<String>> tables() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("", TOP_KEYS);
        m.put("listen", LISTEN_KEYS);
        m.put("limits", LIMITS_KEYS);
        m.put("relay", RELAY_KEYS);
        m.put("queue", QUEUE_KEYS);
        m.put("delivery", DELIVERY_KEYS);
        m.put("dns", DNS_KEYS);
        m.put("tls", TLS_KEYS);
        m.put("smtp", SMTP_KEYS);
        m.put("submission", SUBMISSION_KEYS);
        m.put("auth", AUTH_KEYS);
        m.put("pop3", POP3_KEYS);
        m.put("http", HTTP_KEYS);
        return Map.copyOf(m);
    }

    private static Map<String, List<Config.HostPort>> defaultListen() {
        return Map.of(
                "smtp", List.of(new Config.HostPort("0.0.0.0", 25)),
                "submission", List.of(new Config.HostPort("0.0.0.0", 587)),
                "submissions", List.of(new Config.HostPort("0.0.0.0", 465)),
                "pop3", List.of(new Config.HostPort("0.0.0.0", 110)),
                "pop3s", List.of(new Config.HostPort("0.0.0.0", 995)),
                "http", List.of(new Config.HostPort("127.0.0.1", 8025)));
    }

    /** The machine's name, asked once and only when a configuration leaves {@code hostname} out. */
    private static final class MachineName {
        static final String VALUE = lookUp();

        private static String lookUp() {
            try {
                String name = InetAddress.getLocalHost().getCanonicalHostName();
                if (name != null && name.endsWith(".")) {
                    name = name.substring(0, name.length() - 1);
                }
                if (name != null && Syntax.domainProblem(name) == null) {
                    return name;
                }
            } catch (IOException | SecurityException e) {
                // fall through: no usable name
            }
            return "localhost";
        }
    }
}
