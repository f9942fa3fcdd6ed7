package dev.tern.delivery;

import dev.tern.mailbox.Maildir;
import dev.tern.queue.Attempt;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.Transport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sends each recipient where it belongs: addresses in a local domain into their Maildir, the rest to the
 * remote side (not built yet: they stay queued, deferred).
 */
public final class Router implements Transport {
    private final Set<String> localDomains;
    private final Maildir maildir;
    private final String hostInNames;

    public Router(List<String> localDomains, Maildir maildir, String hostname) {
        this.localDomains = Set.copyOf(localDomains);
        this.maildir = maildir;
        this.hostInNames = Maildir.hostForNames(hostname);
    }

    public boolean isLocal(String address) {
        return localDomains.contains(address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT));
    }

    @Override
    public Attempt deliver(QueuedMessage message, int index, boolean recovering) {
        Envelope.Recipient r = message.envelope().recipients().get(index);
        if (!isLocal(r.address())) {
            return new Attempt.Deferred("none", "remote delivery is not available in this version; the message stays queued");
        }
        return deliverLocal(message, index, r, recovering);
    }

    private Attempt deliverLocal(QueuedMessage m, int index, Envelope.Recipient r, boolean recovering) {
        Envelope env = m.envelope();
        byte[] prefix = ("Return-Path: <" + env.sender() + ">\r\nDelivered-To: " + r.address() + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        // one name per queue ID and recipient, so a delivery repeated after a crash finds its earlier self
        String name = env.arrival().getEpochSecond() + ".Q" + env.id() + "R" + index + "." + hostInNames;
        try (FileChannel source = FileChannel.open(m.file(), StandardOpenOption.READ)) {
            String file = maildir.deliver(r.address(), name, prefix, source, m.contentOffset(), m.contentSize(), recovering);
            return new Attempt.Delivered("local", "delivered to maildir as " + file);
        } catch (IOException e) {
            return new Attempt.Deferred("local", "cannot deliver to maildir: " + e);
        }
    }
}
