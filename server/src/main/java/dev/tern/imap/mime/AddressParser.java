package dev.tern.imap.mime;

import java.util.ArrayList;
import java.util.List;

/**
 * A lenient RFC 5322 address-list parser for ENVELOPE: mailboxes ({@code Name <a@b>}, {@code a@b}), routes
 * ({@code <@r1,@r2:a@b>}), groups ({@code team: a@b, c@d;}), quoted strings and comments. Never throws: what does
 * not parse becomes as close an address as the text allows (a mailbox with no host gets NIL as host).
 */
final class AddressParser {

    private final String s;
    private int i;

    private AddressParser(String s) {
        this.s = s;
    }

    /** The addresses, with group markers; null when there is none. */
    static List<Address> parse(String value) {
        if (value == null) {
            return null;
        }
        List<Address> out = new AddressParser(value).list();
        return out.isEmpty() ? null : out;
    }

    private List<Address> list() {
        List<Address> out = new ArrayList<>();
        while (i < s.length() && out.size() < 1000) {
            int before = i;
            entry(out, false);
            skipSpace();
            if (i < s.length() && (s.charAt(i) == ',' || s.charAt(i) == ';')) {
                i++;
            } else if (i == before) {
                i++; // a stray character: skip it, never loop
            }
        }
        return out;
    }

    /** One mailbox or group; words before {@code <}, {@code :} or {@code ,} are the phrase. */
    private void entry(List<Address> out, boolean inGroup) {
        List<String> words = new ArrayList<>();
        StringBuilder addr = new StringBuilder();
        while (true) {
            skipSpace();
            if (i >= s.length()) {
                break;
            }
            char c = s.charAt(i);
            if (c == ',' || (c == ';' && inGroup) || c == ';') {
                break;
            }
            if (c == '<') {
                i++;
                angle(out, words);
                return;
            }
            if (c == ':' && !inGroup) {
                i++;
                out.add(Address.groupStart(words.isEmpty() ? "" : String.join(" ", words)));
                while (true) {
                    skipSpace();
                    if (i >= s.length()) {
                        break;
                    }
                    if (s.charAt(i) == ';') {
                        i++;
                        break;
                    }
                    if (s.charAt(i) == ',') {
                        i++;
                        continue;
                    }
                    int before = i;
                    entry(out, true);
                    if (i == before) {
                        i++;
                    }
                }
                out.add(Address.groupEnd());
                return;
            }
            if (c == '"') {
                words.add(quoted());
            } else {
                words.add(atomLike());
            }
        }
        if (!words.isEmpty()) {
            out.add(addrSpec(String.join("", words), null, null));
        }
    }

    private void angle(List<Address> out, List<String> phrase) {
        int close = s.indexOf('>', i);
        String inner = close < 0 ? s.substring(i) : s.substring(i, close);
        i = close < 0 ? s.length() : close + 1;
        String route = null;
        if (inner.startsWith("@") && inner.indexOf(':') > 0) {
            route = inner.substring(0, inner.indexOf(':'));
            inner = inner.substring(inner.indexOf(':') + 1);
        }
        String name = phrase.isEmpty() ? null : String.join(" ", phrase);
        out.add(addrSpec(inner.strip(), name, route));
    }

    private static Address addrSpec(String spec, String name, String route) {
        int at = spec.lastIndexOf('@');
        String local = at < 0 ? spec : spec.substring(0, at);
        String host = at < 0 || at == spec.length() - 1 ? null : spec.substring(at + 1);
        if (local.length() > 1 && local.startsWith("\"") && local.endsWith("\"")) {
            local = local.substring(1, local.length() - 1);
        }
        return new Address(name, route, local, host);
    }

    private String quoted() {
        StringBuilder b = new StringBuilder();
        i++;
        while (i < s.length() && s.charAt(i) != '"') {
            if (s.charAt(i) == '\\' && i + 1 < s.length()) {
                i++;
            }
            b.append(s.charAt(i++));
        }
        i++;
        return b.toString();
    }

    private String atomLike() {
        int start = i;
        while (i < s.length() && "<>,;:\"() \t\r\n".indexOf(s.charAt(i)) < 0) {
            i++;
        }
        if (i == start) {
            i++;
            return "";
        }
        return s.substring(start, i);
    }

    private void skipSpace() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '(') {
                int depth = 0;
                while (i < s.length()) {
                    char d = s.charAt(i++);
                    if (d == '\\') {
                        i++;
                    } else if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            } else {
                return;
            }
        }
    }
}
