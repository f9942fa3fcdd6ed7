package dev.tern.imap.mime;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/** Header fields of one entity: unfolding, the content fields of BODYSTRUCTURE, and the ENVELOPE. */
final class Fields {

    /** Fields kept per entity. */
    static final int MAX_FIELDS = 1000;
    /** A field value longer than this is cut (the cached structure stays small). */
    static final int MAX_VALUE = 8 * 1024;

    private Fields() {
    }

    /** Header text (LF line ends) as unfolded fields; lines that are not fields are skipped. */
    static List<RawField> parse(String header) {
        List<RawField> out = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : header.split("\n", -1)) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (cur != null && cur.length() < MAX_VALUE) {
                    cur.append(line);
                }
                continue;
            }
            add(out, cur);
            cur = line.indexOf(':') > 0 ? new StringBuilder(line) : null;
        }
        add(out, cur);
        return out;
    }

    private static void add(List<RawField> out, StringBuilder field) {
        if (field == null || out.size() >= MAX_FIELDS) {
            return;
        }
        String f = field.length() > MAX_VALUE ? field.substring(0, MAX_VALUE) : field.toString();
        int colon = f.indexOf(':');
        String name = f.substring(0, colon).strip();
        if (name.isEmpty()) {
            return;
        }
        for (int k = 0; k < name.length(); k++) { // a loop, not a stream: once per field of every message read
            char c = name.charAt(k);
            if (c <= 0x20 || c >= 0x7f) {
                return;
            }
        }
        out.add(new RawField(name, f.substring(colon + 1).strip()));
    }

    /** Octets as text: UTF-8 when valid (RFC 6532 headers), else Latin-1 so that nothing is lost or thrown. */
    static String decode(byte[] b, int n) {
        boolean ascii = true;
        for (int k = 0; k < n && ascii; k++) {
            ascii = b[k] >= 0;
        }
        if (ascii) { // most lines: the same text, without a decoder and its buffers per line
            return new String(b, 0, n, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, n)).toString();
        } catch (CharacterCodingException e) {
            return new String(b, 0, n, StandardCharsets.ISO_8859_1);
        }
    }

    /** The first field of that name (any case), or null. */
    static String get(List<RawField> fields, String name) {
        for (RawField f : fields) {
            if (f.getName().equalsIgnoreCase(name)) {
                return f.getBody();
            }
        }
        return null;
    }

    static BodyPart part(long headerStart, long bodyStart, long end, long lines, String type, String subtype,
                         List<NameValuePair> ctParams, List<RawField> fields, boolean message, List<BodyPart> parts) {
        RawFieldParser p = new RawFieldParser();
        String encoding = get(fields, "Content-Transfer-Encoding");
        encoding = encoding == null || encoding.isBlank() ? "7bit" : encoding.strip().toLowerCase(Locale.ROOT);
        String disposition = null;
        List<String> dispositionParams = List.of();
        String cd = get(fields, "Content-Disposition");
        if (cd != null) {
            RawBody body = p.parseRawBody(new RawField("Content-Disposition", cd));
            if (body.getValue() != null && !body.getValue().isBlank()) {
                disposition = body.getValue().toLowerCase(Locale.ROOT);
                dispositionParams = pairs(body.getParams());
            }
        }
        List<String> language = new ArrayList<>();
        String cl = get(fields, "Content-Language");
        if (cl != null) {
            for (String tag : cl.split("[,\\s]+")) {
                if (!tag.isEmpty() && language.size() < 20) {
                    language.add(tag);
                }
            }
        }
        List<String> params = pairs(ctParams);
        if (type.equals("text") && !params.contains("charset")) {
            params.add(0, "us-ascii");
            params.add(0, "charset");
        }
        return new BodyPart(headerStart, bodyStart, end, lines, type, subtype, params,
                get(fields, "Content-ID"), get(fields, "Content-Description"), encoding, get(fields, "Content-MD5"),
                disposition, dispositionParams, language, get(fields, "Content-Location"),
                message ? envelope(fields) : null, parts);
    }

    /** A parameter name that is one segment of an RFC 2231 continuation: {@code name*N} or {@code name*N*}. */
    private static final Pattern SEGMENT = Pattern.compile("(.+)\\*([0-9]{1,3})(\\*?)");

    /**
     * Parameters as name, value, … with names in lower case. The segments of an RFC 2231 continuation
     * ({@code name*0*=utf-8''a%20; name*1=b}) become one parameter where the first segment was, as Dovecot gives
     * them: {@code name*} with the segments joined when any is percent-encoded (the others encoded to match, and
     * {@code ''} before a first segment that names no charset), else {@code name} with the values joined.
     */
    private static List<String> pairs(List<NameValuePair> params) {
        List<String[]> entries = new ArrayList<>();
        Map<String, TreeMap<Integer, String[]>> continued = new HashMap<>();
        for (NameValuePair p : params) {
            if (p.getName() == null || p.getName().isEmpty() || entries.size() >= 100) {
                continue;
            }
            String name = p.getName().toLowerCase(Locale.ROOT);
            String value = p.getValue() == null ? "" : p.getValue();
            Matcher m = SEGMENT.matcher(name);
            if (!m.matches()) {
                entries.add(new String[] {name, value});
                continue;
            }
            TreeMap<Integer, String[]> segments = continued.get(m.group(1));
            if (segments == null) {
                segments = new TreeMap<>();
                continued.put(m.group(1), segments);
                entries.add(new String[] {m.group(1), null});
            }
            segments.putIfAbsent(Integer.parseInt(m.group(2)), new String[] {value, m.group(3)});
        }
        List<String> out = new ArrayList<>();
        for (String[] e : entries) {
            if (e[1] != null) {
                out.add(e[0]);
                out.add(e[1]);
                continue;
            }
            TreeMap<Integer, String[]> segments = continued.get(e[0]);
            boolean extended = segments.values().stream().anyMatch(v -> !v[1].isEmpty());
            StringBuilder value = new StringBuilder(extended && segments.firstEntry().getValue()[1].isEmpty()
                    ? "''" : "");
            for (String[] v : segments.values()) {
                value.append(extended && v[1].isEmpty() ? percentEncoded(v[0]) : v[0]);
            }
            out.add(extended ? e[0] + "*" : e[0]);
            out.add(value.toString());
        }
        return out;
    }

    /** RFC 2231's extended form of a plain value: octets other than attribute-char as %XX. */
    private static String percentEncoded(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && "*'%()<>@,;:\\\"/[]?=".indexOf(c) < 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    static Envelope envelope(List<RawField> fields) {
        List<Address> from = AddressParser.parse(get(fields, "From"));
        List<Address> sender = AddressParser.parse(get(fields, "Sender"));
        List<Address> replyTo = AddressParser.parse(get(fields, "Reply-To"));
        return new Envelope(get(fields, "Date"), get(fields, "Subject"), from, sender == null ? from : sender,
                replyTo == null ? from : replyTo, AddressParser.parse(get(fields, "To")),
                AddressParser.parse(get(fields, "Cc")), AddressParser.parse(get(fields, "Bcc")),
                get(fields, "In-Reply-To"), get(fields, "Message-ID"));
    }
}
