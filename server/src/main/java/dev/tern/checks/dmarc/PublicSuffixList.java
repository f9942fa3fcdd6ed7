package dev.tern.checks.dmarc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Public Suffix List (https://publicsuffix.org/list/) and its algorithm: normal, wildcard ({@code *.ck}) and
 * exception ({@code !www.ck}) rules, and the default rule {@code *} for names under a top-level domain the list
 * does not name (so {@code sub.example.test} has the registrable domain {@code example.test}). Both the ICANN and
 * the private sections are used. Names are compared in their ASCII (A-label) form, lower case.
 *
 * <p>{@link #bundled()} is the copy shipped as {@code dev/tern/checks/public_suffix_list.dat}; docs/authentication.md
 * says how to update it.
 */
public final class PublicSuffixList {
    private static final String RESOURCE = "/dev/tern/checks/public_suffix_list.dat";

    private final Set<String> rules = new HashSet<>();
    private final Set<String> wildcards = new HashSet<>(); // "ck" for "*.ck"
    private final Set<String> exceptions = new HashSet<>(); // "www.ck" for "!www.ck"
    private final String source;
    /**
     * Organizational domains found lately, by the name asked: DMARC asks the same few for message after message,
     * and each answer costs an IDNA conversion and a walk over the labels.
     */
    private final ConcurrentHashMap<String, String> organizational = new ConcurrentHashMap<>();
    private static final int MEMO_MAX = 10_000;

    private PublicSuffixList(List<String> lines) {
        String src = "unknown";
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("// Tern: ")) {
                src = line.substring("// Tern: ".length());
            }
            if (line.isEmpty() || line.startsWith("//")) {
                continue;
            }
            int space = line.indexOf(' ');
            String rule = ascii(space < 0 ? line : line.substring(0, space));
            if (rule.startsWith("!")) {
                exceptions.add(rule.substring(1));
            } else if (rule.startsWith("*.")) {
                wildcards.add(rule.substring(2));
            } else {
                rules.add(rule);
            }
        }
        source = src;
    }

    /** A list from the lines of a file in the PSL format. */
    public static PublicSuffixList of(List<String> lines) {
        return new PublicSuffixList(lines);
    }

    private static final class Bundled {
        static final PublicSuffixList LIST = load();

        private static PublicSuffixList load() {
            try (InputStream in = PublicSuffixList.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the jar");
                }
                return of(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The list shipped with Tern (read once). */
    public static PublicSuffixList bundled() {
        return Bundled.LIST;
    }

    /** Where the list came from: the commit and date of the shipped copy. */
    public String source() {
        return source;
    }

    /** The number of rules. */
    public int size() {
        return rules.size() + wildcards.size() + exceptions.size();
    }

    private static String ascii(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        try {
            return IDN.toASCII(lower, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return lower;
        }
    }

    /** The public suffix of {@code domain} (A-labels, lower case), or null when it is not a domain name. */
    public String publicSuffix(String domain) {
        String[] labels = labels(domain);
        if (labels == null) {
            return null;
        }
        return String.join(".", java.util.Arrays.copyOfRange(labels, labels.length - suffixLabels(labels), labels.length));
    }

    /**
     * The registrable domain: the public suffix and one more label (the PSL's checkPublicSuffix); null when
     * {@code domain} is itself a public suffix or not a domain name.
     */
    public String registrableDomain(String domain) {
        String[] labels = labels(domain);
        if (labels == null) {
            return null;
        }
        int n = suffixLabels(labels);
        if (n >= labels.length) {
            return null;
        }
        return String.join(".", java.util.Arrays.copyOfRange(labels, labels.length - n - 1, labels.length));
    }

    /**
     * RFC 7489 3.2: the organizational domain: the registrable domain, or the name itself when it is a public
     * suffix; null only when it is not a domain name.
     */
    public String organizationalDomain(String domain) {
        if (domain == null) {
            return null;
        }
        String known = organizational.get(domain);
        if (known == null) {
            String r = registrableDomain(domain);
            known = r != null ? r : (labels(domain) == null ? "" : String.join(".", labels(domain)));
            if (domain.length() <= 255) { // no longer name is a domain: such answers are not worth keeping
                if (organizational.size() >= MEMO_MAX) {
                    organizational.clear(); // crude but bounded; refilled by the domains in use
                }
                organizational.put(domain, known);
            }
        }
        return known.isEmpty() ? null : known; // "": not a domain name (a map holds no null)
    }

    /** How many labels from the right the public suffix has. */
    private int suffixLabels(String[] labels) {
        for (int i = 0; i < labels.length; i++) {
            String candidate = String.join(".", java.util.Arrays.copyOfRange(labels, i, labels.length));
            int len = labels.length - i;
            if (exceptions.contains(candidate)) {
                return len - 1;
            }
            String parent = i + 1 < labels.length ? candidate.substring(labels[i].length() + 1) : null;
            if (rules.contains(candidate) || (parent != null && wildcards.contains(parent))) {
                return len;
            }
        }
        return 1; // the default rule "*"
    }

    /** Lower-case A-labels, or null for an empty name, a leading dot or an empty label. */
    private static String[] labels(String domain) {
        if (domain == null) {
            return null;
        }
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (d.isEmpty() || d.startsWith(".")) {
            return null;
        }
        String a = ascii(d);
        String[] labels = a.split("\\.", -1);
        for (String l : labels) {
            if (l.isEmpty()) {
                return null;
            }
        }
        return labels;
    }
}
