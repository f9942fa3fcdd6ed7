package dev.tern.mailbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * Every user's mail: the one interface delivery, POP3 and IMAP go through, so that another store (a database for
 * several nodes) can replace the Maildir one ({@link MaildirStore}) without touching protocol code.
 */
public interface MailStore extends AutoCloseable {

    /** The folder that delivery fills unless told otherwise. */
    String INBOX = "INBOX";

    /**
     * Delivers {@code size} octets of {@code source} from {@code offset}, preceded by {@code prefix} (trace headers),
     * into {@code folder} of {@code address} ({@link #INBOX}, or another such as {@code Junk}), durably, then tells
     * the sessions that have that folder open. A folder other than INBOX is looked for after the account's
     * special-use folders are made, as at its first opening ({@link #account}); when it does not exist (the user
     * deleted it), the message goes into INBOX, and the answer says so.
     *
     * @param name          a name unique to this message and recipient, so that a delivery repeated after a crash
     *                      can find its earlier copy
     * @param checkExisting look first whether {@code name} was delivered already into the folder, and if so deliver
     *                      nothing
     * @return where the message went, for the mail log
     */
    Delivered deliver(String address, String folder, String name, byte[] prefix, FileChannel source, long offset,
                      long size, boolean checkExisting) throws IOException;

    /**
     * Where the message delivered under {@code name} ({@link #deliver}) is now in any folder of {@code address}'s
     * account, read or not; empty when it is in none. For a delivery repeated after a crash whose folder may differ
     * from the first one's (a quarantined message, after {@code checks.quarantine_folder} changed): a look through
     * every folder, so only for that case.
     */
    Optional<Delivered> find(String address, String name) throws IOException;

    /**
     * Where a delivery went.
     *
     * @param folder the folder's name ({@link #INBOX}, or the one asked for)
     * @param file   the message's name in it (a Maildir file name)
     */
    record Delivered(String folder, String file) {
    }

    /** The mail of {@code user} (a full address), its special-use folders made on first use. */
    Account account(String user) throws IOException;

    /**
     * Tells the store that a user's INBOX was changed by a path that does not go through {@link FolderView} (POP3's
     * snapshot commit), so that open views learn of it now rather than at the next rescan.
     */
    void inboxChanged(String user);

    @Override
    void close();
}
