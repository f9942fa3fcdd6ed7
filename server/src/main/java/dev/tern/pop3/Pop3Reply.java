package dev.tern.pop3;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One POP3 response: {@code +OK text} or {@code -ERR [CODE] text} (RFC 2449 response codes), optionally followed
 * by the lines of a multi-line response, which are byte-stuffed and ended with a lone dot when written.
 *
 * @param ok    +OK or -ERR
 * @param code  the RFC 2449 response code without brackets (e.g. "IN-USE", "AUTH", "SYS/TEMP"), or null
 * @param text  the human text (may be empty)
 * @param lines the lines of a multi-line response, or null for a single line
 */
public record Pop3Reply(boolean ok, String code, String text, List<String> lines) {

    public Pop3Reply {
        lines = lines == null ? null : List.copyOf(lines);
    }

    public static Pop3Reply ok(String text) {
        return new Pop3Reply(true, null, text, null);
    }

    public static Pop3Reply ok(String text, List<String> lines) {
        return new Pop3Reply(true, null, text, lines);
    }

    public static Pop3Reply err(String text) {
        return new Pop3Reply(false, null, text, null);
    }

    public static Pop3Reply err(String code, String text) {
        return new Pop3Reply(false, code, text, null);
    }

    public boolean multiLine() {
        return lines != null;
    }

    /** The first line without CRLF, e.g. {@code -ERR [IN-USE] Mailbox in use}. */
    public String firstLine() {
        StringBuilder sb = new StringBuilder(ok ? "+OK" : "-ERR");
        if (code != null) {
            sb.append(" [").append(code).append(']');
        }
        if (!text.isEmpty()) {
            sb.append(' ').append(text);
        }
        return sb.toString();
    }

    /** The whole response as sent, CRLF line ends, multi-line responses byte-stuffed and dot-terminated. */
    public byte[] toBytes() {
        StringBuilder sb = new StringBuilder(firstLine()).append("\r\n");
        if (lines != null) {
            for (String l : lines) {
                if (l.startsWith(".")) {
                    sb.append('.');
                }
                sb.append(l).append("\r\n");
            }
            sb.append(".\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return firstLine();
    }
}
