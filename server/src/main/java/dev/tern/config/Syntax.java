package dev.tern.config;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * The value syntaxes of the configuration file: sizes, durations, networks, listen addresses, domain names
 * and mail addresses. Pure functions, no DNS: IP literals are parsed byte by byte ({@link IpLiteral}) so that nothing ever
 * asks a resolver. {@link ConfigLoader} exposes the public ones; errors are one-line
 * {@link IllegalArgumentException}s that quote the value and say what is wrong with it.
 */
final class Syntax {
    private Syntax() {
    }

    // ---------------------------------------------------------------- sizes

    /** "35MB", "10 KB", "512", "1GB" → bytes; units B, KB, MB, GB, TB (powers of 1024), any case. */
    static long parseSize(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException(
                    "\"\" is not a size; write a number of bytes or a number with KB, MB or GB, such as \"35MB\"");
        }
        String prefix = quote(s) + " is not a size: ";
        if (t.charAt(0) == '-') {
            throw new IllegalArgumentException(prefix + "it must not be negative");
        }
        int i = digitsEnd(t, 0);
        if (i == 0) {
            throw new IllegalArgumentException(prefix
                    + "write a number of bytes or a number with KB, MB or GB, such as \"35MB\"");
        }
        if (i < t.length() && (t.charAt(i) == '.' || t.charAt(i) == ',')) {
            throw new IllegalArgumentException(prefix + "write a whole number with a smaller unit (\"1536KB\", not \"1.5MB\")");
        }
        String unit = t.substring(i).trim().toUpperCase(Locale.ROOT);
        long multiplier = switch (unit) {
            case "", "B" -> 1L;
            case "KB" -> 1L << 10;
            case "MB" -> 1L << 20;
            case "GB" -> 1L << 30;
            case "TB" -> 1L << 40;
            default -> throw new IllegalArgumentException(prefix + "unknown unit " + quote(t.substring(i).trim())
                    + " (use B, KB, MB, GB or TB; 1KB = 1024 bytes)");
        };
        try {
            return Math.multiplyExact(Long.parseLong(t.substring(0, i)), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(quote(s) + " is too large");
        }
    }

    // ---------------------------------------------------------------- durations

    /** "2s" "15m" "4h" "5d" "500ms" "1h30m"; "0" alone means zero. Units ms, s, m, h, d (lower case). */
    static Duration parseDuration(String s) {
        String t = s.trim();
        String prefix = quote(s) + " is not a duration: ";
        if (t.isEmpty()) {
            throw new IllegalArgumentException(
                    "\"\" is not a duration; write a number and a unit, such as \"30s\" or \"5m\"");
        }
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        if (t.charAt(0) == '-') {
            throw new IllegalArgumentException(prefix + "it must not be negative");
        }
        Duration total = Duration.ZERO;
        int i = 0;
        try {
            while (i < t.length()) {
                int numEnd = digitsEnd(t, i);
                if (numEnd == i) {
                    throw new IllegalArgumentException(prefix
                            + "write a number and a unit (ms, s, m, h or d), such as \"30s\" or \"1h30m\"");
                }
                long n = Long.parseLong(t.substring(i, numEnd));
                if (numEnd < t.length() && (t.charAt(numEnd) == '.' || t.charAt(numEnd) == ',')) {
                    throw new IllegalArgumentException(prefix
                            + "write whole numbers with a smaller unit (\"90m\", not \"1.5h\")");
                }
                int unitStart = skipSpaces(t, numEnd);
                int unitEnd = unitStart;
                while (unitEnd < t.length() && Character.isLetter(t.charAt(unitEnd))) {
                    unitEnd++;
                }
                String unit = t.substring(unitStart, unitEnd);
                if (unit.isEmpty()) {
                    if (unitStart < t.length()) {
                        throw new IllegalArgumentException(prefix + "unexpected " + quote(t.substring(unitStart, unitStart + 1)));
                    }
                    String num = t.substring(i, numEnd);
                    throw new IllegalArgumentException(prefix + "it has no unit (write \"" + num + "s\", \"" + num
                            + "m\", \"" + num + "h\" or \"" + num + "d\")");
                }
                Duration part = switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> throw new IllegalArgumentException(prefix + "unknown unit " + quote(unit)
                            + " (use ms, s, m, h or d)");
                };
                total = total.plus(part);
                i = skipSpaces(t, unitEnd);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(quote(s) + " is too large");
        }
        return total;
    }

