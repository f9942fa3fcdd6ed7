package dev.tern.smtp;

import java.util.ArrayList;
import java.util.List;

/** RFC 5322 3.4 address lists, read leniently for the addresses in them. Pure. */
public final class AddressList {
    private AddressList() {
    }

    /**
     * The addr-specs of an RFC 5322 address list (a From, To, Cc or Bcc field's value, or sendmail's
     * command-line argument), in order: display names, comments and group names are dropped, {@code <...>}
     * gives the address (without an obsolete source route), an empty group yields nothing. Quoted local parts
     * are kept as written, and case too.
     */
    public static List<String> addrSpecs(String list) {
        List<String> out = new ArrayList<>();
        StringBuilder element = new StringBuilder();
        String angle = null;
        StringBuilder inAngle = null;
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < list.length()) {
                    (inAngle != null ? inAngle : element).append(c).append(list.charAt(++i));
                    continue;
                }
                quoted = c != '"';
                (inAngle != null ? inAngle : element).append(c);
            } else if (depth > 0) { // a comment, possibly nested
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
            } else if (c == '(') {
                depth = 1;
            } else if (c == '"') {
                quoted = true;
                (inAngle != null ? inAngle : element).append(c);
            } else if (inAngle != null) {
                if (c == '>') {
                    angle = inAngle.toString();
                    inAngle = null;
                } else {
                    inAngle.append(c);
                }
            } else if (c == '<') {
                inAngle = new StringBuilder();
            } else if (c == ':') {
                element.setLength(0); // a group's display name
            } else if (c == ',' || c == ';') {
                add(out, angle != null ? angle : element.toString());
                element.setLength(0);
                angle = null;
            } else {
                element.append(c);
            }
        }
        // an unclosed <: the rest is the address, so that a malformed field still yields something to compare
        add(out, inAngle != null ? inAngle.toString() : angle != null ? angle : element.toString());
        return out;
    }

    private static void add(List<String> out, String addr) {
        String a = addr.strip();
        int route = a.startsWith("@") ? a.indexOf(':') : -1; // an obsolete source route: @a,@b:user@c
        if (route > 0) {
            a = a.substring(route + 1);
        }
        StringBuilder sb = new StringBuilder(); // drop folding white space, except inside a quoted local part
        boolean quoted = false;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c == '"' && (i == 0 || a.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            }
            if (quoted || !Character.isWhitespace(c)) {
                sb.append(c);
            }
        }
        if (!sb.isEmpty()) {
            out.add(sb.toString());
        }
    }
}
