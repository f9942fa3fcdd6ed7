package dev.tern.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.tern.config.Key.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The value types of {@link Keys}: each reads one TOML value, checks it and fails with a one-line reason
 * that quotes the value ({@code must be a whole number from 1 to 100000, not "many"}).
 */
final class Types {
    private Types() {
    }

    // ---------------------------------------------------------------- scalars

    /** true or false; {@code sayUnquoted} words the error "(without quotes)" as [pop3] always has. */
    static Type<Boolean> bool(boolean sayUnquoted) {
        return new Type<>("true/false", "", (n, key, v) -> {
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            if (sayUnquoted) {
                throw v.fail(key, "must be true or false (without quotes), not " + render(n));
            }
            String hint = n.isTextual() && (n.textValue().equalsIgnoreCase("true")
                    || n.textValue().equalsIgnoreCase("false")) ? "; write it without quotes" : "";
            throw v.fail(key, "must be true or false, not " + render(n) + hint);
        });
    }

    static Type<Integer> whole(int min, int max) {
        String range = max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
        return new Type<>("whole number", range, (n, key, v) -> {
            if (n.isIntegralNumber()) {
                BigInteger b = n.bigIntegerValue();
                if (b.compareTo(BigInteger.valueOf(min)) >= 0 && b.compareTo(BigInteger.valueOf(max)) <= 0) {
                    return b.intValue();
                }
            }
            boolean tooBig = n.isIntegralNumber() && n.bigIntegerValue().compareTo(BigInteger.valueOf(max)) > 0;
            String words = max == Integer.MAX_VALUE && !tooBig ? "of at least " + min : "from " + min + " to " + max;
            String hint = n.isTextual() && n.textValue().trim().matches("-?[0-9]+") ? "; write it without quotes" : "";
            throw v.fail(key, "must be a whole number " + words + ", not " + render(n) + hint);
        });
    }

    /** A size string ("35MB") or a whole number of bytes, at least 1KB. */
    static Type<Long> size() {
        return new Type<>("size", "at least \"1KB\"", (n, key, v) -> {
            long bytes;
            if (n.isIntegralNumber()) {
                BigInteger b = n.bigIntegerValue();
                bytes = b.bitLength() > 63 ? Long.MAX_VALUE : b.longValue();
            } else if (n.isTextual()) {
                try {
                    bytes = Syntax.parseSize(n.textValue());
                } catch (IllegalArgumentException e) {
                    throw v.fail(key, e.getMessage());
                }
            } else {
                throw v.fail(key, "must be a size such as \"35MB\" or a whole number of bytes, not " + render(n));
            }
            if (bytes < 1024) {
                throw v.fail(key, "must be at least 1KB (1024 bytes), not " + render(n));
            }
            return bytes;
        });
    }

    /** A duration from {@code min} to {@code max} (written as in the file, "1s"); {@code note} follows min. */
    static Type<Duration> duration(String min, String max, String note) {
        return durationType(min, max, note, null);
    }

    /** Like {@link #duration}, and "0" means off, as {@code zeroMeans} says ("for none"). */
    static Type<Duration> durationOrZero(String min, String max, String zeroMeans) {
        return durationType(min, max, "", zeroMeans);
    }

    private static Type<Duration> durationType(String min, String max, String note, String zeroMeans) {
        Duration lo = Syntax.parseDuration(min);
        Duration hi = Syntax.parseDuration(max);
        String words = min + note + " to " + max + (zeroMeans == null ? "" : ", or \"0\" " + zeroMeans);
        String range = (zeroMeans == null ? "" : "\"0\" or ") + "\"" + min + "\" to \"" + max + "\"";
        return new Type<>("duration", range, (n, key, v) -> {
            if (zeroMeans != null && n.isTextual() && n.textValue().trim().equals("0")) {
                return Duration.ZERO;
            }
            if (!n.isTextual()) {
                throw v.fail(key, "must be a duration in quotes such as \"5m\", not " + render(n)
                        + (n.isNumber() ? " (a duration needs a unit: ms, s, m, h or d)" : ""));
            }
            Duration d;
            try {
                d = Syntax.parseDuration(n.textValue());
            } catch (IllegalArgumentException e) {
                throw v.fail(key, e.getMessage());
            }
            if (d.compareTo(lo) < 0 || d.compareTo(hi) > 0) {
                throw v.fail(key, "must be a duration from " + words + ", not " + render(n));
            }
            return d;
        });
    }

