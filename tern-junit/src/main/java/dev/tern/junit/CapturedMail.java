package dev.tern.junit;

import dev.tern.capture.CapturedMessage;
import java.time.Instant;
import java.util.List;

/**
 * One message the test server accepted: its envelope (every RCPT TO, so BCC recipients are there), its raw
 * octets exactly as received, the decoded subject, headers and text, a parsed jakarta.mail
 * {@code MimeMessage} on request, and what the session showed (EHLO name, TLS, AUTH user).
 */
public record CapturedMail(CapturedMessage message) {

    /** The queue ID given in the 250 reply. */
    public String id() {
        return message.id();
    }

    /** MAIL FROM's address; "" for the null reverse-path {@code <>}. */
    public String envelopeFrom() {
        return message.sender();
    }

    /** Every RCPT TO address, in order: To, Cc and Bcc recipients alike. */
    public List<String> envelopeRecipients() {
        return message.recipients();
    }

    /** The content exactly as received (dot-unstuffed; no Received header was added). */
    public byte[] raw() {
        return message.raw().clone();
    }

    /** The content as UTF-8 text. */
    public String rawText() {
        return message.rawText();
    }

    /** The decoded Subject, or null. */
    public String subject() {
        return message.subject();
    }

    /** The first value of a header field (any case), decoded; null when absent. */
    public String header(String name) {
        return message.header(name);
    }

    /** Every value of a header field (any case), decoded. */
    public List<String> headers(String name) {
        return message.headers(name);
    }

    /** The text of every text/* part, decoded, joined by newlines. */
    public String text() {
        return message.text();
    }

    /** The message parsed by jakarta.mail (needs Angus Mail, or another jakarta.mail, on the class path). */
    public jakarta.mail.internet.MimeMessage mimeMessage() {
        return Mime.parse(message.raw());
    }

    /** The name the client gave in EHLO or HELO. */
    public String ehlo() {
        return message.helo();
    }

    /** The TLS protocol (TLSv1.3, TLSv1.2), or null when the session was not encrypted. */
    public String tlsProtocol() {
        return message.tlsProtocol();
    }

    /** The TLS cipher suite, or null when the session was not encrypted. */
    public String tlsCipher() {
        return message.tlsCipher();
    }

    /** The user the client authenticated as (AUTH), or null. */
    public String authUser() {
        return message.user();
    }

    /** MAIL FROM's BODY parameter (7BIT, 8BITMIME), or null. */
    public String body() {
        return message.params().body();
    }

    /** True when MAIL FROM carried SMTPUTF8. */
    public boolean smtpUtf8() {
        return message.params().smtpUtf8();
    }

    /** MAIL FROM's DSN RET parameter (FULL, HDRS), or null. */
    public String dsnRet() {
        return message.params().ret();
    }

    /** MAIL FROM's DSN ENVID, decoded, or null. */
    public String dsnEnvid() {
        return message.params().envid();
    }

    public Instant arrival() {
        return message.arrival();
    }

    @Override
    public String toString() {
        return message.summary();
    }
}