    // ---------------------------------------------------------------- networks and listen addresses

    /** "10.0.0.0/8", "2001:db8::/32", "192.0.2.7" (one host). Host bits must be zero. */
    static Cidr parseCidr(String s) {
        String t = s.trim();
        String prefix = quote(s) + " is not a network: ";
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = IpLiteral.parseIpv4(addr);
        if (bytes == null) {
            bytes = IpLiteral.parseIpv6(addr);
        }
        if (bytes == null) {
            throw new IllegalArgumentException(prefix + (addr.isEmpty()
                    ? "write an IPv4 or IPv6 address with an optional /prefix, such as \"192.0.2.0/24\""
                    : quote(addr) + " is not an IPv4 or IPv6 address"));
        }
        if (IpLiteral.isIpv4Mapped(bytes)) {
            throw new IllegalArgumentException(prefix + "write IPv4 networks in dotted form, such as \"192.0.2.0/24\"");
        }
        int max = bytes.length * 8;
        int length = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || digitsEnd(p, 0) != p.length() || Integer.parseInt(p) > max) {
                throw new IllegalArgumentException(prefix + "the prefix length must be a number from 0 to " + max
                        + (bytes.length == 4 ? " for IPv4" : " for IPv6"));
            }
            length = Integer.parseInt(p);
        }
        byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++) {
            int bits = Math.max(0, Math.min(8, length - i * 8));
            masked[i] &= (byte) (0xff << (8 - bits));
        }
        Cidr cidr = new Cidr(IpLiteral.address(masked), length);
        if (!java.util.Arrays.equals(bytes, masked)) {
            throw new IllegalArgumentException(prefix + "bits are set after the prefix; did you mean \""
                    + IpLiteral.formatAddress(masked) + "/" + length + "\"?");
        }
        return cidr;
    }

    /** "0.0.0.0:25", "[::1]:25", "localhost:2525". The host is kept as written (without brackets). */
    static Config.HostPort parseHostPort(String s) {
        String t = s.trim();
        String prefix = quote(s) + " is not a host:port: ";
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(prefix + "the \"]\" after the IPv6 address is missing");
            }
            host = t.substring(1, close);
            if (IpLiteral.parseIpv6(host) == null) {
                throw new IllegalArgumentException(prefix + quote(host) + " is not an IPv6 address");
            }
            String rest = t.substring(close + 1);
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException(prefix + "the port is missing (write \"[" + host + "]:25\")");
            }
            port = rest.substring(1);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(prefix + "the port is missing (write \"" + t + ":25\")");
            }
            if (t.indexOf(':') != colon) {
                throw new IllegalArgumentException(prefix + "write an IPv6 address in brackets, such as \"[::1]:25\"");
            }
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
            if (host.isEmpty()) {
                throw new IllegalArgumentException(prefix + "the host is missing (write \"0.0.0.0:" + port
                        + "\" for all IPv4 addresses or \"[::]:" + port + "\" for all IPv6 addresses)");
            }
            if (IpLiteral.parseIpv4(host) == null && domainProblem(host) != null) {
                throw new IllegalArgumentException(prefix + quote(host) + " is not an IP address or host name");
            }
        }
        if (port.isEmpty() || port.length() > 5 || digitsEnd(port, 0) != port.length()
                || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException(prefix + "the port must be a number from 0 to 65535");
        }
        return new Config.HostPort(host, Integer.parseInt(port));
    }

    // ---------------------------------------------------------------- domains and addresses

    /**
     * Null when {@code s} is a domain name: dot-separated labels of letters, digits and hyphens (letters may be
     * Unicode: IDN U-labels), no label starting or ending with a hyphen, at most 63 octets per label and 253 in
     * all once converted to ASCII, and not ending in an all-numeric label (that would be an IP address).
     * Otherwise the reason, to follow "is not a domain name: ".
     */
    static String domainProblem(String s) {
        if (s.isEmpty()) {
            return "it is empty";
        }
        if (s.endsWith(".")) {
            return "it must not end with a dot";
        }
        String[] labels = s.split("\\.", -1);
        int asciiLength = labels.length - 1;
        for (String label : labels) {
            if (label.isEmpty()) {
                return "it has an empty label (two dots in a row, or a leading dot)";
            }
            boolean ascii = true;
            for (int i = 0; i < label.length(); ) {
                int cp = label.codePointAt(i);
                i += Character.charCount(cp);
                if (cp < 0x80) {
                    if (!(cp >= 'a' && cp <= 'z' || cp >= 'A' && cp <= 'Z' || cp >= '0' && cp <= '9' || cp == '-')) {
                        return "it may contain only letters, digits, hyphens and dots";
                    }
                } else {
                    ascii = false;
                    int type = Character.getType(cp);
                    if (!Character.isLetterOrDigit(cp) && type != Character.NON_SPACING_MARK
                            && type != Character.COMBINING_SPACING_MARK) {
                        return "it may contain only letters, digits, hyphens and dots";
                    }
                }
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return "a label must not start or end with a hyphen";
            }
            int len = label.length();
            if (!ascii) {
                try {
                    len = IDN.toASCII(label, IDN.ALLOW_UNASSIGNED).length();
                } catch (IllegalArgumentException e) {
                    return "the label " + quote(label) + " is not a valid internationalized label";
                }
            }
            if (len > 63) {
                return "a label is longer than 63 characters";
            }
            asciiLength += len;
        }
        if (asciiLength > 253) {
            return "it is longer than 253 characters";
        }
        String last = labels[labels.length - 1];
        if (digitsEnd(last, 0) == last.length()) {
            return IpLiteral.parseIpv4(s) != null ? "it is an IP address" : "the last label must not be all digits";
        }
        return null;
    }

    /**
     * Null when {@code s} is a mail address local-part@domain: a dot-atom local part (RFC 5322 atext, plus
     * UTF-8 as RFC 6531 allows) of at most 64 octets, and a domain name. Otherwise the reason.
     */
    static String addressProblem(String s) {
        int at = s.lastIndexOf('@');
        if (at < 0) {
            return "write local-part@domain";
        }
        String local = s.substring(0, at);
        String domain = s.substring(at + 1);
        if (local.isEmpty()) {
            return "the local part before \"@\" is empty";
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return "the local part must not start or end with a dot or have two dots in a row";
        }
        for (int i = 0; i < local.length(); ) {
            int cp = local.codePointAt(i);
            i += Character.charCount(cp);
            boolean ok = cp >= 0x80 ? !Character.isISOControl(cp) && !Character.isWhitespace(cp)
                    && !Character.isSpaceChar(cp)
                    : (cp >= 'a' && cp <= 'z' || cp >= 'A' && cp <= 'Z' || cp >= '0' && cp <= '9'
                            || "!#$%&'*+-/=?^_`{|}~.".indexOf(cp) >= 0);
            if (!ok) {
                return "the local part must not contain " + quote(new String(Character.toChars(cp)));
            }
        }
        if (local.getBytes(StandardCharsets.UTF_8).length > 64) {
            return "the local part is longer than 64 octets";
        }
        String d = domainProblem(domain);
        if (d != null) {
            return "the domain " + quote(domain) + " is not a domain name: " + d;
        }
        if (s.getBytes(StandardCharsets.UTF_8).length > 254) {
            return "it is longer than 254 octets";
        }
        return null;
    }

    // ---------------------------------------------------------------- small helpers

    /** Restricted Damerau-Levenshtein distance (a swap of two neighbours counts as one edit). */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** True for an IPv4 dotted quad or an IPv6 address (no brackets). */
    static boolean isIpLiteral(String s) {
        return IpLiteral.parseIpv4(s) != null || IpLiteral.parseIpv6(s) != null;
    }

    /** A duration as it would be written in the file: "15m", "1h30m", "500ms". */
    static String formatDuration(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1000L, 1L};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (ms >= units[i]) {
                sb.append(ms / units[i]).append(names[i]);
                ms %= units[i];
            }
        }
        return sb.toString();
    }

    /** A string in double quotes with control characters escaped, so a message stays on one line. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        int shown = 0;
        for (int i = 0; i < s.length(); i++) {
            if (++shown > 80) {
                b.append('…');
                break;
            }
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    static int digitsEnd(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    private static int skipSpaces(String s, int from) {
        int i = from;
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }
}
