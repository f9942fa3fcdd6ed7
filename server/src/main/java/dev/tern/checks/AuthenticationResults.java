package dev.tern.checks;

import dev.tern.checks.dmarc.DmarcResult;
import dev.tern.checks.spf.SpfResult;
import java.util.List;
import java.util.Locale;

/**
 * The Authentication-Results header field (RFC 8601): writing the one Tern adds to a message received on the MX,
 * and recognising arriving ones that claim Tern's authserv-id, so that they can be removed before ours is added
 * (RFC 8601 5: such fields are forgeries from outside).
 */
public final class AuthenticationResults {
    public static final String NAME = "Authentication-Results";

    private AuthenticationResults() {
    }

    /**
     * The whole header field, folded with one result per line and ending in CRLF:
     * <pre>
     * Authentication-Results: mx.example.net;
     * 	spf=pass (domain of a@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com;
     * 	dkim=pass header.d=example.com header.s=tern header.b=AbCdEfGh;
     * 	dmarc=pass (p=reject dis=none) header.from=example.com
     * </pre>
     *
     * @param authservId our host name ({@code hostname})
     * @param spf        null when SPF was not checked
     * @param dkim       null when DKIM was not checked; empty when the message had no signature ({@code dkim=none})
     * @param dmarc      null when DMARC was not checked
     */
    public static String header(String authservId, SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc) {
        return header(authservId, spf, dkim, dmarc, List.of());
    }

    /**
     * As {@link #header(String, SpfResult, List, DmarcResult)}, with {@code first} (resinfo already written,
     * such as RFC 8904's {@code dnswl=pass dns.zone=list.example policy.ip=127.0.10.1}) before the others.
     */
    public static String header(String authservId, SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc,
                                List<String> first) {
        // one builder for the whole field: each result goes after ";" CRLF TAB
        StringBuilder sb = new StringBuilder(256).append(NAME).append(": ");
        appendValue(sb, authservId);
        int length = sb.length();
        for (String f : first) {
            sb.append(NEXT).append(f);
        }
        if (spf != null) {
            boolean helo = spf.identity() == SpfResult.Identity.HELO;
            sb.append(NEXT).append("spf=").append(spf.result().token());
            if (spf.reason() != null && !spf.reason().isEmpty()) {
                sb.append(" (");
                appendPrintable(sb, spf.reason(), "()\\");
                sb.append(')');
            }
            sb.append(helo ? " smtp.helo=" : " smtp.mailfrom=");
            appendValue(sb, helo ? spf.domain() : spf.sender());
        }
        if (dkim != null) {
            if (dkim.isEmpty()) {
                sb.append(NEXT).append("dkim=none");
            }
            for (DkimResult d : dkim) {
                sb.append(NEXT).append("dkim=").append(d.result().token());
                if (d.reason() != null && d.result() != DkimResult.Result.PASS) {
                    sb.append(" reason=");
                    appendQuoted(sb, d.reason());
                }
                if (d.domain() != null) {
                    sb.append(" header.d=");
                    appendValue(sb, d.domain());
                }
                if (d.selector() != null) {
                    sb.append(" header.s=");
                    appendValue(sb, d.selector());
                }
                String b = signaturePrefix(d, dkim);
                if (b != null) {
                    sb.append(" header.b=");
                    appendValue(sb, b);
                }
            }
        }
        if (dmarc != null) {
            sb.append(NEXT).append("dmarc=").append(dmarc.result().token());
            if (dmarc.result() == DmarcResult.Result.PASS || dmarc.result() == DmarcResult.Result.FAIL) {
                sb.append(" (p=").append(dmarc.policy().token()).append(" dis=").append(dmarc.disposition().token())
                        .append(')');
            }
            if (dmarc.result() != DmarcResult.Result.PASS && dmarc.reason() != null) {
                sb.append(" reason=");
                appendQuoted(sb, dmarc.reason());
            }
            if (dmarc.fromDomain() != null) {
                sb.append(" header.from=");
                appendValue(sb, dmarc.fromDomain());
            }
        }
        if (sb.length() == length) {
            sb.append("; none");
        }
        return sb.append("\r\n").toString();
    }

    /** What goes before each result: the end of the previous one, and a fold. */
    private static final String NEXT = ";\r\n\t";

    /** RFC 6008: enough of b= to tell the signatures apart, 8 characters unless two share them. */
    private static String signaturePrefix(DkimResult d, List<DkimResult> all) {
        String b = d.signature();
        if (b == null || b.isEmpty()) {
            return null;
        }
        String prefix = b.length() > 8 ? b.substring(0, 8) : b;
        for (DkimResult o : all) {
            if (o != d && o.signature() != null && !o.signature().equals(b) && o.signature().startsWith(prefix)) {
                return b;
            }
        }
        return prefix;
    }

    /** A pvalue: as is when it is a token or local-part@domain of atext and dots, else a quoted-string. */
    static String value(String v) {
        return plain(v) ? v : appendQuoted(new StringBuilder(), v).toString();
    }

    private static void appendValue(StringBuilder sb, String v) {
        if (plain(v)) {
            sb.append(v);
        } else {
            appendQuoted(sb, v);
        }
    }

    private static boolean plain(String v) {
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-/=?^_`{|}~.@".indexOf(c) >= 0;
        }
        return plain && v.indexOf('@') == v.lastIndexOf('@');
    }

    private static StringBuilder appendQuoted(StringBuilder sb, String v) {
        sb.append('"');
        appendPrintable(sb, v, "\"\\");
        return sb.append('"');
    }

    /**
     * Appends printable ASCII and spaces only (any other character becomes '?', at most 1,000 characters), so
     * that no line break or control character reaches the header, with a backslash before each of {@code quote}.
     */
    private static void appendPrintable(StringBuilder sb, String s, String quote) {
        for (int i = 0, n = 0; i < s.length() && n < 1000; n++) {
            int c = s.codePointAt(i);
            char p = c >= 0x20 && c < 0x7f ? (char) c : '?';
            if (quote.indexOf(p) >= 0) {
                sb.append('\\');
            }
            sb.append(p);
            i += Character.charCount(c);
        }
    }

    /**
     * True when {@code field} (one whole header field, "Name: body", possibly folded) is an
     * Authentication-Results field whose authserv-id is {@code authservId} (compared case-insensitively).
     */
    public static boolean claims(String field, String authservId) {
        int colon = field.indexOf(':');
        if (colon < 0 || !field.substring(0, colon).strip().equalsIgnoreCase(NAME)) {
            return false;
        }
        String id = authservId(field.substring(colon + 1));
        return id != null && id.equalsIgnoreCase(authservId);
    }

    /** The authserv-id at the start of a field body, after any CFWS; null when there is none. */
    static String authservId(String body) {
        int i = 0;
        int depth = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
            } else if (c == '(') {
                depth = 1;
            } else if (!Character.isWhitespace(c)) {
                break;
            }
            i++;
        }
        if (i >= body.length()) {
            return null;
        }
        StringBuilder id = new StringBuilder();
        if (body.charAt(i) == '"') {
            for (i++; i < body.length() && body.charAt(i) != '"'; i++) {
                if (body.charAt(i) == '\\' && i + 1 < body.length()) {
                    i++;
                }
                id.append(body.charAt(i));
            }
        } else {
            for (; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == ';' || c == '(' || Character.isWhitespace(c)) {
                    break;
                }
                id.append(c);
            }
        }
        return id.isEmpty() ? null : id.toString().toLowerCase(Locale.ROOT);
    }
}