    /** One of the given words, exactly as written. */
    static Type<String> oneOf(String... words) {
        List<String> allowed = List.of(words);
        String listed = "\"" + String.join("\" or \"", allowed) + "\"";
        return new Type<>("word", listed, (n, key, v) -> {
            if (n.isTextual() && allowed.contains(n.textValue())) {
                return n.textValue();
            }
            throw v.fail(key, "must be " + listed + ", not " + render(n));
        });
    }

    // ---------------------------------------------------------------- names and paths

    /** A mail folder's name ({@code Junk}, {@code Lists/Spam}: levels joined by "/"), or "" for none. */
    static Type<String> folder() {
        return new Type<>("folder name", "", (n, key, v) -> {
            if (!n.isTextual()) {
                throw v.fail(key, "must be a folder name in quotes such as \"Junk\", or \"\", not " + render(n));
            }
            String s = n.textValue();
            if (s.isEmpty()) {
                return s;
            }
            if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw v.fail(key, Syntax.quote(s) + " is not a folder name: it holds a control character");
            }
            if (("/" + s + "/").contains("//")) {
                throw v.fail(key, Syntax.quote(s) + " is not a folder name: a level between \"/\" is empty");
            }
            if (s.length() > 200) {
                throw v.fail(key, "a folder name of at most 200 characters, not " + s.length());
            }
            return s;
        });
    }

    static Type<String> hostname() {
        return new Type<>("host name", "", (n, key, v) -> {
            if (!n.isTextual()) {
                throw v.fail(key, "must be a host name such as \"mx.example.org\", not " + render(n));
            }
            String problem = Syntax.domainProblem(n.textValue());
            if (problem != null) {
                throw v.fail(key, Syntax.quote(n.textValue()) + " is not a host name: " + problem);
            }
            return n.textValue();
        });
    }

    /** A directory; a relative one is resolved against the configuration file's directory. */
    static Type<Path> directory() {
        return new Type<>("path", "", (n, key, v) -> {
            if (!n.isTextual()) {
                throw v.fail(key, "must be a directory path such as \"/var/lib/tern\", not " + render(n));
            }
            String s = n.textValue();
            if (s.isBlank()) {
                throw v.fail(key, "must not be empty");
            }
            if (s.startsWith("~")) {
                throw v.fail(key, "\"~\" is not expanded here; write the full path, not " + Syntax.quote(s));
            }
            Path p;
            try {
                p = Path.of(s);
            } catch (InvalidPathException e) {
                throw v.fail(key, Syntax.quote(s) + " is not a valid path: " + oneLine(e.getReason()));
            }
            return (p.isAbsolute() ? p : v.baseDir().resolve(p)).normalize();
        });
    }

    /** A file; a relative one is resolved against the configuration file's directory. */
    static Type<Path> file() {
        return new Type<>("file path", "", (n, key, v) -> {
            if (!n.isTextual() || n.textValue().isBlank()) {
                throw v.fail(key, "must be a file path in quotes such as "
                        + "\"/etc/letsencrypt/live/mx.example.org/fullchain.pem\", not " + render(n));
            }
            try {
                return v.baseDir().resolve(n.textValue()).normalize();
            } catch (InvalidPathException e) {
                throw v.fail(key, "not a usable path: " + oneLine(e.getMessage()));
            }
        });
    }

    static Type<List<String>> domains() {
        return new Type<>("list of domain names", "", (n, key, v) -> {
            LinkedHashSet<String> out = new LinkedHashSet<>();
            for (String d : strings(n, key, v, "domain names", "a domain name", "[\"example.org\"]")) {
                String problem = Syntax.domainProblem(d);
                if (problem != null) {
                    throw v.fail(key, Syntax.quote(d) + " is not a domain name: " + problem);
                }
                out.add(d.toLowerCase(Locale.ROOT));
            }
            return List.copyOf(out);
        });
    }

    /** DNS list zones, each with an optional weight: {@code ["zen.spamhaus.org*2", "bl.example"]} ({@code defence.DnsList}). */
    static Type<List<dev.tern.defence.DnsList>> dnsLists() {
        return new Type<>("list of DNS list zones", "", (n, key, v) -> {
            List<dev.tern.defence.DnsList> out = new ArrayList<>();
            for (String s : strings(n, key, v, "DNS list zones", "a zone", "[\"zen.spamhaus.org*2\"]")) {
                try {
                    out.add(dev.tern.defence.DnsList.parse(s));
                } catch (IllegalArgumentException e) {
                    throw v.fail(key, e.getMessage());
                }
            }
            return List.copyOf(out);
        });
    }

    // ---------------------------------------------------------------- addresses and networks

    static Type<List<Config.HostPort>> listenAddresses() {
        return new Type<>("list of \"host:port\"", "", (n, key, v) -> {
            List<Config.HostPort> out = new ArrayList<>();
            for (String s : strings(n, key, v, "\"host:port\" strings", "a \"host:port\" string", "[\"0.0.0.0:25\"]")) {
                try {
                    out.add(Syntax.parseHostPort(s));
                } catch (IllegalArgumentException e) {
                    throw v.fail(key, e.getMessage());
                }
            }
            return List.copyOf(out);
        });
    }

    /** "host:port", or "" for none (null). */
    static Type<Config.HostPort> optionalHostPort() {
        return new Type<>("\"host:port\" or \"\"", "", (n, key, v) -> {
            if (!n.isTextual()) {
                throw v.fail(key, "must be a \"host:port\" string such as \"relay.example.net:25\", or \"\""
                        + " for none, not " + render(n));
            }
            if (n.textValue().isBlank()) {
                return null;
            }
            Config.HostPort hp;
            try {
                hp = Syntax.parseHostPort(n.textValue());
            } catch (IllegalArgumentException e) {
                throw v.fail(key, e.getMessage());
            }
            if (hp.port() == 0) {
                throw v.fail(key, "the port must be from 1 to 65535, not 0");
            }
            return hp;
        });
    }

    static Type<List<Cidr>> networks(String example) {
        return new Type<>("list of networks", "", (n, key, v) -> {
            List<Cidr> out = new ArrayList<>();
            for (String s : strings(n, key, v, "networks", "a network", example)) {
                try {
                    out.add(Syntax.parseCidr(s));
                } catch (IllegalArgumentException e) {
                    throw v.fail(key, e.getMessage());
                }
            }
            return List.copyOf(out);
        });
    }

    /** DNS servers: "ip" or "ip:port" ("[v6]:port", or a bare IPv6 address); never names. */
    static Type<List<Config.HostPort>> dnsServers() {
        return new Type<>("list of \"ip\" or \"ip:port\"", "", (n, key, v) -> {
            List<Config.HostPort> out = new ArrayList<>();
            for (String s : strings(n, key, v, "IP addresses", "an IP address", "[\"127.0.0.1\", \"[::1]:53\"]")) {
                Config.HostPort hp;
                try {
                    hp = s.indexOf(':') >= 0 && !s.startsWith("[") && s.indexOf(':') != s.lastIndexOf(':')
                            ? new Config.HostPort(s, 53)          // a bare IPv6 address
                            : s.contains(":") ? Syntax.parseHostPort(s) : new Config.HostPort(s, 53);
                } catch (IllegalArgumentException e) {
                    throw v.fail(key, e.getMessage());
                }
                if (!Syntax.isIpLiteral(hp.host())) {
                    throw v.fail(key, Syntax.quote(s) + " is not an IP address (a DNS server cannot be given by name)");
                }
                if (hp.port() == 0) {
                    throw v.fail(key, Syntax.quote(s) + ": the port must be from 1 to 65535, not 0");
                }
                out.add(hp);
            }
            return List.copyOf(out);
        });
    }

    /** The [aliases] table: local address → one target or a list; needs {@code local_domains} read first. */
    static Type<Map<String, List<String>>> aliases() {
        return new Type<>("table of address = targets", "", (n, key, v) -> {
            if (!(n instanceof ObjectNode t)) {
                throw v.fail(key, "must be a table (a [" + key + "] section), not " + render(n));
            }
            List<String> localDomains = v.get(Keys.LOCAL_DOMAINS);
            Map<String, List<String>> out = new LinkedHashMap<>();
            Map<String, String> writtenAs = new HashMap<>();
            for (Map.Entry<String, JsonNode> e : t.properties()) {
                String written = e.getKey();
                String at = dotted(key, written);
                String problem = Syntax.addressProblem(written);
                if (problem != null) {
                    String example = written.indexOf('@') < 0 && !localDomains.isEmpty()
                            && Syntax.addressProblem(written + "@" + localDomains.get(0)) == null
                            ? " (such as \"" + written + "@" + localDomains.get(0) + "\")" : "";
                    throw v.fail(at, Syntax.quote(written) + " is not an address: " + problem + example);
                }
                String address = written.toLowerCase(Locale.ROOT);
                String domain = address.substring(address.lastIndexOf('@') + 1);
                if (!localDomains.contains(domain)) {
                    throw v.fail(at, "the domain " + Syntax.quote(domain)
                            + " is not in local_domains; aliases are for local addresses only");
                }
                String earlier = writtenAs.putIfAbsent(address, written);
                if (earlier != null) {
                    throw v.fail(at, "the same address as " + Syntax.quote(earlier)
                            + " (alias addresses are compared in lower case)");
                }
                out.put(address, targets(e.getValue(), at, v));
            }
            return out;
        });
    }

    private static List<String> targets(JsonNode n, String key, Values v) throws ConfigException {
        List<String> targets = new ArrayList<>();
        if (n.isTextual()) {
            targets.add(n.textValue());
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                throw v.fail(key, "must list at least one target address");
            }
            for (JsonNode el : n) {
                if (!el.isTextual()) {
                    throw v.fail(key, "each target must be an address such as \"alice@example.org\", not " + render(el));
                }
                targets.add(el.textValue());
            }
        } else {
            throw v.fail(key, "must be an address or a list of addresses, not " + render(n));
        }
        for (String target : targets) {
            String p = Syntax.addressProblem(target);
            if (p != null) {
                throw v.fail(key, "the target " + Syntax.quote(target) + " is not an address: " + p);
            }
        }
        return List.copyOf(targets);
    }

    /** A list of strings; a lone string gets a hint to add brackets. */
    private static List<String> strings(JsonNode n, String key, Values v, String plural, String singular,
                                        String example) throws ConfigException {
        if (!n.isArray()) {
            String hint = n.isTextual() ? "; write [" + Syntax.quote(n.textValue()) + "]" : "";
            throw v.fail(key, "must be a list of " + plural + " such as " + example + ", not " + render(n) + hint);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode el : n) {
            if (!el.isTextual()) {
                throw v.fail(key, "each entry must be " + singular + " in quotes, not " + render(el));
            }
            out.add(el.textValue());
        }
        return out;
    }

    // ---------------------------------------------------------------- messages

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

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
