package dev.tern.checks.spf;

import dev.tern.checks.spf.SpfResult.Identity;
import dev.tern.checks.spf.SpfResult.Result;
import dev.tern.dns.DnsAnswer;
import dev.tern.dns.DnsLookup;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The SPF check (RFC 7208): check_host() for the MAIL FROM identity, or the HELO identity when the reverse-path
 * is null. Every mechanism and modifier, macros, and the limits of 4.6.4: at most 10 DNS-querying terms
 * (include, a, mx, ptr, exists, redirect) in the whole evaluation, at most 2 void lookups, at most 10 MX
 * records per mx, at most 10 PTR names per ptr (the rest ignored). Any DNS question that fails or runs out of
 * the {@link DnsLookup}'s time budget gives temperror; a syntax error anywhere in a record, or two SPF records,
 * permerror. Include and redirect loops end at the term limit.
 *
 * <p>One instance serves any number of checks; it holds no state between them.
 */
public final class Spf {
    /** DNS-querying terms in one evaluation (4.6.4). */
    public static final int MAX_DNS_TERMS = 10;
    /** Lookups answering NXDOMAIN or no records (4.6.4). */
    public static final int MAX_VOID_LOOKUPS = 2;
    /** MX records one mx mechanism may return (4.6.4). */
    public static final int MAX_MX = 10;
    /** PTR names one ptr mechanism (or %{p}) looks at (4.6.4). */
    public static final int MAX_PTR = 10;

    private final DnsLookup dns;
    private final String receiver;
    private final Clock clock;

    /**
     * @param dns      the DNS to ask (for a message: a view with the message's time budget)
     * @param receiver our host name, for the %{r} macro
     */
    public Spf(DnsLookup dns, String receiver, Clock clock) {
        this.dns = dns;
        this.receiver = receiver;
        this.clock = clock;
    }

    /** True when a TXT record is an SPF record: "v=spf1" alone or followed by a space (RFC 7208 4.5). */
    public static boolean isSpfRecord(String txt) {
        return SpfRecord.isSpf(txt);
    }

    /**
     * Checks the MAIL FROM identity (RFC 7208 2.4), or the HELO identity when {@code reversePath} is empty (the
     * null reverse-path {@code <>}).
     *
     * @param ip          the SMTP client's address
     * @param reversePath the MAIL FROM address without angle brackets; "" for {@code <>}
     * @param helo        the HELO/EHLO argument
     */
    public SpfResult check(InetAddress ip, String reversePath, String helo) {
        if (reversePath == null || reversePath.isEmpty()) {
            return checkHelo(ip, helo);
        }
        int at = reversePath.lastIndexOf('@');
        String local = at > 0 ? reversePath.substring(0, at) : "postmaster";
        String domain = stripDot(at >= 0 ? reversePath.substring(at + 1) : reversePath);
        return run(ip, local, domain, helo == null ? "" : helo, Identity.MAILFROM);
    }

