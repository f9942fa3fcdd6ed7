package dev.tern.mailbox;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which mailboxes a session holds, in this process: RFC 1939 gives a POP3 session exclusive access to its
 * maildrop, so a second login to the same mailbox is refused while the first lasts. Only sessions take these
 * locks; delivery never does (Maildir needs no lock to add a message). One Tern runs per data directory
 * ({@code tern.lock}), so no lock file is needed against other Tern processes; other programs reading the same
 * Maildir (Dovecot, mutt) are not excluded.
 */
public final class MailboxLocks {
    private final ConcurrentHashMap<Path, Held> held = new ConcurrentHashMap<>();

    /** A held lock; {@link #close} releases it (once; later calls do nothing). */
    public final class Held implements AutoCloseable {
        private final Path key;

        private Held(Path key) {
            this.key = key;
        }

        @Override
        public void close() {
            held.remove(key, this);
        }
    }

    /** Takes the lock of mailbox folder {@code box}, or returns null when another session holds it. */
    public Held tryLock(Path box) {
        Path key = box.toAbsolutePath().normalize();
        Held h = new Held(key);
        return held.putIfAbsent(key, h) == null ? h : null;
    }

    public boolean isLocked(Path box) {
        return held.containsKey(box.toAbsolutePath().normalize());
    }
}
