package dev.tern.delivery;

import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.DkimSigner;
import dev.tern.dkim.SigningKey;
import dev.tern.log.MailLog;
import dev.tern.metrics.Counts;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueuedMessage;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The DKIM signatures of a message leaving through {@link RemoteDelivery}. Signed are mail from an authenticated
 * session (its RFC 3848 protocol name ends in {@code A}: ESMTPA, ESMTPSA, UTF8SMTPA, UTF8SMTPSA), mail relayed for a
 * client in {@code relay.trusted_networks} (programs on the machine through {@code tern sendmail}, hosts of the
 * local network: OpenDKIM's InternalHosts) and the notices Tern writes itself, with every key of the From: domain ({@link DkimKeys}, read again when the key files
 * change). The signatures are computed in one streaming pass over the content in the spool, which is exactly
 * what is sent to every peer (Tern never converts a body), so they hold with or without 8BITMIME. Signing never
 * keeps mail back: a message that cannot be signed goes unsigned, with a mail-log line saying why.
 */
public final class OutboundSigner {
    /** How a message that was to be signed left. */
    public enum Event {
        /** With at least one signature. */
        SIGNED,
        /** Unsigned: its From: domain has no (usable) key, or it has no From: domain. */
        UNSIGNED,
        /** Unsigned because signing failed: every key file unusable, the content unreadable, a key that cannot sign. */
        FAILED
    }

    private static final byte[] NONE = new byte[0];

    private final DkimSigner signer;
    private final DkimKeys keys;
    private final Predicate<InetAddress> trusted;
    private final Counts<Event> counts = new Counts<>(Event.class);

    /** {@code trusted}: whether a client address is in {@code relay.trusted_networks} (asked at delivery). */
    public OutboundSigner(DkimSigner signer, DkimKeys keys, Predicate<InetAddress> trusted) {
        this.signer = signer;
        this.keys = keys;
        this.trusted = trusted;
    }

    /**
     * True for mail that leaves signed when its From: domain has a key: submitted with AUTH, relayed for a trusted
     * client, or a notice.
     */
    boolean signs(Envelope env) {
        return env.notice() != 0 || env.protocol() != null && env.protocol().endsWith("A")
                || trustedClient(env.client());
    }

    private boolean trustedClient(String client) {
        // the envelope holds the socket's address as text; anything else (none, a name) is not trusted
        if (client == null || client.isEmpty() || !client.matches("[0-9A-Fa-f:.]+")) {
            return false;
        }
        try {
            return trusted.test(InetAddress.getByName(client)); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Messages signed, left unsigned and failed to sign, once per delivery transaction set up for them. */
    public Counts<Event> counts() {
        return counts;
    }

    /**
     * The DKIM-Signature fields to send in front of the content (ASCII, CRLF line ends), or no octets when the
     * message is not one to sign or cannot be signed. Never throws.
     */
    byte[] signatures(QueuedMessage m) {
        Envelope env = m.envelope();
        if (!signs(env)) {
            return NONE;
        }
        List<String> problems = new ArrayList<>();
        List<SigningKey> used = new ArrayList<>();
        DkimSigner.Outcome outcome;
        try (InputStream in = new BufferedInputStream(m.openContent(), 64 * 1024)) {
            outcome = signer.sign(in, domain -> {
                DkimKeys.Loaded loaded = keys.load(domain);
                problems.addAll(loaded.problems());
                used.addAll(loaded.keys());
                return loaded.keys();
            });
        } catch (Exception e) { // IOException reading the spool, or a key that cannot sign: send unsigned
            problems.forEach(p -> MailLog.dkimKeyUnusable(env.id(), p));
            MailLog.dkimFailed(env.id(), e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
            counts.add(Event.FAILED);
            return NONE;
        }
        problems.forEach(p -> MailLog.dkimKeyUnusable(env.id(), p));
        return switch (outcome) {
            case DkimSigner.Signed s -> {
                MailLog.dkimSigned(env.id(), used.getFirst().domain(),
                        String.join(",", used.stream().map(SigningKey::selector).toList()));
                counts.add(Event.SIGNED);
                yield s.text().getBytes(StandardCharsets.ISO_8859_1);
            }
            case DkimSigner.NotSigned n -> {
                MailLog.dkimUnsigned(env.id(), n.reason());
                counts.add(problems.isEmpty() ? Event.UNSIGNED : Event.FAILED);
                yield NONE;
            }
        };
    }
}
