package dev.tern.smtp;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Turns one command line (without its CRLF) into a {@link Command}, by the grammar of RFC 5321 section 4.1. */
public final class CommandParser {
    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
    private static final Pattern HTTP = Pattern.compile("(?i)(GET|POST|HEAD|PUT|DELETE|OPTIONS|CONNECT|PATCH) \\S+ HTTP/\\d.*");

    private CommandParser() {
    }

    public static Command parse(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1);
        return switch (verb) {
            case "EHLO", "HELO" -> hello(verb, arg.strip());
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> noArgs(arg, new Command.Data(), "DATA");
            case "BDAT" -> bdat(arg);
            case "RSET" -> noArgs(arg, new Command.Rset(), "RSET");
            case "NOOP" -> new Command.Noop(); // NOOP may carry a string, which is ignored
            case "QUIT" -> noArgs(arg, new Command.Quit(), "QUIT");
            case "HELP" -> new Command.Help();
            case "VRFY" -> arg.isBlank() ? invalid("501", "5.5.4", "VRFY needs an argument") : new Command.Vrfy();
            case "EXPN" -> arg.isBlank() ? invalid("501", "5.5.4", "EXPN needs an argument") : new Command.Expn();
            case "STARTTLS" -> noArgs(arg, new Command.StartTls(), "STARTTLS");
            case "AUTH" -> auth(arg);
            default -> HTTP.matcher(line).matches() ? new Command.Http() : new Command.Unknown(verb);
        };
    }

    private static Command hello(String verb, String arg) {
        if (arg.isEmpty()) {
            return invalid("501", "5.5.4", verb + " requires a domain name or address literal");
        }
        return new Command.Hello(arg.split(" ", 2)[0], verb.equals("EHLO"));
    }

    private static Command mail(String arg) {
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            return invalid("501", "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
        }
        String rest = stripLeadingSpace(arg.substring(5));
        int end = pathEnd(rest);
        if (end < 0) {
            return invalid("501", "5.1.7", "Syntax: MAIL FROM:<address>; the address must be in <>");
        }
        try {
            Mailbox m = PathParser.reversePath(rest.substring(0, end));
            Map<String, String> params = params(rest.substring(end));
            return params == null ? invalid("501", "5.5.4", "Syntax error in MAIL parameters") : new Command.Mail(m, params);
        } catch (PathParser.PathException e) {
            return invalid("501", "5.1.7", "Bad sender address syntax: " + e.getMessage());
        }
    }

    private static Command rcpt(String arg) {
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            return invalid("501", "5.5.4", "Syntax: RCPT TO:<address> [parameters]");
        }
        String rest = stripLeadingSpace(arg.substring(3));
        int end = pathEnd(rest);
        if (end < 0) {
            return invalid("501", "5.1.3", "Syntax: RCPT TO:<address>; the address must be in <>");
        }
        try {
            Mailbox m = PathParser.forwardPath(rest.substring(0, end));
            Map<String, String> params = params(rest.substring(end));
            return params == null ? invalid("501", "5.5.4", "Syntax error in RCPT parameters") : new Command.Rcpt(m, params);
        } catch (PathParser.PathException e) {
            return invalid("501", "5.1.3", "Bad recipient address syntax: " + e.getMessage());
        }
    }

    /** Index just past the closing '>' of a path that starts at 0, honouring quoted strings; -1 if none. */
    private static int pathEnd(String s) {
        if (s.isEmpty() || s.charAt(0) != '<') {
            return -1;
        }
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i + 1;
            }
        }
        return -1;
    }

    /** Parses {@code SP keyword[=value]} repeated; null on a syntax error. Keywords are upper-cased. */
    static Map<String, String> params(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.isEmpty()) {
            return out;
        }
        if (s.charAt(0) != ' ') {
            return null;
        }
        for (String p : s.substring(1).split(" ", -1)) {
            if (p.isEmpty()) {
                continue; // tolerate doubled spaces
            }
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq);
            String value = eq < 0 ? null : p.substring(eq + 1);
            if (!KEYWORD.matcher(key).matches() || value != null && !isValue(value)) {
                return null;
            }
            if (out.containsKey(key.toUpperCase(Locale.ROOT))) {
                return null; // a parameter given twice
            }
            out.put(key.toUpperCase(Locale.ROOT), value);
        }
        return out;
    }

    /** esmtp-value = 1*(%d33-60 / %d62-126), widened to UTF-8 by RFC 6531. */
    private static boolean isValue(String v) {
        if (v.isEmpty()) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '=' || c < 33 || c == 127) {
                return false;
            }
        }
        return true;
    }

    private static Command bdat(String arg) {
        String[] parts = arg.strip().split(" +");
        if (parts.length < 1 || parts.length > 2 || parts[0].isEmpty() || !parts[0].chars().allMatch(c -> c >= '0' && c <= '9')
                || parts[0].length() > 18) {
            return invalid("501", "5.5.4", "Syntax: BDAT <size> [LAST]");
        }
        boolean last = parts.length == 2;
        if (last && !parts[1].equalsIgnoreCase("LAST")) {
            return invalid("501", "5.5.4", "Syntax: BDAT <size> [LAST]");
        }
        return new Command.Bdat(Long.parseLong(parts[0]), last);
    }

    private static Command auth(String arg) {
        String[] parts = arg.strip().split(" +");
        if (parts[0].isEmpty() || parts.length > 2) {
            return invalid("501", "5.5.4", "Syntax: AUTH <mechanism> [initial-response]");
        }
        return new Command.Auth(parts[0].toUpperCase(Locale.ROOT), parts.length == 2 ? parts[1] : null);
    }

    private static Command noArgs(String arg, Command c, String verb) {
        return arg.isBlank() ? c : invalid("501", "5.5.4", verb + " takes no arguments");
    }

    private static String stripLeadingSpace(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return s.substring(i);
    }

    private static Command invalid(String code, String status, String text) {
        return new Command.Invalid(Reply.of(Integer.parseInt(code), status, text));
    }
}
