package dev.tern.checks;

import dev.tern.checks.dmarc.DmarcResult;
import dev.tern.checks.spf.SpfResult;
import java.util.ArrayList;
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
        List<String> results = new ArrayList<>(first);
        if (spf != null) {
            boolean helo = spf.identity() == SpfResult.Identity.HELO;
            results.add("spf=" + spf.result().token() + comment(spf.reason())
                    + (helo ? " smtp.helo=" + value(spf.domain()) : " smtp.mailfrom=" + value(spf.sender())));
        }
        if (dkim != null) {
            if (dkim.isEmpty()) {
                results.add("dkim=none");
            }
            for (DkimResult d : dkim) {
                StringBuilder sb = new StringBuilder("dkim=").append(d.result().token());
                if (d.reason() != null && d.result() != DkimResult.Result.PASS) {
                    sb.append(" reason=").append(quoted(d.reason()));
                }
                if (d.domain() != null) {
                    sb.append(" header.d=").append(value(d.domain()));
                }
                if (d.selector() != null) {
                    sb.append(" header.s=").append(value(d.selector()));
                }
                String b = signaturePrefix(d, dkim);
                if (b != null) {
                    sb.append(" header.b=").append(value(b));
                }
                results.add(sb.toString());
            }
        }
        if (dmarc != null) {
            StringBuilder sb = new StringBuilder("dmarc=").append(dmarc.result().token());
            if (dmarc.result() == DmarcResult.Result.PASS || dmarc.result() == DmarcResult.Result.FAIL) {
                sb.append(" (p=").append(dmarc.policy().token()).append(" dis=").append(dmarc.disposition().token())
                        .append(')');
            }
            if (dmarc.result() != DmarcResult.Result.PASS && dmarc.reason() != null) {
                sb.append(" reason=").append(quoted(dmarc.reason()));
            }
            if (dmarc.fromDomain() != null) {
                sb.append(" header.from=").append(value(dmarc.fromDomain()));
            }
            results.add(sb.toString());
        }
        if (results.isEmpty()) {
            return NAME + ": " + value(authservId) + "; none\r\n";
        }
        return NAME + ": " + value(authservId) + ";\r\n\t" + String.join(";\r\n\t", results) + "\r\n";
    }

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

    /** A comment: " (text)" with parentheses and backslashes quoted; nothing for null. */
    private static String comment(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" (");
        for (char c : printable(text).toCharArray()) {
            if (c == '(' || c == ')' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append(')').toString();
    }

    /** A pvalue: as is when it is a token or local-part@domain of atext and dots, else a quoted-string. */
    static String value(String v) {
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-/=?^_`{|}~.@".indexOf(c) >= 0;
        }
        return plain && v.indexOf('@') == v.lastIndexOf('@') ? v : quoted(v);
    }

    private static String quoted(String v) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : printable(v).toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** Printable ASCII and spaces only: no line breaks or control characters reach the header. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 1000));
        for (int i = 0, n = 0; i < s.length() && n < 1000; n++) {
            int c = s.codePointAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
            i += Character.charCount(c);
        }
        return sb.toString();
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
