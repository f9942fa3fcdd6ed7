package dev.tern.delivery;

import dev.tern.mailbox.MailStore;
import dev.tern.mailbox.Maildir;
import dev.tern.metrics.Counts;
import dev.tern.queue.Attempt;
import dev.tern.queue.Envelope;
import dev.tern.queue.Mark;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.Transport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sends each recipient where it belongs: addresses in a local domain into their INBOX through the mail store
 * ({@link MailStore}), or into their Junk folder ({@code checks.quarantine_folder}) when the MX quarantined the
 * message ({@link Mark#JUNK}); the rest through {@link RemoteDelivery}, one SMTP transaction per destination domain
 * (a quarantined message is relayed as any other: its Authentication-Results field tells the next hop).
 */
public final class Router implements Transport {
    /** Where the local deliveries of quarantined mail went, for /metrics. */
    public enum Quarantined {
        /** into the folder {@code checks.quarantine_folder} names */
        FOLDER,
        /** into INBOX: {@code checks.quarantine_folder} is empty, or the user has no such folder */
        INBOX
    }

    /** Replaced whole on reload ({@link #localDomains(List)}); a delivery under way sees one set or the other. */
    private volatile Set<String> localDomains;
    private final MailStore mailStore;
    private final String hostInNames;
    private final RemoteDelivery remote;
    /** The folder quarantined mail goes into ({@code checks.quarantine_folder}); INBOX when empty. */
    private final String quarantineFolder;
    private final Counts<Quarantined> quarantined = new Counts<>(Quarantined.class);

    /**
     * @param remote           outbound SMTP, or null to keep remote mail queued (deferred)
     * @param quarantineFolder the folder of quarantined mail ({@code checks.quarantine_folder}), "" for INBOX
     */
    public Router(List<String> localDomains, MailStore mailStore, String hostname, RemoteDelivery remote,
                  String quarantineFolder) {
        this.localDomains = Set.copyOf(localDomains);
        this.mailStore = mailStore;
        this.hostInNames = Maildir.hostForNames(hostname);
        this.remote = remote;
        this.quarantineFolder = quarantineFolder.isEmpty() ? MailStore.INBOX : quarantineFolder;
    }

    /** Local deliveries of quarantined mail, by where they went. */
    public Counts<Quarantined> quarantined() {
        return quarantined;
    }

    /** The local domains from now on (local_domains on reload). */
    public void localDomains(List<String> domains) {
        localDomains = Set.copyOf(domains);
    }

    public boolean isLocal(String address) {
        return localDomains.contains(address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT));
    }

    private static String domain(String address) {
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /** "local" for every local recipient; the domain for remote ones, so that a domain gets one transaction. */
    @Override
    public String route(String address) {
        return isLocal(address) ? LOCAL : "smtp:" + domain(address);
    }

    /** Remote domains take {@code delivery.max_per_domain} deliveries at once; local delivery has no such limit. */
    @Override
    public int limit(String route) {
        return route.equals(LOCAL) || remote == null ? Integer.MAX_VALUE : remote.perDestination();
    }

    /** Delivers one route's recipients: each local one into its Maildir, or all remote ones in one transaction. */
    @Override
    public List<Attempt> deliver(QueuedMessage message, List<Integer> indices, boolean recovering) {
        List<Envelope.Recipient> rcpts = message.envelope().recipients();
        if (isLocal(rcpts.get(indices.getFirst()).address())) {
            List<Attempt> out = new ArrayList<>(indices.size());
            // one open of the queued content for every local recipient of the pass, not one each
            try (FileChannel source = FileChannel.open(message.file(), StandardOpenOption.READ)) {
                for (int i : indices) {
                    out.add(deliverLocal(message, source, i, rcpts.get(i), recovering));
                }
            } catch (IOException e) {
                Attempt why = new Attempt.Deferred("local", "cannot deliver to maildir: " + e);
                while (out.size() < indices.size()) {
                    out.add(why); // the open failed: nobody was delivered to (closing a read-only file loses nothing)
                }
            }
            return out;
        }
        if (remote == null) {
            return Collections.nCopies(indices.size(), new Attempt.Deferred("none",
                    "remote delivery is not set up; the message stays queued"));
        }
        return remote.deliver(message, domain(rcpts.get(indices.getFirst()).address()), indices);
    }

    private Attempt deliverLocal(QueuedMessage m, FileChannel source, int index, Envelope.Recipient r,
                                 boolean recovering) {
        Envelope env = m.envelope();
        byte[] trace = ("Return-Path: <" + env.sender() + ">\r\nDelivered-To: " + r.address() + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] added = m.addedHeader(); // Authentication-Results of the MX, kept beside the stored content
        byte[] prefix = java.util.Arrays.copyOf(trace, trace.length + added.length);
        System.arraycopy(added, 0, prefix, trace.length, added.length);
        // one name per queue ID and recipient, so a delivery repeated after a crash finds its earlier self
        String name = env.arrival().getEpochSecond() + ".Q" + env.id() + "R" + index + "." + hostInNames;
        boolean junk = m.marks().contains(Mark.JUNK);
        String folder = junk ? quarantineFolder : MailStore.INBOX;
        try {
            // a quarantined message may have gone before the crash into a folder other than today's
            // checks.quarantine_folder: look in every folder for it
            MailStore.Delivered earlier = junk && recovering ? mailStore.find(r.address(), name).orElse(null) : null;
            MailStore.Delivered d = earlier != null ? earlier : mailStore.deliver(r.address(), folder, name, prefix,
                    source, m.contentOffset(), m.storedSize(), recovering);
            if (!junk) {
                return new Attempt.Delivered("local", "delivered to maildir as " + d.file());
            }
            boolean intoInbox = d.folder().equals(MailStore.INBOX);
            quarantined.add(intoInbox ? Quarantined.INBOX : Quarantined.FOLDER);
            String where = intoInbox ? "" : " folder " + d.folder();
            String why = intoInbox && !folder.equals(MailStore.INBOX) ? "quarantined; no folder " + folder
                    : "quarantined";
            return new Attempt.Delivered("local", "delivered to maildir" + where + " as " + d.file() + " (" + why + ")");
        } catch (IOException e) {
            return new Attempt.Deferred("local", "cannot deliver to maildir: " + e);
        }
    }
}
