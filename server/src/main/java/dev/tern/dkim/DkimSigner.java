package dev.tern.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Signs a message with every key of its From: domain (RFC 6376, RFC 8463): {@code c=relaxed/relaxed}, no
 * {@code l=}, {@code t=} from the clock, {@code h=} naming each of {@link #SIGNED_FIELDS} present as often as
 * it occurs and From, To, Cc and Subject once more (so that no second one can be added unnoticed). The message
 * is streamed through a {@link Session} (the body hash in constant memory); the result is the DKIM-Signature
 * fields to put in front of exactly the octets given, which must be the octets sent (CRLF, dot-unstuffed).
 */
public final class DkimSigner {
    /** The header fields signed when present. */
    public static final List<String> SIGNED_FIELDS = List.of("from", "to", "cc", "subject", "date", "message-id",
            "reply-to", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding");
    /** Signed once more than they occur. */
    static final Set<String> OVERSIGNED = Set.of("from", "to", "cc", "subject");
    /** Width to fold the signature field at. */
    private static final int WIDTH = 76;

    /** The signing keys of a domain (e.g. {@link DkimKeys#keysFor}); an empty list: the domain signs nothing. */
    @FunctionalInterface
    public interface KeySource {
        List<SigningKey> keysFor(String domain);
    }

    /** The outcome of signing. */
    public sealed interface Outcome permits Signed, NotSigned {
    }

    /** The DKIM-Signature fields, each ending with CRLF, in the order to prepend them. */
    public record Signed(List<String> fields) implements Outcome {
        public Signed {
            fields = List.copyOf(fields);
        }

        /** All fields as one text (octets as ISO-8859-1 characters; the fields are ASCII). */
        public String text() {
            return String.join("", fields);
        }
    }

    /** Nothing was signed: no key for the From: domain, no From: field, a header section over 1 MiB. */
    public record NotSigned(String reason) implements Outcome {
    }

    private final Clock clock;

    public DkimSigner(Clock clock) {
        this.clock = clock;
    }

    /** Starts signing a message whose From: domain's keys {@code keys} gives. */
    public Session start(KeySource keys) {
        return new Session(keys);
    }

    /** Reads the whole message and signs it. */
    public Outcome sign(InputStream message, KeySource keys) throws IOException {
        Session s = start(keys);
        byte[] buf = new byte[16384];
        for (int n; (n = message.read(buf)) > 0; ) {
            s.update(buf, 0, n);
        }
        return s.finish();
    }

    /** One message being signed: feed it with {@link #update}, then {@link #finish}. */
    public final class Session {
        private final KeySource keys;
        private final BodyHasher body = new BodyHasher(Canonicalization.RELAXED);
        private List<HeaderField> fields;
        private boolean overflow;
        private final MessageScanner scanner = new MessageScanner() {
            @Override
            void headerDone(List<HeaderField> f, boolean o) {
                fields = f;
                overflow = o;
            }

            @Override
            void body(byte[] b, int off, int len) {
                body.update(b, off, len);
            }
        };

        private Session(KeySource keys) {
            this.keys = keys;
        }

        /** The next octets of the message (header and body as they come). */
        public void update(byte[] b, int off, int len) {
            scanner.update(b, off, len);
        }

        /** Feeds the last (or only) octets and finishes. */
        public Outcome finishWith(byte[] b) {
            update(b, 0, b.length);
            return finish();
        }

        /** Ends the message and signs it with each key of its From: domain. */
        public Outcome finish() {
            scanner.end();
            byte[] bh = body.digest();
            if (overflow) {
                return new NotSigned("header section over " + MessageScanner.MAX_HEADER + " octets");
            }
            HeaderField from = fields.stream().filter(f -> f.name().equals("from")).findFirst().orElse(null);
            if (from == null) {
                return new NotSigned("no From: field");
            }
            String domain = fromDomain(from);
            if (domain == null) {
                return new NotSigned("no domain in From: " + TagList.printable(from.value().strip()));
            }
            List<SigningKey> list = keys.keysFor(domain);
            if (list.isEmpty()) {
                return new NotSigned("no DKIM key for " + domain);
            }
            List<String> names = signedNames(fields);
            long t = clock.instant().getEpochSecond();
            List<String> out = new ArrayList<>();
            for (SigningKey key : list) {
                String unsigned = unsigned(key, t, names, Base64.getEncoder().encodeToString(bh));
                out.add(unsigned + fold(signatureValue(fields, unsigned, key), WIDTH - 3) + "\r\n");
            }
            return new Signed(out);
        }
    }

    /** The {@code h=} names for these fields: each signed field as often as it occurs, oversigned ones once more. */
    static List<String> signedNames(List<HeaderField> fields) {
        List<String> names = new ArrayList<>();
        for (String name : SIGNED_FIELDS) {
            long n = fields.stream().filter(f -> f.name().equals(name)).count() + (OVERSIGNED.contains(name) ? 1 : 0);
            for (long i = 0; i < n; i++) {
                names.add(name);
            }
        }
        return names;
    }

    /** The signature field up to and including {@code b=}, folded. */
    private static String unsigned(SigningKey key, long t, List<String> names, String bh) {
        StringBuilder sb = new StringBuilder("DKIM-Signature: v=1; a=").append(key.algorithm().tag())
                .append("; c=relaxed/relaxed; d=").append(key.domain()).append(";\r\n\ts=").append(key.selector())
                .append("; t=").append(t).append(";\r\n\th=");
        int col = 11;
        for (int i = 0; i < names.size(); i++) {
            String item = names.get(i) + (i + 1 < names.size() ? ":" : ";");
            if (col + item.length() > WIDTH) {
                sb.append("\r\n\t ");
                col = 9;
            }
            sb.append(item);
            col += item.length();
        }
        return sb.append("\r\n\tbh=").append(bh).append(";\r\n\tb=").toString();
    }

    /** A base64 value cut into lines of at most {@code width} characters, continued with CRLF TAB. */
    private static String fold(String value, int width) {
        StringBuilder sb = new StringBuilder(value.length() + value.length() / width * 3);
        for (int i = 0; i < value.length(); i += width) {
            if (i > 0) {
                sb.append("\r\n\t ");
            }
            sb.append(value, i, Math.min(value.length(), i + width));
        }
        return sb.toString();
    }

    /**
     * The {@code b=} value for a signature field that ends with an empty {@code b=}: the fields its {@code h=}
     * names and the field itself, relaxed, signed with the key.
     */
    static String signatureValue(List<HeaderField> fields, String unsigned, SigningKey key) {
        String h;
        try {
            h = TagList.parse(unsigned.substring(unsigned.indexOf(':') + 1)).get("h");
        } catch (TagList.Malformed e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        byte[] data = HeaderHash.data(fields, HeaderHash.names(h), Canonicalization.RELAXED, unsigned);
        try {
            return Base64.getEncoder().encodeToString(HeaderHash.sign(key.algorithm(), key.privateKey(), data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing with " + key.recordName() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The domain of the (first) address in a From: field, lower-cased: the part after the last '@' of the
     * first angle-bracketed address, else of the whole value without comments. Null when there is none.
     */
    public static String fromDomain(HeaderField from) {
        String v = from.value();
        int lt = v.indexOf('<');
        String addr;
        if (lt >= 0) {
            int gt = v.indexOf('>', lt);
            addr = gt < 0 ? v.substring(lt + 1) : v.substring(lt + 1, gt);
        } else {
            addr = v.replaceAll("\\([^)]*\\)", " ");
            int comma = addr.indexOf(',');
            addr = comma < 0 ? addr : addr.substring(0, comma);
        }
        int at = addr.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String d = addr.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        return d.matches("[^\\s<>@,;\"()]+") ? d : null;
    }
}
