package dev.tern.checks.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DMARC policy record (RFC 7489 6.3). Tags are read case-insensitively; unknown tags are ignored; a bad value of
 * an optional tag falls back to its default (6.3: "discarded in favour of default values").
 *
 * @param policy    {@code p=}
 * @param subdomain {@code sp=}, or {@code p=} when absent
 * @param pct       {@code pct=}, 0 to 100 (default 100)
 * @param adkim     {@code adkim=}, relaxed by default
 * @param aspf      {@code aspf=}, relaxed by default
 * @param rua       aggregate report URIs (parsed, not used yet)
 * @param ruf       failure report URIs (parsed, not used yet)
 */
public record DmarcRecord(Policy policy, Policy subdomain, int pct, Alignment adkim, Alignment aspf, List<String> rua,
                          List<String> ruf) {

    /** What the domain owner asks for a failing message. */
    public enum Policy {
        NONE, QUARANTINE, REJECT;

        private final String token = name().toLowerCase(Locale.ROOT);

        public String token() {
            return token;
        }

        /** RFC 7489 6.6.4: the next less strict policy, for a message left out by {@code pct}. */
        Policy weaker() {
            return this == REJECT ? QUARANTINE : NONE;
        }
    }

    /** Identifier alignment mode (RFC 7489 3.1). */
    public enum Alignment {
        RELAXED, STRICT
    }

    /** Records parsed lately, by their text: the same few policies are read for message after message. */
    private static final int PARSED_MAX = 1024;
    private static final ConcurrentHashMap<String, Optional<DmarcRecord>> PARSED = new ConcurrentHashMap<>();

    public DmarcRecord {
        rua = List.copyOf(rua);
        ruf = List.copyOf(ruf);
    }

    /** True for a TXT record whose first tag is {@code v=DMARC1} (6.6.3 step 3 keeps only those). */
    public static boolean isDmarc(String txt) {
        int semi = txt.indexOf(';');
        String first = (semi < 0 ? txt : txt.substring(0, semi)).strip();
        int eq = first.indexOf('=');
        return eq > 0 && first.substring(0, eq).strip().equalsIgnoreCase("v")
                && first.substring(eq + 1).strip().equals("DMARC1");
    }

    /**
     * Parses a record {@link #isDmarc} accepted. Null when it has no usable policy: no valid {@code p=} (or an
     * invalid {@code sp=}) and no {@code rua=}; with a {@code rua=} such a record counts as {@code p=none} (6.6.3).
     */
    public static DmarcRecord parse(String txt) {
        Optional<DmarcRecord> r = PARSED.get(txt);
        if (r == null) {
            r = Optional.ofNullable(read(txt));
            if (PARSED.size() >= PARSED_MAX) {
                PARSED.clear(); // crude but bounded; refilled by the records in use
            }
            PARSED.put(txt, r);
        }
        return r.orElse(null);
    }

    /** {@link #parse} without the cache (parsing is pure: the same text always gives the same record). */
    private static DmarcRecord read(String txt) {
        Policy p = null;
        Policy sp = null;
        boolean spInvalid = false;
        int pct = 100;
        Alignment adkim = Alignment.RELAXED;
        Alignment aspf = Alignment.RELAXED;
        List<String> rua = new ArrayList<>();
        List<String> ruf = new ArrayList<>();
        String[] tags = txt.split(";");
        for (int i = 1; i < tags.length; i++) {
            String t = tags[i].strip();
            int eq = t.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = t.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = t.substring(eq + 1).strip();
            switch (name) {
                case "p" -> p = policy(value);
                case "sp" -> {
                    sp = policy(value);
                    spInvalid = sp == null;
                }
                case "pct" -> pct = value.matches("[0-9]{1,3}") && Integer.parseInt(value) <= 100
                        ? Integer.parseInt(value) : 100;
                case "adkim" -> adkim = alignment(value, adkim);
                case "aspf" -> aspf = alignment(value, aspf);
                case "rua" -> rua.addAll(uris(value));
                case "ruf" -> ruf.addAll(uris(value));
                default -> {
                    // unknown tags are ignored (6.3)
                }
            }
        }
        if (p == null || spInvalid) {
            if (rua.isEmpty()) {
                return null;
            }
            p = Policy.NONE;
            sp = null;
        }
        return new DmarcRecord(p, sp == null ? p : sp, pct, adkim, aspf, rua, ruf);
    }

    private static Policy policy(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "none" -> Policy.NONE;
            case "quarantine" -> Policy.QUARANTINE;
            case "reject" -> Policy.REJECT;
            default -> null;
        };
    }

    private static Alignment alignment(String v, Alignment fallback) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "r" -> Alignment.RELAXED;
            case "s" -> Alignment.STRICT;
            default -> fallback;
        };
    }

    private static List<String> uris(String v) {
        List<String> out = new ArrayList<>();
        for (String u : v.split(",")) {
            String s = u.strip();
            if (s.regionMatches(true, 0, "mailto:", 0, 7) && s.indexOf('@') > 7) {
                out.add(s);
            }
        }
        return out;
    }
}
