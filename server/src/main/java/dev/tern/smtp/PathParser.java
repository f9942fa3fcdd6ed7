package dev.tern.smtp;

/**
 * Parses reverse-paths and forward-paths by the grammar of RFC 5321 section 4.1.2, widened by RFC 6531
 * (UTF-8 in local parts and domains) when the transaction uses SMTPUTF8. Pure: no I/O.
 */
public final class PathParser {
    /** RFC 5321 4.5.3.1: limits in octets. */
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_DOMAIN = 255;
    static final int MAX_PATH = 256;

    /** Why a path could not be parsed; the message is fit for a reply text. */
    /** A character of the client's for a reply's text: quoted when printable ASCII, else its code point (U+000A). */
    static String shown(char c) {
        return c > ' ' && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    public static final class PathException extends Exception {
        public PathException(String message) {
            super(message);
        }
    }

    private final String s;
    private int pos;

    private PathParser(String s) {
        this.s = s;
    }

    /**
     * Parses {@code <mailbox>} or {@code <>} (returns null: the null reverse-path), ignoring a source route.
     * The whole string must be the path.
     */
    public static Mailbox reversePath(String path) throws PathException {
        if (path.equals("<>")) {
            return null;
        }
        return parse(path, false);
    }

    /**
     * Parses a forward-path. {@code <postmaster>} without a domain, in any case, is allowed (RFC 5321 4.1.1.3)
     * and comes back as a mailbox with an empty domain.
     */
    public static Mailbox forwardPath(String path) throws PathException {
        if (Mailbox.isAscii(path) && path.equalsIgnoreCase("<postmaster>")) { // no "<po\u017Ftmaster>"
            return new Mailbox(path.substring(1, path.length() - 1), "");
        }
        if (path.equals("<>")) {
            throw new PathException("the null path <> is not a valid recipient");
        }
        return parse(path, true);
    }

    private static Mailbox parse(String path, boolean forward) throws PathException {
        if (path.length() < 2 || path.charAt(0) != '<' || path.charAt(path.length() - 1) != '>') {
            throw new PathException("the address must be enclosed in <>");
        }
        if (utf8Length(path) > MAX_PATH) { // RFC 5321 4.5.3.1.3: the angle brackets count
            throw new PathException("the path is longer than " + MAX_PATH + " octets");
        }
        PathParser p = new PathParser(path);
        p.pos = 1;
        p.skipSourceRoute();
        Mailbox m = p.mailbox();
        if (p.pos != path.length() - 1) {
            throw new PathException("unexpected character " + shown(path.charAt(p.pos)) + " in the address");
        }
        return m;
    }

    /** {@code @a.example,@b.example:} before the mailbox: to be accepted and ignored (RFC 5321 4.1.1.3, C). */
    private void skipSourceRoute() throws PathException {
        if (peek() != '@') {
            return;
        }
        while (true) {
            expect('@');
            domain();
            if (peek() == ',') {
                pos++;
                continue;
            }
            expect(':');
            return;
        }
    }

    private Mailbox mailbox() throws PathException {
        int start = pos;
        if (peek() == '"') {
            quotedString();
        } else {
            dotString();
        }
        String local = s.substring(start, pos);
        if (utf8Length(local) > MAX_LOCAL_PART) {
            throw new PathException("the local part is longer than " + MAX_LOCAL_PART + " octets");
        }
        expect('@');
        int dstart = pos;
        if (peek() == '[') {
            addressLiteral();
        } else {
            domain();
        }
        String domain = s.substring(dstart, pos);
        if (utf8Length(domain) > MAX_DOMAIN) {
            throw new PathException("the domain is longer than " + MAX_DOMAIN + " octets");
        }
        return new Mailbox(local, domain);
    }

    private void dotString() throws PathException {
        atom();
        while (peek() == '.') {
            pos++;
            atom();
        }
    }

    private void atom() throws PathException {
        int start = pos;
        while (pos < s.length() && isAtext(s.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw new PathException(pos < s.length() - 1
                    ? "invalid character " + shown(s.charAt(pos)) + " in the local part"
                    : "the local part is empty or ends with a dot");
        }
    }

    private void quotedString() throws PathException {
        expect('"');
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == '"') {
                pos++;
                return;
            }
            if (c == '\\') {
                pos++;
                if (pos >= s.length() || s.charAt(pos) < 32 || s.charAt(pos) > 126) {
                    throw new PathException("invalid quoted pair in the local part");
                }
            } else if (!(c >= 32 && c <= 126 || c >= 0x80)) {
                throw new PathException("invalid character in the quoted local part");
            }
            pos++;
        }
        throw new PathException("unterminated quoted string in the local part");
    }

    private void domain() throws PathException {
        subDomain();
        while (peek() == '.') {
            pos++;
            subDomain();
        }
    }

    private void subDomain() throws PathException {
        int start = pos;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (isLetDig(c) || c == '-') {
                pos++;
            } else {
                break;
            }
        }
        if (pos == start) {
            throw new PathException("the domain is missing or has an empty label");
        }
        if (s.charAt(start) == '-' || s.charAt(pos - 1) == '-') {
            throw new PathException("a domain label may not begin or end with a hyphen");
        }
    }

    private void addressLiteral() throws PathException {
        expect('[');
        int start = pos;
        int end = s.indexOf(']', pos);
        if (end < 0) {
            throw new PathException("unterminated address literal");
        }
        String lit = s.substring(start, end);
        if (lit.regionMatches(true, 0, "IPv6:", 0, 5)) {
            if (!isIPv6(lit.substring(5))) {
                throw new PathException("invalid IPv6 address literal");
            }
        } else if (!isIPv4(lit)) {
            throw new PathException("invalid address literal");
        }
        pos = end + 1;
    }

    private static boolean isIPv4(String lit) {
        String[] parts = lit.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** IPv6-addr of RFC 5321 4.1.3: 8 groups, or fewer with one "::", optionally ending in an IPv4 address. */
    private static boolean isIPv6(String s) {
        int groupsWanted = 8;
        int lastColon = s.lastIndexOf(':');
        if (s.indexOf('.') >= 0) {
            if (lastColon < 0 || !isIPv4(s.substring(lastColon + 1))) {
                return false;
            }
            // the IPv4 tail takes the place of two groups: count it as one stand-in group and want one fewer
            s = s.substring(0, lastColon + 1) + "0";
            groupsWanted = 7;
        }
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        if (dc < 0) {
            return hexGroups(s) == groupsWanted;
        }
        String head = s.substring(0, dc);
        String tail = s.substring(dc + 2);
        int h = head.isEmpty() ? 0 : hexGroups(head);
        int t = tail.isEmpty() ? 0 : hexGroups(tail);
        return h >= 0 && t >= 0 && h + t <= groupsWanted - 2;
    }

    /** Number of colon-separated groups of 1 to 4 hex digits, or -1. */
    private static int hexGroups(String s) {
        String[] groups = s.split(":", -1);
        for (String g : groups) {
            if (g.isEmpty() || g.length() > 4 || !g.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return -1;
            }
        }
        return groups.length;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void expect(char c) throws PathException {
        if (peek() != c) {
            throw new PathException(pos < s.length() - 1
                    ? "expected '" + c + "' but found " + shown(s.charAt(pos)) + " in the address"
                    : "expected '" + c + "' in the address");
        }
        pos++;
    }

    /** atext of RFC 5322, plus any non-ASCII character (RFC 6531 UTF8-non-ascii). */
    static boolean isAtext(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0 || c >= 0x80;
    }

    private static boolean isLetDig(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
