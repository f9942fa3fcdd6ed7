package dev.tern.imap;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.StructureParser;
import dev.tern.io.CrlfOutput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link ImapStore} held in memory: every user gets INBOX and the special-use folders (Sent, Drafts, Trash,
 * Junk, Archive) on first use. For tests, and for a server run whose mailbox store is not joined to IMAP yet;
 * nothing survives a restart. One lock guards everything; changes reach every other open folder of the same
 * mailbox through its change feed. It behaves as {@link MailStoreImap} over Maildir does where a client can tell:
 * messages are kept with CRLF line ends, RENAME of INBOX moves its messages, a subscription outlives its mailbox.
 */
public final class MemoryImapStore implements ImapStore {

    /** The special-use folders every user has (RFC 6154). */
    static final Map<String, String> SPECIAL = specials();

    private static Map<String, String> specials() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Sent", "\\Sent");
        m.put("Drafts", "\\Drafts");
        m.put("Trash", "\\Trash");
        m.put("Junk", "\\Junk");
        m.put("Archive", "\\Archive");
        return m;
    }

    private static final List<String> SYSTEM_FLAGS = List.of("\\Answered", "\\Flagged", "\\Deleted", "\\Seen",
            "\\Draft");

    private final ReentrantLock lock = new ReentrantLock();
    private final Clock clock;
    private final Map<String, Map<String, Box>> users = new HashMap<>();
    private final Map<String, Set<String>> subscriptions = new HashMap<>();
    private long nextValidity;

    public MemoryImapStore(Clock clock) {
        this.clock = clock;
        this.nextValidity = clock.millis() / 1000;
    }

    private record Stored(long uid, byte[] octets, ZonedDateTime internalDate, BodyPart structure)
            implements Message {
        @Override
        public long size() {
            return octets.length;
        }

        @Override
        public InputStream open(long from, long to) {
            int f = (int) Math.min(from, octets.length);
            return new ByteArrayInputStream(octets, f, (int) Math.min(to, octets.length) - f);
        }
    }

    /** One mailbox: messages by UID with their flags, and the folders open on it. */
    private final class Box {
        final long uidValidity = nextValidity++;
        long uidNext = 1;
        final TreeMap<Long, Stored> messages = new TreeMap<>();
        final Map<Long, Set<String>> flags = new HashMap<>();
        final List<OpenFolder> open = new ArrayList<>();

        void tell(OpenFolder except, Change change) {
            for (OpenFolder f : open) {
                if (f != except) {
                    f.queue(change);
                }
            }
        }
    }

    /** The mailboxes of {@code user}, made with the special-use folders on first use. Under the lock. */
    private Map<String, Box> boxes(String user) {
        return users.computeIfAbsent(user, u -> {
            Map<String, Box> m = new TreeMap<>();
            m.put("INBOX", new Box());
            SPECIAL.keySet().forEach(n -> m.put(n, new Box()));
            subscriptions.put(u, new TreeSet<>(m.keySet()));
            return m;
        });
    }

    private static String canonical(String name) {
        return name.equalsIgnoreCase("INBOX") ? "INBOX" : name;
    }

    @Override
    public List<Mailbox> list(String user) {
        lock.lock();
        try {
            List<Mailbox> out = new ArrayList<>();
            Set<String> subs = subscriptionsOf(user);
            out.add(new Mailbox("INBOX", Optional.empty(), subs.contains("INBOX")));
            Map<String, Box> boxes = boxes(user);
            TreeSet<String> names = new TreeSet<>(boxes.keySet());
            names.addAll(subs);
            for (String name : names) {
                if (!name.equals("INBOX")) {
                    out.add(new Mailbox(name, Optional.ofNullable(SPECIAL.get(name)), subs.contains(name),
                            boxes.containsKey(name)));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private Set<String> subscriptionsOf(String user) {
        boxes(user);
        return subscriptions.get(user);
    }

    @Override
    public Optional<Status> status(String user, String mailbox) {
        lock.lock();
        try {
            Box b = boxes(user).get(canonical(mailbox));
            if (b == null) {
                return Optional.empty();
            }
            long unseen = 0;
            long deleted = 0;
            long size = 0;
            for (Stored m : b.messages.values()) {
                Set<String> f = b.flags.get(m.uid());
                unseen += f.contains("\\Seen") ? 0 : 1;
                deleted += f.contains("\\Deleted") ? 1 : 0;
                size += m.size();
            }
            return Optional.of(new Status(b.messages.size(), b.uidNext, b.uidValidity, unseen, deleted, size));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Outcome create(String user, String mailbox) {
        lock.lock();
        try {
            Map<String, Box> boxes = boxes(user);
            String name = canonical(mailbox);
            if (boxes.containsKey(name)) {
                return new Outcome.AlreadyExists();
            }
            boxes.put(name, new Box());
            for (int i = name.indexOf(DELIMITER); i > 0; i = name.indexOf(DELIMITER, i + 1)) {
                boxes.putIfAbsent(name.substring(0, i), new Box()); // RFC 9051 6.3.4, as the Maildir store does
            }
            return new Outcome.Done();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Outcome delete(String user, String mailbox) {
        lock.lock();
        try {
            String name = canonical(mailbox);
            if (name.equals("INBOX")) {
                return new Outcome.Cannot("INBOX cannot be deleted");
            }
            Map<String, Box> boxes = boxes(user);
            if (!boxes.containsKey(name)) {
                return new Outcome.NoSuchMailbox();
            }
            if (boxes.keySet().stream().anyMatch(n -> n.startsWith(name + DELIMITER))) {
                return new Outcome.Cannot("Mailbox has children; delete them first");
            }
            boxes.remove(name);
            return new Outcome.Done();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Outcome rename(String user, String from, String to) {
        lock.lock();
        try {
            Map<String, Box> boxes = boxes(user);
            String f = canonical(from);
            String t = canonical(to);
            if (!boxes.containsKey(f)) {
                return new Outcome.NoSuchMailbox();
            }
            if (t.equals("INBOX")) {
                return new Outcome.Cannot(f.equals("INBOX") ? "INBOX cannot be renamed to itself"
                        : "Nothing can be renamed to INBOX");
            }
            if (boxes.containsKey(t)) {
                return new Outcome.AlreadyExists();
            }
            if (f.equals("INBOX")) {
                moveAll(boxes.get("INBOX"), boxes.computeIfAbsent(t, n -> new Box()));
                return new Outcome.Done();
            }
            for (String name : List.copyOf(boxes.keySet())) {
                if (name.equals(f) || name.startsWith(f + DELIMITER)) {
                    boxes.put(t + name.substring(f.length()), boxes.remove(name));
                }
            }
            return new Outcome.Done();
        } finally {
            lock.unlock();
        }
    }

    /**
     * RENAME of INBOX (RFC 9051 section 6.3.6): every message moves, with its flags, to the new mailbox under a new
     * UID; INBOX stays, empty, and its open folders hear of the expunges. Its children do not move. Under the lock.
     */
    private void moveAll(Box from, Box to) {
        for (Stored m : List.copyOf(from.messages.values())) {
            add(to, m.octets(), m.internalDate(), m.structure(), from.flags.remove(m.uid()));
            from.messages.remove(m.uid());
            from.tell(null, new Change.Expunged(m.uid()));
        }
    }

    @Override
    public Outcome subscribe(String user, String mailbox, boolean on) {
        lock.lock();
        try {
            Set<String> subs = subscriptionsOf(user);
            if (on) {
                subs.add(canonical(mailbox));
            } else {
                subs.remove(canonical(mailbox));
            }
            return new Outcome.Done();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Appended> append(String user, String mailbox, Set<String> flags,
                                     Optional<ZonedDateTime> internalDate, Literal message) throws IOException {
        ByteArrayOutputStream crlf = new ByteArrayOutputStream();
        try (InputStream in = message.open(); CrlfOutput out = new CrlfOutput(crlf)) {
            in.transferTo(out);
        }
        byte[] octets = crlf.toByteArray();
        BodyPart structure = StructureParser.parse(new ByteArrayInputStream(octets));
        lock.lock();
        try {
            Box b = boxes(user).get(canonical(mailbox));
            if (b == null) {
                return Optional.empty();
            }
            long uid = add(b, octets, internalDate.orElseGet(() -> ZonedDateTime.now(clock)), structure, flags);
            return Optional.of(new Appended(b.uidValidity, uid));
        } finally {
            lock.unlock();
        }
    }

    /** Delivers a message to {@code mailbox} of {@code user} as a delivery would (no flags). */
    public Appended deliver(String user, String mailbox, byte[] message) throws IOException {
        return append(user, mailbox, Set.of(), Optional.empty(), Literal.of(message))
                .orElseThrow(() -> new IOException("no mailbox " + mailbox + " for " + user));
    }

    private long add(Box b, byte[] octets, ZonedDateTime date, BodyPart structure, Set<String> flags) {
        long uid = b.uidNext++;
        b.messages.put(uid, new Stored(uid, octets, date, structure));
        b.flags.put(uid, Set.copyOf(flags));
        b.tell(null, new Change.Added(new Entry(uid, flags)));
        return uid;
    }

    @Override
    public Optional<Folder> open(String user, String mailbox, boolean readOnly) {
        lock.lock();
        try {
            Box b = boxes(user).get(canonical(mailbox));
            if (b == null) {
                return Optional.empty();
            }
            OpenFolder f = new OpenFolder(user, b);
            b.open.add(f);
            return Optional.of(f);
        } finally {
            lock.unlock();
        }
    }

    private final class OpenFolder implements Folder {
        private final String user;
        private final Box box;
        private final List<Change> pending = new ArrayList<>();
        private Runnable wake;

        OpenFolder(String user, Box box) {
            this.user = user;
            this.box = box;
        }

        /** Under the lock. */
        void queue(Change c) {
            pending.add(c);
            if (wake != null) {
                wake.run();
            }
        }

        @Override
        public long uidValidity() {
            return box.uidValidity;
        }

        @Override
        public long uidNext() {
            lock.lock();
            try {
                return box.uidNext;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public List<String> flags() {
            lock.lock();
            try {
                TreeSet<String> keywords = new TreeSet<>();
                box.flags.values().forEach(s -> s.stream().filter(f -> !f.startsWith("\\")).forEach(keywords::add));
                List<String> out = new ArrayList<>(SYSTEM_FLAGS);
                out.addAll(keywords);
                return out;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Messages messages() {
            lock.lock();
            try {
                pending.clear();
                List<Entry> out = new ArrayList<>(box.messages.size());
                box.messages.keySet().forEach(uid -> out.add(new Entry(uid, box.flags.get(uid))));
                return new Messages() {
                    @Override
                    public int size() {
                        return out.size();
                    }

                    @Override
                    public long uid(int index) {
                        return out.get(index).uid();
                    }

                    @Override
                    public Set<String> flags(int index) {
                        return out.get(index).flags();
                    }
                };
            } finally {
                lock.unlock();
            }
        }

        @Override
        public List<Change> changes() {
            lock.lock();
            try {
                List<Change> out = List.copyOf(pending);
                pending.clear();
                return out;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onChange(Runnable wake) {
            lock.lock();
            try {
                this.wake = wake;
                if (wake != null && !pending.isEmpty()) {
                    wake.run();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Optional<Message> message(long uid) {
            lock.lock();
            try {
                return Optional.ofNullable(box.messages.get(uid));
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Map<Long, Set<String>> store(long[] uids, FlagChange how, Set<String> flags) {
            lock.lock();
            try {
                Map<Long, Set<String>> out = new LinkedHashMap<>();
                for (long uid : uids) {
                    Set<String> old = box.flags.get(uid);
                    if (old == null) {
                        continue;
                    }
                    Set<String> now = new TreeSet<>(how == FlagChange.REPLACE ? Set.of() : old);
                    if (how == FlagChange.REMOVE) {
                        now.removeAll(flags);
                    } else {
                        now.addAll(flags);
                    }
                    Set<String> value = Set.copyOf(now);
                    box.flags.put(uid, value);
                    out.put(uid, value);
                    if (!value.equals(old)) {
                        box.tell(this, new Change.FlagsChanged(new Entry(uid, value)));
                    }
                }
                return out;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public long[] expunge(long[] uids) {
            lock.lock();
            try {
                long[] gone = Arrays.stream(uids).filter(uid -> box.flags.containsKey(uid)
                        && box.flags.get(uid).contains("\\Deleted")).sorted().toArray();
                for (long uid : gone) {
                    box.messages.remove(uid);
                    box.flags.remove(uid);
                    box.tell(this, new Change.Expunged(uid));
                }
                return gone;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Optional<Copied> copy(long[] uids, String target) {
            lock.lock();
            try {
                Box to = boxes(user).get(canonical(target));
                if (to == null) {
                    return Optional.empty();
                }
                List<Long> from = new ArrayList<>();
                List<Long> made = new ArrayList<>();
                for (long uid : uids) {
                    Stored m = box.messages.get(uid);
                    if (m != null) {
                        from.add(uid);
                        made.add(add(to, m.octets(), m.internalDate(), m.structure(), box.flags.get(uid)));
                    }
                }
                return Optional.of(new Copied(to.uidValidity, from.stream().mapToLong(Long::longValue).toArray(),
                        made.stream().mapToLong(Long::longValue).toArray()));
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                box.open.remove(this);
                wake = null;
            } finally {
                lock.unlock();
            }
        }
    }
}
