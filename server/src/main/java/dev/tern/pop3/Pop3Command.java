package dev.tern.pop3;

import java.util.List;
import java.util.Locale;

/**
 * One command line, split RFC 1939 style: a keyword (case-insensitive, stored upper-case) and arguments separated
 * by single spaces. {@link #rest} keeps everything after the keyword and its space as sent, for PASS, whose
 * argument may contain spaces (RFC 1939 section 7).
 *
 * @param keyword the keyword in upper case; empty for an empty line
 * @param args    the arguments (split on spaces; empty strings dropped)
 * @param rest    the text after the first space, unchanged ("" when none)
 */
public record Pop3Command(String keyword, List<String> args, String rest) {

    public Pop3Command {
        args = List.copyOf(args);
    }

    public static Pop3Command parse(String line) {
        int sp = line.indexOf(' ');
        String keyword = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String rest = sp < 0 ? "" : line.substring(sp + 1);
        List<String> args = rest.isEmpty() ? List.of()
                : java.util.Arrays.stream(rest.split(" ")).filter(s -> !s.isEmpty()).toList();
        return new Pop3Command(keyword, args, rest);
    }

    /** A message number: decimal digits only, 1..{@link Integer#MAX_VALUE}; else -1. */
    public static int number(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v == 0 ? -1 : v;
    }

    /** A count such as TOP's number of lines: decimal digits, 0 or more, capped at {@link Integer#MAX_VALUE}; else -1. */
    public static int count(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = Math.min(Integer.MAX_VALUE, v * 10 + (c - '0'));
        }
        return (int) v;
    }
}
