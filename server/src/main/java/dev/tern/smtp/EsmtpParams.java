package dev.tern.smtp;

import java.util.Locale;
import java.util.Map;

/**
 * The ESMTP parameters of MAIL FROM (SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH) and RCPT TO (NOTIFY, ORCPT), each
 * checked on its own: all taken, giving their values, or the first bad one refused with the reply to send.
 * The {@link Session} decides whether parameters are allowed at all (only after EHLO) and counts a refusal as
 * an error.
 */
final class EsmtpParams {
    private EsmtpParams() {
    }

    /** What came of checking one command's parameters. */
    sealed interface Checked<T> {
    }

    /** Every parameter was good. */
    record Taken<T>(T value) implements Checked<T> {
    }

    /** A parameter was bad: send {@code reply}. */
    record Refused<T>(Reply reply) implements Checked<T> {
    }

    /** The RCPT parameters we support (RFC 3461): NOTIFY upper-cased and ORCPT decoded, each null when not given. */
    record RcptParams(String dsnNotify, String orcpt) {
    }

    /** Checks MAIL FROM's parameters; a declared SIZE over {@code maxMessageSize} is refused at once (RFC 1870). */
    static Checked<Transaction.MailParams> mail(Map<String, String> params, long maxMessageSize) {
        long size = -1;
        String body = null;
        boolean utf8 = false;
        String ret = null;
        String envid = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            String v = p.getValue();
            switch (p.getKey()) {
                case "SIZE" -> {
                    if (v == null || !v.matches("[0-9]{1,20}")) { // RFC 1870: 1*20DIGIT
                        return refused(501, "5.5.4", "SIZE needs a number of octets");
                    }
                    size = v.length() > 18 ? Long.MAX_VALUE : Long.parseLong(v);
                    if (size > maxMessageSize) {
                        return refused(552, "5.3.4", "Message size exceeds fixed maximum message size of "
                                + maxMessageSize + " octets");
                    }
                }
                case "BODY" -> {
                    if (v == null || !(v.equalsIgnoreCase("7BIT") || v.equalsIgnoreCase("8BITMIME"))) {
                        return refused(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
                    }
                    body = v.toUpperCase(Locale.ROOT);
                }
                case "SMTPUTF8" -> {
                    if (v != null) {
                        return refused(501, "5.5.4", "SMTPUTF8 takes no value");
                    }
                    utf8 = true;
                }
                case "RET" -> {
                    if (v == null || !(v.equalsIgnoreCase("FULL") || v.equalsIgnoreCase("HDRS"))) {
                        return refused(501, "5.5.4", "RET must be FULL or HDRS");
                    }
                    ret = v.toUpperCase(Locale.ROOT);
                }
                case "ENVID" -> {
                    envid = v == null ? null : Xtext.decode(v);
                    if (envid == null || envid.length() > 100) {
                        return refused(501, "5.5.4", "ENVID must be xtext of at most 100 characters");
                    }
                }
                case "AUTH" -> {
                    // RFC 4954 5: accepted; the submission issue decides whether to trust it
                }
                default -> {
                    return refused(555, "5.5.4", "Unsupported MAIL parameter " + Session.printable(p.getKey()));
                }
            }
        }
        return new Taken<>(new Transaction.MailParams(size, body, utf8, ret, envid));
    }

    /** Checks RCPT TO's parameters. */
    static Checked<RcptParams> rcpt(Map<String, String> params) {
        String notify = null;
        String orcpt = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            String v = p.getValue();
            switch (p.getKey()) {
                case "NOTIFY" -> {
                    if (v == null || !validNotify(v.toUpperCase(Locale.ROOT))) {
                        return refused(501, "5.5.4", "NOTIFY must be NEVER, or a list of SUCCESS, FAILURE and DELAY");
                    }
                    notify = v.toUpperCase(Locale.ROOT);
                }
                case "ORCPT" -> {
                    int semi = v == null ? -1 : v.indexOf(';');
                    String decoded = semi <= 0 ? null : Xtext.decode(v.substring(semi + 1));
                    if (decoded == null || decoded.isEmpty()) {
                        return refused(501, "5.5.4", "ORCPT must be addr-type;xtext, e.g. rfc822;alice@example.org");
                    }
                    orcpt = v.substring(0, semi) + ";" + decoded;
                }
                default -> {
                    return refused(555, "5.5.4", "Unsupported RCPT parameter " + Session.printable(p.getKey()));
                }
            }
        }
        return new Taken<>(new RcptParams(notify, orcpt));
    }

    /** RFC 3461 4.1: NEVER alone, or a list of SUCCESS, FAILURE and DELAY. */
    private static boolean validNotify(String v) {
        if (v.equals("NEVER")) {
            return true;
        }
        for (String s : v.split(",", -1)) {
            if (!(s.equals("SUCCESS") || s.equals("FAILURE") || s.equals("DELAY"))) {
                return false;
            }
        }
        return true;
    }

    private static <T> Checked<T> refused(int code, String status, String text) {
        return new Refused<>(Reply.of(code, status, text));
    }
}
