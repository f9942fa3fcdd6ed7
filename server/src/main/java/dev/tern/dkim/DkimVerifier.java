package dev.tern.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Verifies the DKIM signatures of a message (RFC 6376 6, RFC 8463, RFC 8301): the first
 * {@link Settings#maxSignatures} DKIM-Signature fields from the top, each to one {@link DkimResult}; the rest
 * are not looked at, so 1,000 signatures cost no more than five. The message streams through a
 * {@link Session}: when its header section is complete the key lookups start (on virtual threads, one per
 * distinct key name) while the body hashes (one per body canonicalization in use) are computed; at
 * {@link Session#finish} the lookups get at most the time budget left, after which a signature whose key has
 * not come is {@code temperror}. Nothing here throws for bad input: every problem is a result with a reason.
 */
public final class DkimVerifier {
    /** Largest RSA key accepted, in bits: verifying with larger ones costs time for nothing. */
    static final int MAX_RSA_BITS = 8192;
    /** RFC 8301 3.2: smaller RSA keys never make a pass. */
    static final int MIN_RSA_BITS = 1024;

    private static final ExecutorService LOOKUPS = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param maxSignatures  how many DKIM-Signature fields are verified, from the top
     * @param budget         how long {@link Session#finish()} waits for key lookups at most
     * @param clockAllowance how far {@code t=} may lie in the future and {@code x=} in the past
     */
    public record Settings(int maxSignatures, Duration budget, Duration clockAllowance) {
        /** 5 signatures, 5 seconds, 5 minutes. */
        public static Settings defaults() {
            return new Settings(5, Duration.ofSeconds(5), Duration.ofMinutes(5));
        }
    }

    /** The name of the field, in lower case, as octets. */
    private static final byte[] SIGNATURE_NAME = "dkim-signature".getBytes(StandardCharsets.US_ASCII);

    private final TxtLookup lookup;
    private final Clock clock;
    private final Settings settings;

    public DkimVerifier(TxtLookup lookup, Clock clock, Settings settings) {
        this.lookup = lookup;
        this.clock = clock;
        this.settings = settings;
    }

    public Session start() {
        return new Session();
    }

    /** Reads the whole message and verifies its signatures. */
    public List<DkimResult> verify(InputStream message) throws IOException {
        Session s = start();
        byte[] buf = new byte[16384];
        for (int n; (n = message.read(buf)) > 0; ) {
            s.update(buf, 0, n);
        }
        return s.finish();
    }

    /** A signature that parsed: what evaluating it needs once the body hash and the key are there. */
    private record Parsed(HeaderField field, TagList tags, int valueStart, Algorithm algorithm, Canonicalization header,
            Canonicalization body, String domain, String selector, String identity, List<String> names, byte[] bh,
            byte[] b, String bText, String keyName) {
    }

    /** One message being verified: feed it with {@link #update}, then {@link #finish}. */
    public final class Session {
        /** In header order: a finished result, or a parsed signature still to evaluate. */
        private final List<Object> signatures = new ArrayList<>();
        /** The body hashers and the key lookups the signatures need; null until the first signature parses. */
        private Map<Canonicalization, BodyHasher> hashers;
        private Map<String, Future<TxtLookup.Answer>> keys;
        private List<HeaderField> fields = List.of();
        private final MessageScanner scanner = new MessageScanner() {
            @Override
            void headerDone(List<HeaderField> f, boolean overflow) {
                fields = f;
                headers(overflow);
            }

            @Override
            void body(byte[] b, int off, int len) {
                if (hashers != null) {
                    for (BodyHasher h : hashers.values()) {
                        h.update(b, off, len);
                    }
                }
            }

            /** Only a section with a DKIM-Signature field in it is split into fields (most mail has none). */
            @Override
            boolean needsFields(byte[] header, int length) {
                return containsIgnoreCase(header, length, SIGNATURE_NAME);
            }
        };

        private Session() {
        }

        public void update(byte[] b, int off, int len) {
            scanner.update(b, off, len);
        }

        /** Ends the message and verifies, waiting for keys at most {@link Settings#budget}. */
        public List<DkimResult> finish() {
            return finish(settings.budget());
        }

        /** Ends the message and verifies, waiting for keys at most {@code budget} (what a caller has left). */
        public List<DkimResult> finish(Duration budget) {
            scanner.end();
            if (signatures.isEmpty()) {
                return List.of();
            }
            Map<Canonicalization, byte[]> bodyHashes = new EnumMap<>(Canonicalization.class);
            if (hashers != null) {
                hashers.forEach((c, h) -> bodyHashes.put(c, h.digest()));
            }
            long deadline = System.nanoTime() + budget.toNanos();
            List<DkimResult> out = new ArrayList<>();
            for (Object o : signatures) {
                out.add(o instanceof Parsed p ? evaluate(p, bodyHashes.get(p.body()), deadline) : (DkimResult) o);
            }
            if (keys != null) {
                keys.values().forEach(f -> f.cancel(true));
            }
            return out;
        }

        private void headers(boolean overflow) {
            for (HeaderField f : fields) {
                if (!f.name().equals("dkim-signature")) {
                    continue;
                }
                if (signatures.size() == settings.maxSignatures()) {
                    break;
                }
                Object sig = overflow ? result(DkimResult.Status.NEUTRAL, "header section over "
                        + MessageScanner.MAX_HEADER + " octets", null) : parse(f);
                signatures.add(sig);
                if (sig instanceof Parsed p) {
                    if (hashers == null) {
                        hashers = new EnumMap<>(Canonicalization.class);
                        keys = new HashMap<>();
                    }
                    hashers.computeIfAbsent(p.body(), BodyHasher::new);
                    keys.computeIfAbsent(p.keyName(), name -> LOOKUPS.submit(() -> lookup.txt(name)));
                }
            }
        }

        private DkimResult evaluate(Parsed p, byte[] bodyHash, long deadline) {
            TxtLookup.Answer answer;
            Future<TxtLookup.Answer> future = keys.get(p.keyName());
            try {
                answer = future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                return result(p, DkimResult.Status.TEMPERROR, "no answer for " + p.keyName() + " within the time budget");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return result(p, DkimResult.Status.TEMPERROR, "interrupted while looking up " + p.keyName());
            } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                return result(p, DkimResult.Status.TEMPERROR, "key lookup for " + p.keyName() + " failed");
            }
            KeyRecord key;
            switch (answer) {
                case TxtLookup.TempError t -> {
                    return result(p, DkimResult.Status.TEMPERROR, TagList.printable(t.reason()));
                }
                case TxtLookup.NotFound n -> {
                    return result(p, DkimResult.Status.PERMERROR, "no key record at " + p.keyName());
                }
                case TxtLookup.Records r -> {
                    if (r.texts().isEmpty()) {
                        return result(p, DkimResult.Status.PERMERROR, "no key record at " + p.keyName());
                    }
                    KeyRecord first = null;
                    String problem = null;
                    for (String text : r.texts()) {
                        try {
                            first = KeyRecord.parse(text);
                            break;
                        } catch (KeyRecord.Invalid e) {
                            problem = problem == null ? e.getMessage() : problem;
                        }
                    }
                    if (first == null) {
                        return result(p, DkimResult.Status.PERMERROR, problem);
                    }
                    key = first;
                }
            }
            return check(p, key, bodyHash);
        }

        private DkimResult check(Parsed p, KeyRecord key, byte[] bodyHash) {
            if (key.revoked()) {
                return result(p, DkimResult.Status.PERMERROR, "key revoked (empty p=)");
            }
            String refused = key.refuses(p.algorithm());
            if (refused != null) {
                return result(p, DkimResult.Status.PERMERROR, refused);
            }
            if (key.flags().contains("s") && p.identity() != null && !p.identity().equals(p.domain())) {
                return result(p, DkimResult.Status.PERMERROR, "key record has t=s, i= is a subdomain of d=");
            }
            PublicKey publicKey;
            try {
                publicKey = key.publicKey(p.algorithm());
            } catch (KeyRecord.Invalid e) {
                return result(p, DkimResult.Status.PERMERROR, e.getMessage());
            }
            int bits = KeyRecord.rsaBits(publicKey);
            if (p.algorithm() == Algorithm.RSA_SHA256 && bits < MIN_RSA_BITS) {
                return result(p, DkimResult.Status.POLICY, "RSA key of " + bits + " bits (RFC 8301: at least 1024)");
            }
            if (bits > MAX_RSA_BITS) {
                return result(p, DkimResult.Status.PERMERROR, "RSA key of " + bits + " bits (at most 8192)");
            }
            if (!MessageDigest.isEqual(bodyHash, p.bh())) {
                return result(p, DkimResult.Status.FAIL, "body hash did not verify");
            }
            TagList.Tag bTag = p.tags().tags().get("b");
            String raw = p.field().raw();
            String withoutB = raw.substring(0, p.valueStart() + bTag.start()) + raw.substring(p.valueStart() + bTag.end());
            byte[] data = HeaderHash.data(fields, p.names(), p.header(), withoutB);
            boolean ok;
            try {
                ok = HeaderHash.verify(p.algorithm(), publicKey, data, p.b());
            } catch (GeneralSecurityException | RuntimeException e) {
                ok = false;
            }
            String testing = key.testing() ? "key in testing mode (t=y)" : null;
            return ok ? result(p, DkimResult.Status.PASS, testing)
                    : result(p, DkimResult.Status.FAIL, "signature did not verify");
        }
    }

    /** Parses one DKIM-Signature field: a {@link Parsed} signature, or the result that ends it already. */
    private Object parse(HeaderField f) {
        String raw = f.raw();
        int colon = raw.indexOf(':') + 1;
        String value = raw.endsWith("\r\n") ? raw.substring(colon, raw.length() - 2) : raw.substring(colon);
        TagList tags;
        try {
            tags = TagList.parse(value);
        } catch (TagList.Malformed e) {
            return result(DkimResult.Status.NEUTRAL, "malformed signature: " + e.getMessage(), null);
        }
        String domain = tags.get("d") == null ? null : tags.get("d").toLowerCase(Locale.ROOT);
        String selector = tags.get("s") == null ? null : tags.get("s").toLowerCase(Locale.ROOT);
        String bText = tags.get("b") == null ? null : TagList.compact(tags.get("b"));
        DkimResult ids = new DkimResult(null, null, isName(domain) ? domain : null, isName(selector) ? selector : null,
                tags.get("a") != null && tags.get("a").matches("[A-Za-z0-9-]{1,32}") ? tags.get("a") : null,
                bText != null && bText.matches("[A-Za-z0-9+/=]+") ? bText : null);
        for (String required : new String[] {"v", "a", "b", "bh", "d", "h", "s"}) {
            if (tags.get(required) == null) {
                return result(DkimResult.Status.NEUTRAL, "signature has no " + required + "= tag", ids);
            }
        }
        if (!tags.get("v").equals("1")) {
            return result(DkimResult.Status.NEUTRAL, "signature has v=" + TagList.printable(tags.get("v")), ids);
        }
        if (tags.get("a").equalsIgnoreCase("rsa-sha1")) {
            return result(DkimResult.Status.POLICY, "rsa-sha1 is not accepted (RFC 8301)", ids);
        }
        Algorithm algorithm = Algorithm.of(tags.get("a"));
        if (algorithm == null) {
            return result(DkimResult.Status.NEUTRAL, "unknown algorithm", ids);
        }
        if (tags.get("l") != null) {
            return result(DkimResult.Status.POLICY, "l= (a signed body length) is not accepted", ids);
        }
        String c = tags.get("c") == null ? "simple/simple" : tags.get("c");
        int slash = c.indexOf('/');
        Canonicalization hc = Canonicalization.of(slash < 0 ? c : c.substring(0, slash));
        Canonicalization bc = slash < 0 ? Canonicalization.SIMPLE : Canonicalization.of(c.substring(slash + 1));
        if (hc == null || bc == null) {
            return result(DkimResult.Status.NEUTRAL, "unknown canonicalization c=" + TagList.printable(c), ids);
        }
        String q = tags.get("q");
        if (q != null && !List.of(TagList.compact(q).split(":")).contains("dns/txt")) {
            return result(DkimResult.Status.NEUTRAL, "q= does not offer dns/txt", ids);
        }
        if (ids.domain() == null || ids.selector() == null) {
            return result(DkimResult.Status.NEUTRAL, "d= or s= is not a domain name", ids);
        }
        String keyName = selector + "._domainkey." + domain;
        if (keyName.length() > 253 || !keyName.matches("([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\\.)*[a-z0-9_-]{1,63}")) {
            return result(DkimResult.Status.NEUTRAL, "d= or s= is not a domain name", ids);
        }
        List<String> names = HeaderHash.names(tags.get("h"));
        if (!names.contains("from")) {
            return result(DkimResult.Status.NEUTRAL, "From: is not signed (h=)", ids);
        }
        String identity = null;
        if (tags.get("i") != null) {
            String i = tags.get("i");
            identity = i.substring(i.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            if (!i.contains("@") || !(identity.equals(domain) || identity.endsWith("." + domain))) {
                return result(DkimResult.Status.NEUTRAL, "i= is not in the domain d=", ids);
            }
        }
        long now = clock.instant().getEpochSecond();
        long allowance = settings.clockAllowance().toSeconds();
        Long t = number(tags.get("t"));
        Long x = number(tags.get("x"));
        if (t == null && tags.get("t") != null || x == null && tags.get("x") != null) {
            return result(DkimResult.Status.NEUTRAL, "t= or x= is not a number", ids);
        }
        if (t != null && x != null && x < t) {
            return result(DkimResult.Status.NEUTRAL, "x= is before t=", ids);
        }
        if (x != null && now > x + allowance) {
            return result(DkimResult.Status.NEUTRAL, "signature expired", ids);
        }
        if (t != null && t > now + allowance) {
            return result(DkimResult.Status.NEUTRAL, "signature made in the future (t=)", ids);
        }
        byte[] bh;
        byte[] b;
        try {
            bh = Base64.getDecoder().decode(TagList.compact(tags.get("bh")));
            b = Base64.getDecoder().decode(bText);
        } catch (IllegalArgumentException e) {
            return result(DkimResult.Status.NEUTRAL, "b= or bh= is not base64", ids);
        }
        return new Parsed(f, tags, colon, algorithm, hc, bc, domain, selector, identity, names, bh, b, bText, keyName);
    }

    /** A decimal number of at most 12 digits (t= and x= are seconds), or null. */
    private static Long number(String s) {
        return s != null && s.matches("[0-9]{1,12}") ? Long.valueOf(s) : null;
    }

    private static boolean isName(String s) {
        return s != null && s.matches("[a-z0-9._-]{1,253}");
    }

    private static DkimResult result(DkimResult.Status status, String reason, DkimResult ids) {
        return ids == null ? new DkimResult(status, reason, null, null, null, null)
                : new DkimResult(status, reason, ids.domain(), ids.selector(), ids.algorithm(), ids.b());
    }

    private static DkimResult result(Parsed p, DkimResult.Status status, String reason) {
        return new DkimResult(status, reason, p.domain(), p.selector(), p.algorithm().tag(), p.bText());
    }

    /** Whether {@code lower} (lower-case ASCII) occurs among the first {@code length} octets, in any case. */
    static boolean containsIgnoreCase(byte[] b, int length, byte[] lower) {
        outer:
        for (int i = 0; i + lower.length <= length; i++) {
            for (int j = 0; j < lower.length; j++) {
                int c = b[i + j];
                if (c != lower[j] && (c | 0x20) != lower[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
