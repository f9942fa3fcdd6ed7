package dev.tern.capture;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.parser.AbstractContentHandler;
import org.apache.james.mime4j.parser.MimeStreamParser;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * One message a capture-mode Tern accepted.
 *
 * @param id         the queue ID given in the 250 reply
 * @param sender     MAIL FROM's reverse-path, "" for {@code <>}
 * @param recipients every RCPT TO forward-path, in order (BCC recipients too)
 * @param raw        the content exactly as received (after dot-unstuffing; without Tern's Received header)
 * @param arrival    when it was accepted
 * @param client     the client's IP address
 * @param helo       the name given in EHLO or HELO
 * @param protocol   RFC 3848 {@code with}: ESMTP, ESMTPSA, UTF8SMTPS...
 * @param tls        "TLSv1.3 with cipher X" when the session used TLS, else null
 * @param user       the user authenticated with AUTH, or null
 * @param params     MAIL FROM facts: BODY (7BIT/8BITMIME or null), SMTPUTF8, DSN RET and ENVID (null if absent)
 */
public record CapturedMessage(String id, String sender, List<String> recipients, byte[] raw, Instant arrival,
                              String client, String helo, String protocol, String tls, String user,
                              MailParams params) {

    /** What MAIL FROM said beyond the address. */
    public record MailParams(String body, boolean smtpUtf8, String ret, String envid) {
    }

    public CapturedMessage {
        recipients = List.copyOf(recipients);
    }

    /** The TLS protocol (TLSv1.3...), or null without TLS. */
    public String tlsProtocol() {
        return tls == null ? null : tls.substring(0, tls.indexOf(' '));
    }

    /** The TLS cipher suite, or null without TLS. */
    public String tlsCipher() {
        return tls == null ? null : tls.substring(tls.lastIndexOf(' ') + 1);
    }

    /** The content as UTF-8 text (raw octets that are not UTF-8 become U+FFFD). */
    public String rawText() {
        return new String(raw, StandardCharsets.UTF_8);
    }

    /** The header fields, unfolded, in order: name and value as sent (encoded words decoded). */
    public List<Map.Entry<String, String>> headers() {
        String text = new String(raw, 0, headerLength(), StandardCharsets.UTF_8).replaceAll("\r?\n[ \t]", " ");
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.add(Map.entry(line.substring(0, colon).trim(),
                        DecoderUtil.decodeEncodedWords(line.substring(colon + 1).trim(), DecodeMonitor.SILENT)));
            }
        }
        return out;
    }

    /** Every value of header field {@code name} (any case), decoded. */
    public List<String> headers(String name) {
        return headers().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    /** The first value of header field {@code name} (any case), decoded; null when absent. */
    public String header(String name) {
        List<String> all = headers(name);
        return all.isEmpty() ? null : all.get(0);
    }

    /** The Subject, decoded; null when absent. */
    public String subject() {
        return header("Subject");
    }

    /** The text of every text/* part, transfer encoding and charset decoded, joined by newlines. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        MimeStreamParser parser = new MimeStreamParser(MimeConfig.PERMISSIVE);
        parser.setContentDecoding(true);
        parser.setContentHandler(new AbstractContentHandler() {
            @Override
            public void body(BodyDescriptor bd, InputStream is) throws IOException {
                if (bd.getMimeType().toLowerCase(Locale.ROOT).startsWith("text/")) {
                    if (!sb.isEmpty()) {
                        sb.append('\n');
                    }
                    sb.append(new String(is.readAllBytes(), charset(bd.getCharset())));
                }
            }
        });
        try {
            parser.parse(new ByteArrayInputStream(raw));
        } catch (MimeException | IOException e) {
            sb.append(rawText()); // not MIME we can read: the raw text is the best there is
        }
        return sb.toString();
    }

    /** One line for lists of what arrived: ID, envelope and subject. */
    public String summary() {
        return id + " from=<" + sender + "> to=" + recipients + " subject=" + subject();
    }

    @Override
    public String toString() {
        return summary();
    }

    private static Charset charset(String name) {
        try {
            return name == null ? StandardCharsets.US_ASCII : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** Octets of the header section, up to (not including) the empty line; all of it when there is none. */
    private int headerLength() {
        for (int i = 0; i + 1 < raw.length; i++) {
            if (raw[i] == '\n' && (raw[i + 1] == '\n' || raw[i + 1] == '\r' && i + 2 < raw.length && raw[i + 2] == '\n')) {
                return i + 1;
            }
        }
        return raw.length;
    }
}