    /** Checks the HELO identity (RFC 7208 2.3) as {@code postmaster@helo}; none for an address literal. */
    public SpfResult checkHelo(InetAddress ip, String helo) {
        String h = helo == null ? "" : stripDot(helo);
        return run(ip, "postmaster", h, h, Identity.HELO);
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private SpfResult run(InetAddress ip, String local, String domain, String helo, Identity identity) {
        String sender = local + "@" + domain;
        Evaluation e = new Evaluation(ip, local, domain.toLowerCase(Locale.ROOT), helo);
        Verdict v;
        try {
            v = e.checkHost(e.senderDomain);
        } catch (Abort a) {
            v = a.verdict;
        }
        String ipText = e.readableIp();
        String reason = switch (v.result) {
            case PASS -> "domain of " + sender + " designates " + ipText + " as permitted sender";
            case FAIL, SOFTFAIL -> "domain of " + sender + " does not designate " + ipText + " as permitted sender";
            case NEUTRAL -> ipText + " is neither permitted nor denied by domain of " + sender;
            case NONE, TEMPERROR, PERMERROR -> v.problem;
        };
        String explanation = v.result == Result.FAIL
                ? (v.explanation != null ? v.explanation : reason) : null;
        return new SpfResult(v.result, identity, sender, domain, reason, explanation);
    }

    /** What one check_host() call answered; {@code problem} says why for none, temperror and permerror. */
    private record Verdict(Result result, String problem, String explanation) {
        static Verdict of(Result r, String problem) {
            return new Verdict(r, problem, null);
        }
    }

    /** Ends the whole evaluation with a temperror or permerror. */
    private static final class Abort extends Exception {
        final Verdict verdict;

        Abort(Result r, String problem) {
            super(problem, null, false, false);
            verdict = Verdict.of(r, problem);
        }
    }

    /** The state of one top-level check: the counters of 4.6.4 span every include and redirect. */
    private final class Evaluation {
        final InetAddress ip;
        final boolean v6;
        final String local;
        final String senderDomain;
        final String helo;
        int dnsTerms;
        int voids;

        Evaluation(InetAddress ip, String local, String senderDomain, String helo) {
            this.ip = ip;
            this.v6 = ip instanceof Inet6Address;
            this.local = local;
            this.senderDomain = senderDomain;
            this.helo = helo;
        }

        Verdict checkHost(String domain) throws Abort {
            if (!isDomainName(domain)) {
                return Verdict.of(Result.NONE, "'" + domain + "' is not a domain name");
            }
            DnsAnswer<String> txt = dns.txt(domain);
            if (txt.isTemporary()) {
                return Verdict.of(Result.TEMPERROR, "SPF lookup for " + domain + ": " + txt.problem());
            }
            List<String> records = new ArrayList<>();
            for (String t : txt.values()) {
                if (SpfRecord.isSpf(t)) {
                    records.add(t);
                }
            }
            if (records.isEmpty()) {
                return Verdict.of(Result.NONE, txt instanceof DnsAnswer.NxDomain<String>
                        ? "domain " + domain + " does not exist" : "no SPF record at " + domain);
            }
            if (records.size() > 1) {
                return Verdict.of(Result.PERMERROR, "more than one SPF record at " + domain);
            }
            SpfRecord rec;
            try {
                rec = SpfRecord.parse(records.get(0));
            } catch (SpfSyntaxException e) {
                return Verdict.of(Result.PERMERROR, "SPF record of " + domain + ": " + e.getMessage());
            }
            for (SpfRecord.Directive d : rec.directives()) {
                if (d.mechanism().queriesDns()) {
                    countTerm();
                }
                if (matches(d.mechanism(), domain)) {
                    return new Verdict(d.qualifier(), null,
                            d.qualifier() == Result.FAIL ? explanation(rec, domain) : null);
                }
            }
            if (rec.redirect() != null) {
                countTerm();
                String target = expand(rec.redirect(), domain);
                Verdict v = checkHost(target);
                if (v.result == Result.NONE) {
                    throw new Abort(Result.PERMERROR, "redirect=" + target + ": " + v.problem);
                }
                return v;
            }
            return Verdict.of(Result.NEUTRAL, null);
        }

        void countTerm() throws Abort {
            if (++dnsTerms > MAX_DNS_TERMS) {
                throw new Abort(Result.PERMERROR, "more than " + MAX_DNS_TERMS + " DNS-querying terms");
            }
        }

        /** Throws temperror for a failed lookup; counts a void one. True when the answer has records. */
        boolean usable(DnsAnswer<?> a, String what) throws Abort {
            if (a.isTemporary()) {
                throw new Abort(Result.TEMPERROR, what + ": " + a.problem());
            }
            if (a.isVoid()) {
                if (++voids > MAX_VOID_LOOKUPS) {
                    throw new Abort(Result.PERMERROR, "more than " + MAX_VOID_LOOKUPS + " void lookups");
                }
                return false;
            }
            return true;
        }

        boolean matches(SpfRecord.Mechanism m, String domain) throws Abort {
            return switch (m) {
                case SpfRecord.All all -> true;
                case SpfRecord.Ip4 n -> !v6 && inNetwork(n.network(), n.prefix());
                case SpfRecord.Ip6 n -> v6 && inNetwork(n.network(), n.prefix());
                case SpfRecord.Include inc -> {
                    String target = expand(inc.domainSpec(), domain);
                    Verdict v = checkHost(target);
                    yield switch (v.result) {
                        case PASS -> true;
                        case FAIL, SOFTFAIL, NEUTRAL -> false;
                        case TEMPERROR, PERMERROR -> throw new Abort(v.result, v.problem);
                        case NONE -> throw new Abort(Result.PERMERROR, "include:" + target + ": " + v.problem);
                    };
                }
                case SpfRecord.A a -> {
                    String target = a.domainSpec() == null ? domain : expand(a.domainSpec(), domain);
                    yield anyInNetwork(target, a.v4Prefix(), a.v6Prefix(), true);
                }
                case SpfRecord.Mx mx -> {
                    String target = mx.domainSpec() == null ? domain : expand(mx.domainSpec(), domain);
                    DnsAnswer<DnsLookup.Mx> answer = dns.mx(target);
                    if (!usable(answer, "MX lookup for " + target)) {
                        yield false;
                    }
                    if (answer.values().size() > MAX_MX) {
                        throw new Abort(Result.PERMERROR, target + " has more than " + MAX_MX + " MX records");
                    }
                    for (DnsLookup.Mx r : answer.values()) {
                        if (!r.host().isEmpty() && anyInNetwork(r.host(), mx.v4Prefix(), mx.v6Prefix(), false)) {
                            yield true;
                        }
                    }
                    yield false;
                }
                case SpfRecord.Ptr p -> {
                    String target = (p.domainSpec() == null ? domain : expand(p.domainSpec(), domain))
                            .toLowerCase(Locale.ROOT);
                    for (String name : validatedNames(true)) {
                        if (name.equals(target) || name.endsWith("." + target)) {
                            yield true;
                        }
                    }
                    yield false;
                }
                case SpfRecord.Exists x -> {
                    String target = expand(x.domainSpec(), domain);
                    yield usable(dns.a(target), "A lookup for " + target); // always A, even for IPv6 (5.7)
                }
            };
        }

        /** Whether {@code host} has an address of the client's family inside the client's network. */
        private boolean anyInNetwork(String host, int v4Prefix, int v6Prefix, boolean countVoid) throws Abort {
            DnsAnswer<InetAddress> answer = dns.addresses(host, v6);
            String what = (v6 ? "AAAA" : "A") + " lookup for " + host;
            if (countVoid ? !usable(answer, what) : answer.isVoid()) {
                return false;
            }
            if (answer.isTemporary()) {
                throw new Abort(Result.TEMPERROR, what + ": " + answer.problem());
            }
            for (InetAddress a : answer.values()) {
                if (sameNetwork(a, ip, v6 ? v6Prefix : v4Prefix)) {
                    return true;
                }
            }
            return false;
        }

        private boolean inNetwork(InetAddress network, int prefix) {
            return sameNetwork(network, ip, prefix);
        }

        /** The names of the client's PTR records whose addresses include the client's (5.5), at most 10 looked at. */
        List<String> validatedNames(boolean countVoid) throws Abort {
            DnsAnswer<String> ptr = dns.ptr(ip);
            if (ptr.isTemporary()) {
                return List.of(); // 5.5: a DNS error on the PTR lookup: the mechanism does not match
            }
            if (ptr.isVoid()) {
                if (countVoid) {
                    usable(ptr, "PTR lookup");
                }
                return List.of();
            }
            List<String> names = ptr.values().subList(0, Math.min(MAX_PTR, ptr.values().size()));
            List<String> out = new ArrayList<>();
            for (String name : names) {
                DnsAnswer<InetAddress> a = dns.addresses(name, v6);
                for (InetAddress addr : a.values()) {
                    if (addr.equals(ip)) {
                        out.add(name.toLowerCase(Locale.ROOT));
                        break;
                    }
                }
            }
            return out;
        }

        String expand(String spec, String domain) throws Abort {
            try {
                return stripDot(Macros.expand(spec, values(domain), false));
            } catch (SpfSyntaxException e) {
                throw new Abort(Result.PERMERROR, e.getMessage());
            }
        }

        /** The explanation of a fail (6.2): the exp= text when it can be had, else null (the default is used). */
        String explanation(SpfRecord rec, String domain) {
            if (rec.exp() == null) {
                return null;
            }
            try {
                String target = stripDot(Macros.expand(rec.exp(), values(domain), false));
                DnsAnswer<String> txt = dns.txt(target);
                if (txt.values().size() != 1) {
                    return null;
                }
                String text = txt.values().get(0);
                Macros.check(text, true, "exp text");
                String expanded = Macros.expand(text, values(domain), true);
                StringBuilder sb = new StringBuilder();
                expanded.codePoints().filter(c -> c >= 0x20 && c < 0x7f).limit(512).forEach(sb::appendCodePoint);
                return sb.toString();
            } catch (SpfSyntaxException e) {
                return null;
            }
        }

        Macros.Values values(String domain) {
            return letter -> switch (letter) {
                case 's' -> local + "@" + senderDomain;
                case 'l' -> local;
                case 'o' -> senderDomain;
                case 'd' -> domain;
                case 'i' -> Macros.dotted(ip);
                case 'p' -> pValue(domain);
                case 'v' -> v6 ? "ip6" : "in-addr";
                case 'h' -> helo;
                case 'c' -> readableIp();
                case 'r' -> receiver;
                case 't' -> Long.toString(clock.instant().getEpochSecond());
                default -> throw new IllegalArgumentException("macro letter " + letter);
            };
        }

        /** %{p} (7.3): a validated name of the client, the domain itself or one under it preferred; else "unknown". */
        private String pValue(String domain) {
            List<String> names;
            try {
                names = validatedNames(false);
            } catch (Abort e) {
                names = List.of();
            }
            String d = domain.toLowerCase(Locale.ROOT);
            for (String n : names) {
                if (n.equals(d)) {
                    return n;
                }
            }
            for (String n : names) {
                if (n.endsWith("." + d)) {
                    return n;
                }
            }
            return names.isEmpty() ? "unknown" : names.get(0);
        }

        /** The client's address as %{c} shows it: dotted quad, or IPv6 in RFC 5952 form. */
        String readableIp() {
            return v6 ? compressed(ip) : ip.getHostAddress();
        }
    }

    static boolean sameNetwork(InetAddress a, InetAddress b, int prefix) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (x[i] != y[i]) {
                return false;
            }
        }
        int bits = prefix % 8;
        if (bits == 0) {
            return true;
        }
        int mask = (0xff << (8 - bits)) & 0xff;
        return (x[full] & mask) == (y[full] & mask);
    }

    /** 4.3: a multi-label name of labels 1 to 63 octets, at most 253 in all. */
    static boolean isDomainName(String d) {
        if (d.isEmpty() || d.length() > 253 || d.startsWith("[")) {
            return false;
        }
        String[] labels = d.split("\\.", -1);
        if (labels.length < 2) {
            return false;
        }
        for (String l : labels) {
            if (l.isEmpty() || l.length() > 63) {
                return false;
            }
        }
        return true;
    }

    /** RFC 5952 text of an IPv6 address: lower case, the longest run of two or more zero groups as "::". */
    static String compressed(InetAddress ip) {
        byte[] b = ip.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
