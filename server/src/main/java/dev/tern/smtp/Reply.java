package dev.tern.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply: a three-digit code, an RFC 3463 enhanced status code (empty for the greeting and the
 * EHLO reply, which carry none) and one or more lines of text.
 */
public record Reply(int code, String status, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code " + code);
        }
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs text");
        }
        for (String l : lines) {
            if (l.indexOf('\r') >= 0 || l.indexOf('\n') >= 0) { // a reply's line ends only where the writer ends it
                lines = lines.stream().map(x -> x.replace('\r', '?').replace('\n', '?')).toList();
                break;
            }
        }
    }

    public static Reply of(int code, String status, String text) {
        return new Reply(code, status, List.of(text));
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** The reply as sent on the wire, every line ended by CRLF. */
    public byte[] toBytes() {
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!status.isEmpty()) {
                sb.append(status).append(' ');
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The reply as one line for logs: {@code 250 2.0.0 Ok: queued as 1A2B}. */
    @Override
    public String toString() {
        return code + (status.isEmpty() ? "" : " " + status) + " " + String.join(" / ", lines);
    }
}
