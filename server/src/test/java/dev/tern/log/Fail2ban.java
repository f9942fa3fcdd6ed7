package dev.tern.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fail2ban filter documented in docs/operations.md, applied the way fail2ban applies it: {@code <HOST>}
 * becomes fail2ban's host expression (its {@code failregex.py}, with Python's {@code (?P<name>} written as
 * Java's {@code (?<name>}), the timestamp found at the start of the line is cut out, and the expression is
 * searched (not matched) in what remains. Returns the banned address, or null.
 */
final class Fail2ban {
    private static final String IP4 = "(?:\\d{1,3}\\.){3}\\d{1,3}";
    private static final String IP6 = "(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)";
    private static final String ADDR = "\\[?(?:(?:::f{4,6}:)?(?<ip4>" + IP4 + ")|(?<ip6>" + IP6 + "))\\]?";
    private static final String HOST = "(?:" + ADDR + "|(?<dns>[\\w\\-.^_]*\\w))";
    /** fail2ban's ISO 8601 date template, as our logback pattern writes it. */
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?");

    private final Pattern failregex;

    private Fail2ban(String documented) {
        this.failregex = Pattern.compile(documented.replace("<HOST>", HOST));
    }

    /** The {@code failregex = ...} line of docs/operations.md. */
    static Fail2ban documented() {
        try {
            String doc = Files.readString(Path.of("../docs/operations.md"));
            Matcher m = Pattern.compile("(?m)^failregex = (.+)$").matcher(doc);
            if (!m.find()) {
                throw new IllegalStateException("no failregex in docs/operations.md");
            }
            return new Fail2ban(m.group(1).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The address fail2ban would count a failure against for {@code line}, or null. */
    String host(String line) {
        Matcher d = DATE.matcher(line);
        String rest = d.find() ? line.substring(0, d.start()) + line.substring(d.end()) : line;
        Matcher m = failregex.matcher(rest + "\n");
        if (!m.find()) {
            return null;
        }
        for (String g : new String[] {"ip4", "ip6", "dns"}) {
            if (m.group(g) != null) {
                return m.group(g);
            }
        }
        return null;
    }
}
