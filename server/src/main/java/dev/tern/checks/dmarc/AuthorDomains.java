package dev.tern.checks.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The author domains of a message: the domain of each address in its From: field(s) (RFC 5322 3.6.2), in order,
 * as DMARC needs them. Tolerant: comments and display names are skipped; an address without a domain gives
 * nothing. Bounded: at most {@link #MAX} domains are returned.
 */
public final class AuthorDomains {
    /** The most domains returned (a From: field with more addresses is abuse). */
    public static final int MAX = 20;

    private AuthorDomains() {
    }

    /** @param fieldBodies the unfolded bodies of the message's From: fields (after "From:") */
    public static List<String> of(List<String> fieldBodies) {
        List<String> out = new ArrayList<>();
        for (String body : fieldBodies) {
            for (String address : addresses(body)) {
                int at = address.lastIndexOf('@');
                if (at >= 0 && at < address.length() - 1 && out.size() < MAX) {
                    String d = address.substring(at + 1).strip().toLowerCase(Locale.ROOT);
                    if (d.endsWith(";")) {
                        d = d.substring(0, d.length() - 1).strip(); // the end of a group
                    }
                    if (d.endsWith(".")) {
                        d = d.substring(0, d.length() - 1);
                    }
                    if (!d.isEmpty() && plain(d)) {
                        out.add(d);
                    }
                }
            }
        }
        return out;
    }

    /** No space, control character, angle bracket or quote. */
    private static boolean plain(String d) {
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            if (c <= ' ' || c == '<' || c == '>' || c == '"') {
                return false;
            }
        }
        return true;
    }

    /** The addr-specs of a mailbox-list: the angle-addr of each mailbox, or the mailbox itself; comments removed. */
    private static List<String> addresses(String body) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        StringBuilder angle = null;
        int comment = 0;
        boolean quoted = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue; // display names and quoted local-parts never hold the domain
            }
            if (comment > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    comment++;
                } else if (c == ')') {
                    comment--;
                }
                continue;
            }
            switch (c) {
                case '"' -> quoted = true;
                case '(' -> comment = 1;
                case '<' -> angle = new StringBuilder();
                case '>' -> {
                    if (angle != null) {
                        current.setLength(0);
                        current.append(angle);
                        angle = null;
                    }
                }
                case ',' -> {
                    if (angle == null) {
                        out.add(current.toString().strip());
                        current.setLength(0);
                    }
                }
                default -> (angle != null ? angle : current).append(c);
            }
        }
        out.add(current.toString().strip());
        return out;
    }
}
