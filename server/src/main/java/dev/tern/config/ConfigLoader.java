package dev.tern.config;

import dev.tern.checks.ChecksSettings;
import dev.tern.defence.DefenceSettings;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads Tern's TOML configuration into an immutable {@link Config}.
 *
 * <p>The file is read as UTF-8 into a Jackson tree, then read key by key through the table {@link Keys} (each
 * key's type, default and range are declared there, once), so that every error names the file, the exact dotted
 * key and what is wrong, on one line:
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
    static final TomlMapper TOML = TomlMapper.builder().enable(TomlReadFeature.PARSE_JAVA_TIME).build();

    private ConfigLoader() {
    }

    /**
     * Reads a TOML file (UTF-8). Missing keys take production defaults; a relative {@code data_dir} is resolved
     * against the file's directory. {@link Config#source()} is {@code file}; errors name {@code file} as given.
     */
    public static Config load(Path file) throws ConfigException {
        return check(Objects.requireNonNull(file, "file")).config();
    }

    /**
     * The embedded development configuration (resource {@code dev/tern/config/embedded.toml}): loopback
     * listeners on ports 2525, 2587, 2465, 2110, 2995, 2143, 2993 and 8025, {@code ./data}, domain {@code localhost},
     * relaying allowed from loopback. {@link Config#source()} is null.
     */
    public static Config embedded() throws ConfigException {
        return check(null).config();
    }

    /**
     * Parses TOML text, for tests and tools. Missing keys take the production defaults, or, when
     * {@code embeddedDefaults} is true, the values of the embedded development configuration (the text is laid
     * over it table by table). A relative {@code data_dir} is resolved against the working directory.
     * Errors name {@code sourceName}, and so do those of a reload ({@link Config#name()}); {@link Config#source()}
     * is null.
     */
    public static Config parse(String toml, String sourceName, boolean embeddedDefaults) throws ConfigException {
        Objects.requireNonNull(toml, "toml");
        Objects.requireNonNull(sourceName, "sourceName");
        ObjectNode root = tree(stripBom(toml), sourceName);
        if (embeddedDefaults) {
            root = overlay(tree(embeddedText(), EMBEDDED_SOURCE), root);
        }
        return build(root, sourceName, null, workingDirectory()).config();
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
                    : e.getMessage() == null ? e.getClass().getSimpleName() : Types.oneLine(e.getMessage());
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
            throw new ConfigException(name, "", "not valid TOML: " + where + Types.oneLine(e.getOriginalMessage()));
        } catch (RuntimeException e) {
            throw new ConfigException(name, "", "not valid TOML: " + Types.oneLine(String.valueOf(e.getMessage())));
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
            throw new ConfigException(EMBEDDED_SOURCE, "", "cannot read the resource: " + Types.oneLine(e.toString()));
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

    /**
     * A configuration with each key's value by name (null for none) and the names the file sets, in the order
     * of {@link Keys#ALL}: what {@code tern config check} prints.
     */
    public record Checked(Config config, Map<String, Object> values, Set<String> given) {
    }

    /** As {@link #load} ({@link #embedded} when {@code file} is null), keeping each key's value. */
    public static Checked check(Path file) throws ConfigException {
        if (file == null) {
            return build(tree(embeddedText(), EMBEDDED_SOURCE), EMBEDDED_SOURCE, null, workingDirectory());
        }
        Path dir = file.toAbsolutePath().getParent();
        return build(tree(read(file, file.toString()), file.toString()), file.toString(), file,
                dir == null ? workingDirectory() : dir);
    }

    /** Reads every key of {@link Keys} from {@code root}, in the table's order, then checks keys against each other. */
    private static Checked build(ObjectNode root, String name, Path source, Path baseDir) throws ConfigException {
        Values v = new Values(name, baseDir, root);
        knownKeys(v, root, "");
        String table = null;
        for (Key<?> k : Keys.ALL) {
            if (!k.table().equals(table)) {
                table = k.table();
                if (!table.isEmpty()) {
                    JsonNode t = root.get(table);
                    if (t != null && !(t instanceof ObjectNode)) {
                        throw v.fail(table, "must be a table (a [" + table + "] section), not " + Types.render(t));
                    }
                    knownKeys(v, t, table);
                }
            }
            v.get(k);
        }
        checkListen(v);
        checkPairs(v);
        Map<String, Object> values = new LinkedHashMap<>();
        Set<String> given = new LinkedHashSet<>();
        for (Key<?> k : Keys.ALL) {
            values.put(k.name(), v.get(k));
            if (v.given(k)) {
                given.add(k.name());
            }
        }
        Config config = new Config(source, v.get(Keys.HOSTNAME), v.get(Keys.DATA_DIR), v.get(Keys.LOCAL_DOMAINS),
                new Config.Listen(v.get(Keys.LISTEN_SMTP), v.get(Keys.LISTEN_SUBMISSION),
                        v.get(Keys.LISTEN_SUBMISSIONS), v.get(Keys.LISTEN_POP3), v.get(Keys.LISTEN_POP3S),
                        v.get(Keys.LISTEN_IMAP), v.get(Keys.LISTEN_IMAPS), v.get(Keys.LISTEN_HTTP), v.get(Keys.TRUSTED_PROXIES)),
                new Config.Limits(v.get(Keys.MAX_MESSAGE_SIZE), v.get(Keys.MAX_RECIPIENTS),
                        v.get(Keys.MAX_CONNECTIONS), v.get(Keys.MAX_CONNECTIONS_PER_IP),
                        v.get(Keys.COMMAND_TIMEOUT), v.get(Keys.MAX_ERRORS)),
                new Config.Relay(v.get(Keys.TRUSTED_NETWORKS)),
                v.get(Keys.ALIASES),
                new Config.Queue(v.get(Keys.RETRY_MIN), v.get(Keys.RETRY_MAX), v.get(Keys.DELAY_WARNING),
                        v.get(Keys.MAX_LIFETIME), v.get(Keys.JOURNAL_MAX_MESSAGE)),
                new Config.Delivery(v.get(Keys.MX_PORT), v.get(Keys.SMARTHOST), v.get(Keys.CONNECT_TIMEOUT),
                        v.get(Keys.MAX_CONCURRENCY), v.get(Keys.MAX_PER_DOMAIN), v.get(Keys.REUSE_TIME),
                        v.get(Keys.REUSE_MESSAGES)),
                new Config.Dns(v.get(Keys.DNS_SERVERS)),
                new Config.Tls(v.get(Keys.TLS_CERTIFICATE), v.get(Keys.TLS_PRIVATE_KEY)),
                new Config.Smtp(v.get(Keys.SMTP_AUTH), v.get(Keys.SMTP_PROXY_PROTOCOL)),
                new Config.Submission(v.get(Keys.SUBMISSION_AUTH_REQUIRES_TLS), v.get(Keys.ENFORCE_SENDER),
                        v.get(Keys.EXPOSE_USER), v.get(Keys.SUBMISSION_PROXY_PROTOCOL)),
                new Config.Auth(v.get(Keys.MAX_FAILURES_PER_IP), v.get(Keys.BLOCK_TIME), v.get(Keys.FAILURE_DELAY)),
                new Config.Pop3(v.get(Keys.POP3_AUTH_REQUIRES_TLS), v.get(Keys.POP3_IDLE_TIMEOUT),
                        v.get(Keys.POP3_PROXY_PROTOCOL)),
                new Config.Imap(v.get(Keys.IMAP_AUTH_REQUIRES_TLS), v.get(Keys.IMAP_IDLE_TIMEOUT),
                        v.get(Keys.IMAP_PROXY_PROTOCOL)),
                new Config.Http(v.get(Keys.ADMIN_NETWORKS)),
                new Config.Log(v.get(Keys.LOG_FORMAT).equals("json")),
                new ChecksSettings(v.get(Keys.CHECKS_SPF), v.get(Keys.CHECKS_DKIM), v.get(Keys.CHECKS_DMARC),
                        v.get(Keys.CHECKS_DMARC_REJECT), v.get(Keys.CHECKS_SPF_REJECT),
                        v.get(Keys.CHECKS_TIME_BUDGET), v.get(Keys.CHECKS_QUARANTINE_FOLDER)),
                defence(v), name);
        return new Checked(config, Collections.unmodifiableMap(values), Collections.unmodifiableSet(given));
    }

    private static DefenceSettings defence(Values v) throws ConfigException {
        return new DefenceSettings(
                new DefenceSettings.Lists(v.get(Keys.CHECKS_DNSBL), v.get(Keys.CHECKS_DNSWL),
                        v.get(Keys.CHECKS_DNSBL_THRESHOLD), v.get(Keys.CHECKS_TIME_BUDGET)),
                v.get(Keys.CHECKS_GREET_PAUSE), v.get(Keys.CHECKS_REJECT_UNAUTH_PIPELINING),
                new DefenceSettings.Rates(v.get(Keys.CONNECTIONS_PER_IP_PER_MINUTE), v.get(Keys.MESSAGES_PER_IP_PER_HOUR),
                        v.get(Keys.RECIPIENTS_PER_IP_PER_HOUR), v.get(Keys.FAILED_RECIPIENTS_PER_IP_PER_HOUR),
                        v.get(Keys.MESSAGES_PER_USER_PER_HOUR), v.get(Keys.RECIPIENTS_PER_USER_PER_HOUR)),
                new DefenceSettings.Greylisting(v.get(Keys.CHECKS_GREYLIST), v.get(Keys.CHECKS_GREYLIST_DELAY),
                        v.get(Keys.CHECKS_GREYLIST_EXPIRY)));
    }

    private static void knownKeys(Values v, JsonNode table, String path) throws ConfigException {
        if (table == null) {
            return;
        }
        List<String> known = Keys.TABLES.get(path);
        for (String key : (Iterable<String>) table::fieldNames) {
            if (!known.contains(key)) {
                throw v.fail(Types.dotted(path, key), unknownKeyReason(path, key, known));
            }
        }
    }

    /** The listeners: no address twice (port 0 excepted), and one address at most for the HTTP listener. */
    private static void checkListen(Values v) throws ConfigException {
        List<Key<List<Config.HostPort>>> listeners = List.of(Keys.LISTEN_SMTP, Keys.LISTEN_SUBMISSION,
                Keys.LISTEN_SUBMISSIONS, Keys.LISTEN_POP3, Keys.LISTEN_POP3S, Keys.LISTEN_IMAP, Keys.LISTEN_IMAPS,
                Keys.LISTEN_HTTP);
        Map<String, Key<?>> usedBy = new HashMap<>();   // "host:port" (host lower-cased) -> listener
        // Given values first, so a clash with a default is reported at the key the user wrote.
        for (Key<List<Config.HostPort>> k : listeners) {
            if (v.given(k)) {
                for (Config.HostPort hp : v.get(k)) {
                    Key<?> other = hp.port() == 0 ? null : usedBy.putIfAbsent(id(hp), k);
                    if (other != null) {
                        throw v.fail(k.name(), Syntax.quote(hp.toString()) + (other == k
                                ? " is listed twice" : " is already in " + other.name()));
                    }
                }
            }
        }
        for (Key<List<Config.HostPort>> k : listeners) {
            if (!v.given(k)) {
                for (Config.HostPort hp : v.get(k)) {
                    Key<?> other = usedBy.get(id(hp));
                    if (other != null) {
                        throw v.fail(other.name(), Syntax.quote(hp.toString()) + " is also the default of "
                                + k.name() + "; set " + k.name() + " to another address, or to [] to turn it off");
                    }
                }
            }
        }
        if (v.get(Keys.LISTEN_HTTP).size() > 1) {
            throw v.fail(Keys.LISTEN_HTTP.name(), "the HTTP listener takes one address, not "
                    + v.get(Keys.LISTEN_HTTP).size() + "; list only one");
        }
        for (Key<Boolean> k : List.of(Keys.SMTP_PROXY_PROTOCOL, Keys.SUBMISSION_PROXY_PROTOCOL,
                Keys.POP3_PROXY_PROTOCOL, Keys.IMAP_PROXY_PROTOCOL)) {
            if (v.get(k) && v.get(Keys.TRUSTED_PROXIES).isEmpty()) {
                throw v.fail(k.name(), "is true but listen.trusted_proxies is empty, so every connection would be "
                        + "closed; list the load balancers' addresses there");
            }
        }
    }

    private static String id(Config.HostPort hp) {
        return hp.toString().toLowerCase(Locale.ROOT);
    }

    /** Keys that make sense only together: the retry bounds, the certificate and its key. */
    private static void checkPairs(Values v) throws ConfigException {
        Duration min = v.get(Keys.RETRY_MIN);
        Duration max = v.get(Keys.RETRY_MAX);
        if (max.compareTo(min) < 0) {
            throw v.fail(v.given(Keys.RETRY_MAX) ? Keys.RETRY_MAX.name() : Keys.RETRY_MIN.name(),
                    "queue.retry_max (" + Syntax.formatDuration(max) + ") must not be shorter than queue.retry_min ("
                            + Syntax.formatDuration(min) + ")");
        }
        boolean cert = v.get(Keys.TLS_CERTIFICATE) != null;
        boolean key = v.get(Keys.TLS_PRIVATE_KEY) != null;
        if (cert && !key) {
            throw v.fail(Keys.TLS_CERTIFICATE.name(), "needs tls.private_key too (the key of that certificate)");
        }
        if (key && !cert) {
            throw v.fail(Keys.TLS_PRIVATE_KEY.name(), "needs tls.certificate too (the certificate chain of that key)");
        }
    }

    // ------------------------------------------------------------------------------------------------ messages

    private static String unknownKeyReason(String table, String key, List<String> known) {
        List<String> homes = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : Keys.TABLES.entrySet()) {
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
}
