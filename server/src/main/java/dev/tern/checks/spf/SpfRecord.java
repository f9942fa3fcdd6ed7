package dev.tern.checks.spf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed SPF record (RFC 7208 4.5, 12): its directives in order and the {@code redirect} and {@code exp}
 * modifiers. {@link #parse} checks the whole record first; any syntax error anywhere is permerror (4.6).
 */
record SpfRecord(List<Directive> directives, String redirect, String exp) {

    /** A qualifier and a mechanism (4.6.2). */
    record Directive(SpfResult.Result qualifier, Mechanism mechanism) {
    }

    /** The eight mechanisms (5). A domain-spec is null where the mechanism's default (the current domain) applies. */
    sealed interface Mechanism {
        /** True for the mechanisms that query DNS and so count against the limit of 10 (4.6.4). */
        default boolean queriesDns() {
            return !(this instanceof All || this instanceof Ip4 || this instanceof Ip6);
        }
    }

    record All() implements Mechanism {
    }

    record Include(String domainSpec) implements Mechanism {
    }

    record A(String domainSpec, int v4Prefix, int v6Prefix) implements Mechanism {
    }

    record Mx(String domainSpec, int v4Prefix, int v6Prefix) implements Mechanism {
    }

    record Ptr(String domainSpec) implements Mechanism {
    }

    record Ip4(InetAddress network, int prefix) implements Mechanism {
    }

    record Ip6(InetAddress network, int prefix) implements Mechanism {
    }

    record Exists(String domainSpec) implements Mechanism {
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");
    /** Optional domain-spec, then the dual-cidr-length: "/24", "//64", "/24//64". */
    private static final Pattern DUAL_CIDR = Pattern.compile("^(.*?)(?:/(0|[1-9][0-9]{0,2}))?(?://(0|[1-9][0-9]{0,2}))?$",
            Pattern.DOTALL);
    private static final Pattern IP4_NET = Pattern.compile("^([0-9.]+)(?:/(0|[1-9][0-9]?))?$");
    private static final Pattern IP4_LITERAL = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IP6_NET = Pattern.compile("^([0-9A-Fa-f:.]+)(?:/(0|[1-9][0-9]{0,2}))?$");

    /** True when a TXT record is an SPF record: "v=spf1" alone or followed by a space (4.5). */
    static boolean isSpf(String txt) {
        return txt.regionMatches(true, 0, "v=spf1", 0, 6) && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    /** Records parsed lately, by their text: the same few records are read for message after message. */
    private static final int PARSED_MAX = 1024;
    private static final ConcurrentHashMap<String, Parsed> PARSED = new ConcurrentHashMap<>();

    /** A record's parse: the record, or the syntax error that makes it permerror. */
    private record Parsed(SpfRecord record, String error) {
    }

    /** {@link #read} through a bounded cache (parsing is pure: the same text always gives the same result). */
    static SpfRecord parse(String txt) throws SpfSyntaxException {
        Parsed p = PARSED.get(txt);
        if (p == null) {
            try {
                p = new Parsed(read(txt), null);
            } catch (SpfSyntaxException e) {
                p = new Parsed(null, e.getMessage());
            }
            if (PARSED.size() >= PARSED_MAX) {
                PARSED.clear(); // crude but bounded; refilled by the records in use
            }
            PARSED.put(txt, p);
        }
        if (p.error() != null) {
            throw new SpfSyntaxException(p.error());
        }
        return p.record();
    }

    private static SpfRecord read(String txt) throws SpfSyntaxException {
        if (!isSpf(txt)) {
            throw new SpfSyntaxException("not an SPF record");
        }
        List<Directive> directives = new ArrayList<>();
        String redirect = null;
        String exp = null;
        for (String term : txt.substring(6).split(" ")) {
            if (term.isEmpty()) {
                continue; // 1*SP between terms, trailing spaces
            }
            int eq = term.indexOf('=');
            int colon = term.indexOf(':');
            int slash = term.indexOf('/');
            boolean modifier = eq > 0 && (colon < 0 || eq < colon) && (slash < 0 || eq < slash)
                    && NAME.matcher(term.substring(0, eq)).matches();
            if (modifier) {
                String name = term.substring(0, eq).toLowerCase(Locale.ROOT);
                String value = term.substring(eq + 1);
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) {
                            throw new SpfSyntaxException("redirect= appears twice");
                        }
                        redirect = domainSpec(value, term);
                    }
                    case "exp" -> {
                        if (exp != null) {
                            throw new SpfSyntaxException("exp= appears twice");
                        }
                        exp = domainSpec(value, term);
                    }
                    default -> Macros.check(value, true, term); // unknown modifiers are ignored (6); any macro letter
                }
            } else {
                directives.add(directive(term));
            }
        }
        return new SpfRecord(List.copyOf(directives), redirect, exp);
    }

    private static Directive directive(String term) throws SpfSyntaxException {
        SpfResult.Result q = switch (term.charAt(0)) {
            case '+' -> SpfResult.Result.PASS;
            case '-' -> SpfResult.Result.FAIL;
            case '~' -> SpfResult.Result.SOFTFAIL;
            case '?' -> SpfResult.Result.NEUTRAL;
            default -> null;
        };
        String m = q == null ? term : term.substring(1);
        if (q == null) {
            q = SpfResult.Result.PASS;
        }
        int end = 0;
        while (end < m.length() && Character.isLetterOrDigit(m.charAt(end))) {
            end++;
        }
        String name = m.substring(0, end).toLowerCase(Locale.ROOT);
        String rest = m.substring(end);
        Mechanism mech = switch (name) {
            case "all" -> {
                if (!rest.isEmpty()) {
                    throw new SpfSyntaxException("'" + term + "': all takes no argument");
                }
                yield new All();
            }
            case "include" -> new Include(domainSpec(required(rest, term), term));
            case "exists" -> new Exists(domainSpec(required(rest, term), term));
            case "ptr" -> new Ptr(rest.isEmpty() ? null : domainSpec(required(rest, term), term));
            case "a", "mx" -> {
                if (!rest.isEmpty() && rest.charAt(0) != ':' && rest.charAt(0) != '/') {
                    throw new SpfSyntaxException("unknown mechanism in '" + term + "'");
                }
                Matcher c = DUAL_CIDR.matcher(rest);
                if (!c.matches()) {
                    throw new SpfSyntaxException("bad CIDR length in '" + term + "'");
                }
                String spec = c.group(1).isEmpty() ? null : domainSpec(required(c.group(1), term), term);
                int v4 = c.group(2) == null ? 32 : prefix(c.group(2), 32, term);
                int v6 = c.group(3) == null ? 128 : prefix(c.group(3), 128, term);
                yield name.equals("a") ? new A(spec, v4, v6) : new Mx(spec, v4, v6);
            }
            case "ip4" -> {
                Matcher c = IP4_NET.matcher(required(rest, term));
                if (!c.matches() || !IP4_LITERAL.matcher(c.group(1)).matches()) {
                    throw new SpfSyntaxException("bad IPv4 network in '" + term + "'");
                }
                yield new Ip4(literal(c.group(1)), c.group(2) == null ? 32 : prefix(c.group(2), 32, term));
            }
            case "ip6" -> {
                Matcher c = IP6_NET.matcher(required(rest, term));
                InetAddress a = c.matches() && c.group(1).contains(":") ? literal(c.group(1)) : null;
                if (a == null || a.getAddress().length != 16) {
                    throw new SpfSyntaxException("bad IPv6 network in '" + term + "'");
                }
                yield new Ip6(a, c.group(2) == null ? 128 : prefix(c.group(2), 128, term));
            }
            default -> throw new SpfSyntaxException("unknown mechanism '" + term + "'");
        };
        return new Directive(q, mech);
    }

    /** ":" domain-spec, without the colon. */
    private static String required(String rest, String term) throws SpfSyntaxException {
        if (rest.length() < 2 || rest.charAt(0) != ':') {
            throw new SpfSyntaxException("'" + term + "' needs ':' and a domain");
        }
        return rest.substring(1);
    }

    private static int prefix(String digits, int max, String term) throws SpfSyntaxException {
        int n = Integer.parseInt(digits); // at most three digits by the patterns
        if (n > max) {
            throw new SpfSyntaxException("CIDR length " + n + " above " + max + " in '" + term + "'");
        }
        return n;
    }

    private static InetAddress literal(String s) {
        try {
            return InetAddress.getByName(s); // a literal by the caller's pattern: no DNS lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (7.1). */
    static String domainSpec(String spec, String term) throws SpfSyntaxException {
        Macros.check(spec, false, term);
        if (spec.endsWith("}")) {
            return spec; // ends with a macro-expand
        }
        String s = spec.endsWith(".") ? spec.substring(0, spec.length() - 1) : spec;
        int dot = s.lastIndexOf('.');
        if (dot < 0 || !Macros.isTopLabel(s.substring(dot + 1))) {
            throw new SpfSyntaxException("'" + term + "': '" + spec + "' does not end in a top-level label");
        }
        return spec;
    }
}
