package dev.tern.imap;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.EnvelopeForm;
import dev.tern.imap.mime.StructureCodec;
import dev.tern.imap.mime.StructureParser;
import dev.tern.io.BoundedInput;
import dev.tern.mailbox.Account;
import dev.tern.mailbox.Flags;
import dev.tern.mailbox.FolderView;
import dev.tern.mailbox.MailStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link ImapStore} port over the mail store ({@link MailStore}, Maildir in production): the same mailboxes
 * delivery fills and POP3 reads, with their durable UIDs, flags and keywords, and their change feed. It only
 * translates: IMAP flag names to {@link Flags}, the store's {@link dev.tern.mailbox.Change}s to the session's
 * {@link ImapStore.Change}s, and the cached MIME structure ({@link FolderView#facts}) to a {@link BodyPart}. It
 * never touches a file itself.
 */
public final class MailStoreImap implements ImapStore {

    /**
     * The kind of facts a message's ENVELOPE and MIME structure are cached under ({@link StructureCodec}): a cache
     * of another version is started over, and a record of another version is computed again.
     */
    static final String STRUCTURE = "imap-structure-" + StructureCodec.VERSION;
    /** Up to this many new messages at once get their flags one by one; more take one snapshot of the folder. */
    private static final int LOOKUPS = 64;
    private static final List<String> SYSTEM_FLAGS = List.of("\\Answered", "\\Flagged", "\\Deleted", "\\Seen",
            "\\Draft");

    /**
     * How often a session asks the store to look for changes by other programs, at most: before a command, and
     * never more often, since a folder changed in the last two seconds is listed again each time (see
     * {@link FolderView#refresh()}); what goes through the store is told at once anyway.
     */
    static final long REFRESH_MILLIS = 1000;

    private final MailStore store;
    private final Clock clock;

    public MailStoreImap(MailStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    private Account account(String user) {
        try {
            return store.account(user);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The folders, and the names subscribed to that are no folder (RFC 9051 6.3.9: a subscription outlives it). */
    @Override
    public List<Mailbox> list(String user) {
        try {
            Account a = account(user);
            List<Mailbox> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (Account.FolderInfo f : a.folders()) {
                out.add(new Mailbox(f.name(), f.specialUse().map(Account.SpecialUse::imapName), f.subscribed(),
                        f.exists()));
                names.add(f.name());
            }
            for (String s : a.subscriptions()) {
                if (names.add(s)) {
                    out.add(new Mailbox(s, Optional.empty(), true, false));
                }
            }
            out.subList(1, out.size()).sort(Comparator.comparing(Mailbox::name)); // INBOX first, the rest by name
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<Status> status(String user, String mailbox) {
        try {
            return account(user).status(mailbox).map(s -> new Status(s.messages(), s.uidNext(), s.uidValidity(),
                    s.unseen(), s.deleted(), s.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface AccountChange {
        Account.Result apply(Account a) throws IOException;
    }

    private static Outcome change(Account a, AccountChange c) {
        try {
            return switch (c.apply(a)) {
                case Account.Result.Done d -> new Outcome.Done();
                case Account.Result.Refused r -> switch (r.reason()) {
                    case NONEXISTENT -> new Outcome.NoSuchMailbox();
                    case ALREADYEXISTS -> new Outcome.AlreadyExists();
                    case CANNOT -> new Outcome.Cannot(r.text());
                    case INUSE -> new Outcome.InUse(r.text());
                };
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CREATE, with the superior names it needs (RFC 9051 section 6.3.4: {@code a/b} makes {@code a} too). */
    @Override
    public Outcome create(String user, String mailbox) {
        Account a = account(user);
        for (int i = mailbox.indexOf(DELIMITER); i > 0; i = mailbox.indexOf(DELIMITER, i + 1)) {
            String parent = mailbox.substring(0, i);
            if (!parent.equalsIgnoreCase("INBOX")) {
                Outcome o = change(a, x -> x.create(parent));
                if (o instanceof Outcome.Cannot) {
                    return o;
                }
            }
        }
        return change(a, x -> x.create(mailbox));
    }

    @Override
    public Outcome delete(String user, String mailbox) {
        return change(account(user), a -> a.delete(mailbox));
    }

    /**
     * RENAME; of INBOX (RFC 9051 section 6.3.6): the new folder is made and every message of INBOX moves into it,
     * with its flags, and INBOX stays, empty. Messages delivered meanwhile stay in INBOX.
     */
    @Override
    public Outcome rename(String user, String from, String to) {
        Account a = account(user);
        if (!from.equalsIgnoreCase("INBOX")) {
            return change(a, x -> x.rename(from, to));
        }
        if (to.equalsIgnoreCase("INBOX")) {
            return new Outcome.Cannot("INBOX cannot be renamed to itself");
        }
        Outcome made = create(user, to);
        if (!(made instanceof Outcome.Done)) {
            return made;
        }
        try (FolderView inbox = a.open("INBOX", null).orElseThrow(() -> new IOException("INBOX missing"))) {
            FolderView.Snapshot s = inbox.snapshot();
            List<Long> uids = new ArrayList<>(s.size());
            for (int i = 0; i < s.size(); i++) {
                uids.add(s.uid(i));
            }
            if (!uids.isEmpty() && inbox.move(uids, to).isEmpty()) {
                return new Outcome.NoSuchMailbox(); // removed again by another session meanwhile
            }
            return new Outcome.Done();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Outcome subscribe(String user, String mailbox, boolean on) {
        Outcome o = change(account(user), a -> on ? a.subscribe(mailbox) : a.unsubscribe(mailbox));
        return o instanceof Outcome.NoSuchMailbox ? new Outcome.Done() : o; // UNSUBSCRIBE of a name not subscribed
    }

    @Override
    public Optional<Appended> append(String user, String mailbox, Set<String> flags,
                                     Optional<ZonedDateTime> internalDate, Literal message) throws IOException {
        Account a = account(user);
        Instant date = internalDate.map(ZonedDateTime::toInstant).orElse(null);
        Optional<FolderView.Appended> done = limited(() -> {
            if (message instanceof Received r) {
                return a.append(mailbox, r.incoming, toFlags(flags), date);
            }
            try (InputStream in = message.open()) {
                return a.append(mailbox, in, toFlags(flags), date);
            }
        });
        return done.map(x -> new Appended(x.uidValidity(), x.uid()));
    }

    private interface StoreCall<T> {
        T call() throws IOException;
    }

    /** A store call whose keyword limit becomes the port's {@link LimitExceeded} (NO [LIMIT]). */
    private static <T> T limited(StoreCall<T> call) throws IOException {
        try {
            return call.call();
        } catch (FolderView.KeywordLimitException e) {
            throw new LimitExceeded(e.getMessage());
        }
    }

    /** APPEND's message written into the account's temporary space as it arrives ({@link Account#receive()}). */
    @Override
    public Literal.Receiver receive(String user) throws IOException {
        Account.Incoming incoming = account(user).receive();
        Received literal = new Received(incoming);
        return new Literal.Receiver() {
            @Override
            public OutputStream output() {
                return incoming.output();
            }

            @Override
            public Literal literal() {
                return literal;
            }

            @Override
            public void close() throws IOException {
                incoming.close();
            }
        };
    }

    /** A literal in the store's temporary space: appended by the store without being read here. */
    private record Received(Account.Incoming incoming) implements Literal {
        @Override
        public long size() {
            return incoming.size();
        }

        @Override
        public InputStream open() throws IOException {
            throw new IOException("a received APPEND message is appended by the store, not read");
        }

        @Override
        public Optional<byte[]> inMemory() {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Folder> open(String user, String mailbox, boolean readOnly) {
        OpenFolder f = new OpenFolder();
        try {
            Optional<FolderView> v = account(user).open(mailbox, f::heard);
            if (v.isEmpty()) {
                return Optional.empty();
            }
            f.start(v.get());
            return Optional.of(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- flags ----

    /** IMAP flag names to the store's: system flags by name (any case), other names as keywords. */
    static Flags toFlags(Set<String> names) {
        EnumSet<Flags.Flag> system = EnumSet.noneOf(Flags.Flag.class);
        Set<String> keywords = new LinkedHashSet<>();
        for (String n : names) {
            Flags.Flag f = Flags.Flag.ofImap(n);
            if (f != null) {
                system.add(f);
            } else if (!n.startsWith("\\")) {
                keywords.add(n); // \Recent and unknown system flags are not kept
            }
        }
        return new Flags(system, keywords);
    }

    /** The store's flags as IMAP names: system flags with their backslash, then keywords. */
    /**
     * The flag names of each set of system flags without keywords, by {@link Flags.Flag} ordinal bits: shared,
     * unmodifiable, so that an opened folder holds no set per message and FETCH writes a flag list once per set.
     */
    private static final List<Set<String>> SYSTEM_NAMES = systemNames();

    private static List<Set<String>> systemNames() {
        Flags.Flag[] all = Flags.Flag.values();
        List<Set<String>> out = new ArrayList<>(1 << all.length);
        for (int bits = 0; bits < 1 << all.length; bits++) {
            Set<String> names = new LinkedHashSet<>();
            for (Flags.Flag f : all) {
                if ((bits & 1 << f.ordinal()) != 0) {
                    names.add(f.imapName());
                }
            }
            out.add(Collections.unmodifiableSet(names));
        }
        return List.copyOf(out);
    }

    static Set<String> toNames(Flags flags) {
        if (flags.keywords().isEmpty()) {
            int bits = 0;
            for (Flags.Flag f : flags.system()) {
                bits |= 1 << f.ordinal();
            }
            return SYSTEM_NAMES.get(bits);
        }
        Set<String> out = new LinkedHashSet<>();
        for (Flags.Flag f : Flags.Flag.values()) {
            if (flags.has(f)) {
                out.add(f.imapName());
            }
        }
        out.addAll(flags.keywords());
        return out;
    }

    private static List<Long> list(long[] uids) {
        List<Long> out = new ArrayList<>(uids.length);
        for (long u : uids) {
            out.add(u);
        }
        return out;
    }

    private static long[] array(List<Long> uids) {
        return uids.stream().mapToLong(Long::longValue).toArray();
    }

    /** The index of {@code uid} in a snapshot (UID order), or -1. */
    private static int indexOf(FolderView.Snapshot s, long uid) {
        int lo = 0;
        int hi = s.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long u = s.uid(mid);
            if (u == uid) {
                return mid;
            }
            if (u < uid) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    // ---- the selected folder ----

    private final class OpenFolder implements Folder {
        private final ReentrantLock lock = new ReentrantLock();
        /** What the store told since the last {@link #changes()}, oldest first. Under {@link #lock}. */
        private final List<dev.tern.mailbox.Change> heard = new ArrayList<>();
        private Runnable wake;
        private FolderView view;
        /** The folder as opened, until the session took its messages. */
        private FolderView.Snapshot opened;
        private long uidValidity;
        private long openedUidNext;
        private List<String> keywords;
        private long refreshed = -REFRESH_MILLIS;

        /** The store's listener: called on the changing thread, under the folder's lock; only queues and wakes. */
        void heard(dev.tern.mailbox.Change c) {
            lock.lock();
            try {
                heard.add(c);
                if (wake != null) {
                    wake.run();
                }
            } finally {
                lock.unlock();
            }
        }

        void start(FolderView v) {
            view = v;
            opened = v.snapshot();
            uidValidity = opened.uidValidity();
            openedUidNext = opened.uidNext();
            keywords = opened.keywords();
        }

        @Override
        public long uidValidity() {
            return uidValidity;
        }

        @Override
        public long uidNext() {
            return openedUidNext;
        }

        @Override
        public List<String> flags() {
            List<String> out = new ArrayList<>(SYSTEM_FLAGS);
            out.addAll(keywords);
            return out;
        }

        /** The snapshot taken at {@link #start}, read in place: a flag name set is made only when asked for. */
        @Override
        public Messages messages() {
            FolderView.Snapshot s = opened == null ? view.snapshot() : opened;
            opened = null; // later changes come through changes()
            return new Messages() {
                @Override
                public int size() {
                    return s.size();
                }

                @Override
                public long uid(int index) {
                    return s.uid(index);
                }

                @Override
                public Set<String> flags(int index) {
                    return toNames(s.flags(index));
                }
            };
        }

        @Override
        public List<Change> changes() {
            long now = clock.millis();
            if (now - refreshed >= REFRESH_MILLIS || now < refreshed) {
                refreshed = now;
                try {
                    view.refresh(); // changes by other programs, found now rather than at the next poll
                } catch (IOException e) {
                    // the poll looks again; what the store already knows is told below
                }
            }
            List<dev.tern.mailbox.Change> taken;
            lock.lock();
            try {
                if (heard.isEmpty()) {
                    return List.of();
                }
                taken = List.copyOf(heard);
                heard.clear();
            } finally {
                lock.unlock();
            }
            List<Change> out = new ArrayList<>();
            for (dev.tern.mailbox.Change c : taken) {
                switch (c) {
                    case dev.tern.mailbox.Change.Appended a -> added(a.uids(), out);
                    case dev.tern.mailbox.Change.FlagsChanged f -> f.messages().forEach(m -> out.add(
                            new Change.FlagsChanged(new Entry(m.uid(), toNames(m.flags())))));
                    case dev.tern.mailbox.Change.Expunged x -> x.uids().forEach(u -> out.add(new Change.Expunged(u)));
                }
            }
            return out;
        }

        /**
         * New messages with their flags now; those told at SELECT already, and those gone again meanwhile (never
         * told, so never to be expunged), are left out.
         */
        private void added(List<Long> uids, List<Change> out) {
            List<Long> fresh = uids.stream().filter(u -> u >= openedUidNext).toList();
            if (fresh.isEmpty()) {
                return;
            }
            if (fresh.size() <= LOOKUPS) {
                try {
                    for (long uid : fresh) {
                        view.message(uid).ifPresent(m -> out.add(new Change.Added(new Entry(uid,
                                toNames(m.flags())))));
                    }
                    return;
                } catch (IOException e) {
                    out.removeIf(x -> x instanceof Change.Added a && fresh.contains(a.entry().uid()));
                }
            }
            FolderView.Snapshot s = view.snapshot();
            for (long uid : fresh) {
                int i = indexOf(s, uid);
                if (i >= 0) {
                    out.add(new Change.Added(new Entry(uid, toNames(s.flags(i)))));
                }
            }
        }

        @Override
        public void onChange(Runnable wake) {
            lock.lock();
            try {
                this.wake = wake;
                if (wake != null && !heard.isEmpty()) {
                    wake.run();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Optional<Message> message(long uid) throws IOException {
            OptionalLong size = view.octets(uid); // from the index: no file is looked at before it is needed
            return size.isEmpty() ? Optional.empty()
                    : Optional.of(new StoredMessage(view, uid, size.getAsLong(), clock.getZone()));
        }

        /**
         * STORE: the new flags of every message of {@code uids} still here, also of those the change left as they
         * were (the store reports only those it changed).
         */
        @Override
        public Map<Long, Set<String>> store(long[] uids, FlagChange how, Set<String> flags) throws IOException {
            Flags.Mode mode = switch (how) {
                case REPLACE -> Flags.Mode.REPLACE;
                case ADD -> Flags.Mode.ADD;
                case REMOVE -> Flags.Mode.REMOVE;
            };
            Map<Long, Set<String>> changed = new LinkedHashMap<>();
            for (dev.tern.mailbox.Change.MessageFlags m : limited(() -> view.store(list(uids), mode,
                    toFlags(flags)))) {
                changed.put(m.uid(), toNames(m.flags()));
            }
            Map<Long, Set<String>> out = new LinkedHashMap<>();
            FolderView.Snapshot s = changed.size() == uids.length ? null : view.snapshot();
            for (long uid : uids) {
                Set<String> now = changed.get(uid);
                if (now == null && s != null) {
                    int i = indexOf(s, uid);
                    now = i < 0 ? null : toNames(s.flags(i));
                }
                if (now != null) {
                    out.put(uid, now);
                }
            }
            return out;
        }

        @Override
        public long[] expunge(long[] uids) throws IOException {
            return array(view.expunge(Optional.of(list(uids))));
        }

        @Override
        public Optional<Copied> copy(long[] uids, String target) throws IOException {
            return copy(uids, target, false);
        }

        /** MOVE in one step: the store links the files into the target and removes them here. */
        @Override
        public Optional<Copied> move(long[] uids, String target) throws IOException {
            return copy(uids, target, true);
        }

        private Optional<Copied> copy(long[] uids, String target, boolean move) throws IOException {
            Optional<FolderView.Copied> done = limited(() -> move ? view.move(list(uids), target)
                    : view.copy(list(uids), target));
            return done.map(c -> new Copied(c.targetUidValidity(), array(c.sourceUids()), array(c.targetUids())));
        }

        /** As the folder was opened: PERMANENTFLAGS is told at SELECT only. */
        @Override
        public boolean keywordsFull() {
            return keywords.size() >= FolderView.MAX_KEYWORDS;
        }

        @Override
        public void close() {
            onChange(null);
            view.close();
        }
    }

    /**
     * A message for FETCH and SEARCH. Its facts are computed once and cached by the store ({@link FolderView#facts}):
     * the first time only from its header (ENVELOPE, and where the body starts), the whole MIME structure the first
     * time BODYSTRUCTURE, a section or SEARCH of the body needs it. Nothing is read before it is asked for: not the
     * cache, not the INTERNALDATE (a {@code stat} of the file).
     */
    private static final class StoredMessage implements Message {
        private final FolderView view;
        private final long uid;
        private final long size;
        private final ZoneId zone;
        private ZonedDateTime internalDate;
        private StructureCodec.Facts facts;
        private BodyPart structure;

        StoredMessage(FolderView view, long uid, long size, ZoneId zone) {
            this.view = view;
            this.uid = uid;
            this.size = size;
            this.zone = zone;
        }

        @Override
        public long uid() {
            return uid;
        }

        @Override
        public ZonedDateTime internalDate() {
            if (internalDate == null) {
                try {
                    internalDate = ZonedDateTime.ofInstant(view.message(uid).map(FolderView.Message::internalDate)
                            .orElse(Instant.EPOCH), zone); // gone meanwhile: the date is all we miss
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return internalDate;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public EnvelopeForm envelope() {
            return facts(false).envelope();
        }

        @Override
        public long headerSize() {
            return facts(false).bodyStart();
        }

        @Override
        public BodyPart structure() {
            if (structure == null) {
                StructureCodec.Facts f = facts(true);
                if (structure != null) {
                    return structure; // parsed just now (encode below): not decoded back from its record
                }
                Optional<BodyPart> cached = f.structure();
                try {
                    structure = cached.isPresent() ? cached.get() : parse(view.content(uid)); // damaged: uncached
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return structure;
        }

        /** The cached facts, at least the header's; with {@code whole}, the whole structure's. */
        private StructureCodec.Facts facts(boolean whole) {
            if (facts != null && (!whole || facts.hasStructure())) {
                return facts;
            }
            try {
                Optional<StructureCodec.Facts> f = view.facts(uid, STRUCTURE,
                        whole ? StructureCodec::hasStructure : StructureCodec::current,
                        whole ? this::encode : this::encodeHeader).flatMap(StructureCodec::read);
                if (f.isEmpty() || (whole && !f.get().hasStructure())) {
                    // gone from the index (NoSuchFileException below), or a record too large to keep: parsed here
                    try (InputStream in = view.content(uid)) {
                        f = StructureCodec.read(encode(in));
                    }
                }
                facts = f.orElseThrow();
                return facts;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public InputStream open(long from, long to) throws IOException {
            InputStream in = view.content(uid);
            try {
                in.skipNBytes(Math.min(from, size));
            } catch (IOException e) {
                in.close();
                throw e;
            }
            return new BoundedInput(in, to - from);
        }

        /** The whole record, computed from the message's octets; the tree parsed is kept for this FETCH. */
        private byte[] encode(InputStream in) {
            try {
                structure = StructureParser.parse(in, size);
                return StructureCodec.encode(structure);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private byte[] encodeHeader(InputStream in) {
            try {
                return StructureCodec.encodeHeader(StructureParser.header(in, size));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static BodyPart parse(InputStream in) throws IOException {
        try (in) {
            return StructureParser.parse(in);
        }
    }
}
