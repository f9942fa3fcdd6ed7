package dev.tern.checks;

import dev.tern.checks.dmarc.DmarcRecord;
import dev.tern.checks.dmarc.PublicSuffixList;
import dev.tern.checks.spf.Spf;
import dev.tern.checks.spf.SpfResult;
import dev.tern.dns.DnsAnswer;
import dev.tern.dns.DnsLookup;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code tern dns check DOMAIN}: the records a domain needs for Tern (MX, SPF, each DKIM selector, DMARC), each
 * compared with what DNS answers. Pure logic on a {@link DnsLookup}; the command prints {@link #format}.
 */
public final class DnsCheck {
    /** The SPF record suggested when a domain has none: its MX hosts (Tern) may send, nothing else. */
    public static final String SPF_RECORD = "v=spf1 mx -all";
    /** The DMARC record suggested when a domain has none (raise p= once mail is seen to pass). */
    public static final String DMARC_RECORD = "v=DMARC1; p=none";

    /** How a record compares with what it should be. */
    public enum Status {
        PRESENT, MISSING, DIFFERENT, UNKNOWN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One needed record.
     *
     * @param kind    MX, SPF, DKIM or DMARC
     * @param name    the owner name
     * @param status  present, missing, different, or unknown (DNS did not answer)
     * @param publish the record to publish, in zone-file form; null when there is nothing to publish (no DKIM key)
     * @param found   what DNS has now (records as text), maybe empty
     * @param note    one line more, or null
     */
    public record Item(String kind, String name, Status status, String publish, List<String> found, String note) {
        public Item {
            found = List.copyOf(found);
        }
    }

    private final DnsLookup dns;
    private final Clock clock;

    /**
     * One DKIM key Tern signs with, as its TXT record needs it.
     *
     * @param selector  the {@code s=} it signs with
     * @param algorithm "rsa" or "ed25519" (the record's {@code k=})
     * @param publicKey the {@code p=} value, base64
     */
    public record DkimKey(String selector, String algorithm, String publicKey) {
        /** The TXT record value: {@code v=DKIM1; k=rsa; p=…}. */
        public String txt() {
            return "v=DKIM1; k=" + algorithm + "; p=" + publicKey;
        }
    }

    public DnsCheck(DnsLookup dns, Clock clock) {
        this.dns = dns;
        this.clock = clock;
    }

    /** Checks {@code domain} for a Tern whose host name is {@code hostname}, with the DKIM keys {@code keys}. */
    public List<Item> check(String domain, String hostname, List<DkimKey> keys) {
        String d = strip(domain).toLowerCase(Locale.ROOT);
        String host = strip(hostname).toLowerCase(Locale.ROOT);
        List<Item> items = new ArrayList<>();
        items.add(mx(d, host));
        items.add(spf(d, host));
        if (keys.isEmpty()) {
            items.add(new Item("DKIM", d, Status.MISSING, null, List.of(),
                    "no DKIM key for " + d + ": run `tern dkim keygen " + d + "`"));
        }
        for (DkimKey k : keys) {
            items.add(dkim(d, k));
        }
        items.add(dmarc(d));
        return items;
    }

    private Item mx(String d, String host) {
        String publish = d + ". IN MX 10 " + host + ".";
        DnsAnswer<DnsLookup.Mx> mx = dns.mx(d);
        if (mx.isTemporary()) {
            return new Item("MX", d, Status.UNKNOWN, publish, List.of(), "DNS: " + mx.problem());
        }
        List<String> found = new ArrayList<>();
        boolean ours = false;
        for (DnsLookup.Mx m : mx.values()) {
            found.add(m.preference() + " " + m.host() + ".");
            ours |= m.host().equals(host);
        }
        Status s = ours ? Status.PRESENT : found.isEmpty() ? Status.MISSING : Status.DIFFERENT;
        return new Item("MX", d, s, publish, found, ours || found.isEmpty() ? null : "no MX record points at " + host);
    }

    private Item spf(String d, String host) {
        String publish = d + ". IN TXT " + zoneText(SPF_RECORD);
        DnsAnswer<String> txt = dns.txt(d);
        if (txt.isTemporary()) {
            return new Item("SPF", d, Status.UNKNOWN, publish, List.of(), "DNS: " + txt.problem());
        }
        List<String> found = txt.values().stream().filter(Spf::isSpfRecord).toList();
        if (found.isEmpty()) {
            return new Item("SPF", d, Status.MISSING, publish, found, null);
        }
        if (found.size() > 1) {
            return new Item("SPF", d, Status.DIFFERENT, publish, found, "more than one SPF record: receivers get permerror");
        }
        // the record is right when it lets Tern's addresses send as the domain
        List<InetAddress> ours = new ArrayList<>(dns.a(host).values());
        ours.addAll(dns.aaaa(host).values());
        if (ours.isEmpty()) {
            return new Item("SPF", d, Status.PRESENT, publish, found, host + " has no address: not evaluated");
        }
        Spf spf = new Spf(dns, host, clock);
        for (InetAddress ip : ours) {
            SpfResult r = spf.check(ip, "postmaster@" + d, host);
            if (r.result() != SpfResult.Result.PASS) {
                return new Item("SPF", d, Status.DIFFERENT, publish, found,
                        "gives " + r.result().token() + " for " + ip.getHostAddress() + " (" + host + "): " + r.reason());
            }
        }
        return new Item("SPF", d, Status.PRESENT, publish, found, null);
    }

    private Item dkim(String d, DkimKey k) {
        String name = k.selector() + "._domainkey." + d;
        String publish = name + ". IN TXT " + zoneText(k.txt());
        DnsAnswer<String> txt = dns.txt(name);
        if (txt.isTemporary()) {
            return new Item("DKIM", name, Status.UNKNOWN, publish, List.of(), "DNS: " + txt.problem());
        }
        List<String> found = txt.values();
        for (String t : found) {
            if (k.publicKey().equals(tag(t, "p")) && k.algorithm().equals(tag(t, "k") == null ? "rsa" : tag(t, "k"))) {
                return new Item("DKIM", name, Status.PRESENT, publish, found, null);
            }
        }
        return new Item("DKIM", name, found.isEmpty() ? Status.MISSING : Status.DIFFERENT, publish, found,
                found.isEmpty() ? null : "the published key is not the " + k.algorithm() + " key Tern signs with");
    }

    private Item dmarc(String d) {
        String name = "_dmarc." + d;
        String publish = name + ". IN TXT " + zoneText(DMARC_RECORD);
        DnsAnswer<String> txt = dns.txt(name);
        if (txt.isTemporary()) {
            return new Item("DMARC", name, Status.UNKNOWN, publish, List.of(), "DNS: " + txt.problem());
        }
        List<String> found = txt.values().stream().filter(DmarcRecord::isDmarc).toList();
        if (found.size() == 1) {
            boolean valid = DmarcRecord.parse(found.get(0)) != null;
            return new Item("DMARC", name, valid ? Status.PRESENT : Status.DIFFERENT, publish, found,
                    valid ? null : "no valid p= policy");
        }
        if (found.size() > 1) {
            return new Item("DMARC", name, Status.DIFFERENT, publish, found, "more than one DMARC record: receivers ignore them all");
        }
        String org = PublicSuffixList.bundled().organizationalDomain(d);
        if (org != null && !org.equals(d)) {
            List<String> inherited = dns.txt("_dmarc." + org).values().stream().filter(DmarcRecord::isDmarc).toList();
            if (inherited.size() == 1) {
                return new Item("DMARC", name, Status.PRESENT, publish, inherited, "inherited from _dmarc." + org);
            }
        }
        return new Item("DMARC", name, Status.MISSING, publish, List.of(), null);
    }

    /** The value of a tag in a tag=value; list (DKIM key record, DMARC record), whitespace removed; null if absent. */
    static String tag(String record, String name) {
        for (String t : record.split(";")) {
            int eq = t.indexOf('=');
            if (eq > 0 && t.substring(0, eq).strip().equalsIgnoreCase(name)) {
                return t.substring(eq + 1).replaceAll("\\s+", "");
            }
        }
        return null;
    }

    /** A TXT value as zone-file text: quoted strings of at most 255 octets, separated by spaces. */
    public static String zoneText(String value) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length(); i += 255) {
            if (i > 0) {
                sb.append(' ');
            }
            String part = value.substring(i, Math.min(value.length(), i + 255));
            sb.append('"').append(part.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.isEmpty() ? "\"\"" : sb.toString();
    }

    /** The report, one record a paragraph; the exit status is {@link #allPresent}. */
    public static String format(List<Item> items) {
        StringBuilder sb = new StringBuilder();
        for (Item i : items) {
            sb.append(String.format(Locale.ROOT, "%-9s %-5s %s%n", i.status().label(), i.kind(), i.name()));
            for (String f : i.found()) {
                sb.append("          found:   ").append(zoneText(f)).append(System.lineSeparator());
            }
            if (i.note() != null) {
                sb.append("          note:    ").append(i.note()).append(System.lineSeparator());
            }
            if (i.status() != Status.PRESENT && i.publish() != null) {
                sb.append("          publish: ").append(i.publish()).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    public static boolean allPresent(List<Item> items) {
        return items.stream().allMatch(i -> i.status() == Status.PRESENT);
    }

    private static String strip(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
