package dev.tern.queue;

import dev.tern.io.DeferredSyncs;
import dev.tern.io.DirectorySync;
import dev.tern.log.MailLog;
import dev.tern.metrics.Counts;
import dev.tern.queue.Lanes.Lane;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Works the queue: each accepted message is attempted at once; its due recipients are grouped by route (one
 * group per remote domain) and handed to the {@link Transport}; recipients that fail temporarily are tried again
 * on the {@link RetrySchedule}. After {@code delayWarning} a still-deferred recipient earns one delay notice;
 * after {@code maxLifetime} it fails with its last error. Every permanent failure is reported to the sender at
 * once in a bounce naming only the failed recipients ({@link Notices}). The state of each recipient is saved
 * after each attempt, and a message leaves the spool when every recipient is finished and every notice is queued.
 *
 * <p>Passes run in two lanes, each its own pool of threads: the local lane delivers to local mailboxes and does
 * the bookkeeping of every pass (expiry, notices); the remote lane talks to remote peers. So a peer that stalls
 * can hold remote threads only, never local delivery. A remote route (a domain) takes at most
 * {@link Transport#limit} deliveries at once; a message that finds it full waits on a list, not on a thread.
 * Nothing waits for a message's lock: a pass that finds it taken leaves its lane's bit in
 * {@link QueuedMessage#pending}, and the pass that holds it runs or hands on that work when it ends. The
 * operator's delete, hold, release and flush mark the message and answer at once.
 */
public final class Scheduler implements AutoCloseable {

    /**
     * @param delayWarning when a still-deferred recipient earns a delay notice; zero = never
     * @param maxLifetime  when a still-deferred recipient fails with its last error
     * @param concurrency  how many deliveries run at once in each lane (local, remote)
     * @param hostname     our name in notices (Reporting-MTA, MAILER-DAEMON@hostname)
     * @param postmaster   where a notice that cannot be delivered goes, once
     */
    public record Settings(RetrySchedule schedule, Duration delayWarning, Duration maxLifetime, int concurrency,
                           String hostname, String postmaster) {
    }

    /** The queue on disk: state saved after attempts, finished messages removed. */
    private final Spool spool;
    /** The fsyncs of the directories a batch put off ({@link #passes}), shared with everyone else's. */
    private final DirectorySync dirSync;
    /** Where recipients are delivered; also says how recipients group and how many may go at once. */
    private final Transport transport;
    /** Every time the scheduler reads: attempts, retries, expiry (tests move it by hand). */
    private final Clock clock;
    /** Retry, lifetime and notice settings, as configured. */
    private final Settings settings;
    /** When a deferred recipient is tried again. */
    private final RetrySchedule schedule;
    /** The local and the remote lane of delivery threads. */
    private final Lanes lanes;
    /** Runs each message's next pass at its time. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("queue-timer").factory());
    /** Every message in the queue, by ID. */
    private final ConcurrentHashMap<String, QueuedMessage> queued = new ConcurrentHashMap<>();
    /** Places per remote route, and the messages waiting for one. */
    private final RouteSlots slots = new RouteSlots();
    /** Bounces, success and delay notices. */
    private final Notices notices;

    /** What the metrics count for the queue: one per recipient and attempt, and one per notice queued. */
    public enum Event { SENT, DEFERRED, BOUNCED, NOTICE }

    /** How many times each event happened since start. */
    private final Counts<Event> counts = new Counts<>(Event.class);

    public Scheduler(Spool spool, Transport transport, Clock clock, Settings settings) {
        this.spool = spool;
        this.dirSync = spool != null ? spool.dirSync() : new DirectorySync();
        this.transport = transport;
        this.clock = clock;
        this.settings = settings;
        this.schedule = settings.schedule();
        this.lanes = new Lanes(settings.concurrency(), new Lanes.Work() {
            @Override
            public void pass(QueuedMessage m, Lane lane) {
                Scheduler.this.pass(m, lane);
            }

            @Override
            public void removeDeleted(QueuedMessage m) throws IOException {
                Scheduler.this.removeDeleted(m);
            }

            @Override
            public void passes(List<QueuedMessage> batch) {
                Scheduler.this.passes(batch);
            }

            @Override
            public void failed(QueuedMessage m, Exception e) {
                if (e instanceof IOException) {
                    MailLog.queueFailed(m.id(), "remove from the queue", e.toString());
                } else {
                    MailLog.attemptBug(m.id(), e);
                    retryAt(m, clock.instant().plus(schedule.max()));
                }
            }
        });
        this.notices = new Notices(spool, clock, settings.hostname(), settings.postmaster(), settings.delayWarning(),
                this::submit);
    }

    /** A message was just accepted: deliver it now. */
    public void submit(QueuedMessage message) {
        queued.put(message.id(), message);
        execute(message, Lane.LOCAL);
    }

    /**
     * Messages found in the spool at start: each resumes where its schedule stood. One with nothing due waits on
     * the timer for its next pass, with no pass now, so a big deferred queue costs no burst of passes, reads or
     * writes at start. Those due now (new, retries that came due while the server was down, notices owed) are
     * started oldest first, {@link #RECOVERY_PACE} apart but all within {@code retry_min}, so that a queue that
     * piled up does not burst at its peers (nor delay new mail on the lanes) all at once.
     */
    public void recover(List<QueuedMessage> messages) {
        Instant now = clock.instant();
        List<QueuedMessage> due = new ArrayList<>();
        boolean flush = flushOnRecovery;
        for (QueuedMessage m : messages) {
            m.recovered = true; // held as the spool's recovery found it
            m.flushed |= flush;
            queued.put(m.id(), m);
            if (m.held) {
                continue; // its release asks for a pass
            }
            Instant at = flush ? now : resumeAt(m, now);
            if (at.isAfter(now)) {
                retryAt(m, at);
            } else {
                due.add(m);
            }
        }
        long window = Math.min(schedule.min().toNanos(), RECOVERY_PACE.toNanos() * due.size());
        for (int i = 0; i < due.size(); i++) { // apart from `now`, however long this loop takes to schedule them
            retryIn(due.get(i), TimeUnit.NANOSECONDS.toMillis(window / due.size() * i));
        }
        recovering = false;
        flushOnRecovery = false;
    }

    /**
     * The spool is being recovered in the background: until {@link #recover} gets its messages, the queue holds
     * only new ones, and a flush of the whole queue also flushes what the recovery hands over.
     */
    public void recovering() {
        recovering = true;
    }

    /** True from {@link #recovering()} until the recovered messages are handed over. */
    public boolean isRecovering() {
        return recovering;
    }

    /** Set from {@link #recovering()} until {@link #recover}. */
    private volatile boolean recovering;
    /** A flush of the whole queue was asked for while {@link #recovering}: it applies to the recovered messages too. */
    private volatile boolean flushOnRecovery;

    /** How far apart recovered messages that are due at start begin, at most (1,000 a second). */
    static final Duration RECOVERY_PACE = Duration.ofMillis(1);

    /**
     * When a recovered message needs its first pass: the earliest retry, notice or expiry it owes, or {@code now}
     * itself when something is due (the caller's instant, not a fresh read: a later one would look like a time to
     * wait for, and every due message would start at once instead of spread out).
     */
    private Instant resumeAt(QueuedMessage m, Instant now) {
        boolean waiting = false;
        for (RecipientState.Entry e : m.state().entries()) {
            if (e.done() ? !e.notified() : e.nextAttempt() == null || !e.nextAttempt().isAfter(now)) {
                return now;
            }
            waiting |= !e.done();
        }
        if (!waiting) {
            return now; // finished, not yet removed
        }
        Instant expiry = m.envelope().arrival().plus(settings.maxLifetime());
        Instant next = nextPass(m);
        return expiry.isBefore(next) ? expiry : next;
    }

    /** The messages now in the queue. */
    public Collection<QueuedMessage> messages() {
        return List.copyOf(queued.values());
    }

    public QueuedMessage message(String id) {
        return queued.get(id);
    }

    /** Makes the deferred recipients of one message (or of all, when {@code id} is null) due now. */
    public int flush(String id) {
        int n = 0;
        if (id == null && recovering) {
            flushOnRecovery = true;
        }
        for (QueuedMessage m : id == null ? messages() : nullable(queued.get(id))) {
            m.flushed = true; // the next pass makes them due; one under way is not waited for
            if (!m.held) {
                execute(m, Lane.LOCAL);
            }
            n++;
        }
        return n;
    }

    /** Holds a message: no attempts until {@link #release}. */
    public boolean hold(String id) throws IOException {
        QueuedMessage m = queued.get(id);
        if (m == null) {
            return false;
        }
        spool.setHeld(id, true);
        m.held = true;
        MailLog.queued(id, "held");
        return true;
    }

    public boolean release(String id) throws IOException {
        QueuedMessage m = queued.get(id);
        if (m == null) {
            return false;
        }
        spool.setHeld(id, false);
        m.held = false;
        MailLog.queued(id, "released");
        execute(m, Lane.LOCAL);
        return true;
    }

    /**
     * Deletes a message from the queue without any notice. Answers at once: when an attempt is under way (a
     * slow peer may hold it for minutes), that attempt records nothing more and removes the message as it ends.
     */
    public boolean delete(String id) throws IOException {
        QueuedMessage m = queued.remove(id);
        if (m == null) {
            return false;
        }
        m.deleted = true;
        if (m.lock.tryLock()) {
            try {
                removeDeleted(m);
            } finally {
                m.lock.unlock();
            }
        }
        MailLog.queued(id, "deleted by the operator");
        return true;
    }

    private void removeDeleted(QueuedMessage m) throws IOException {
        m.pending.set(0);
        if (!m.removed) {
            spool.remove(m);
            m.removed = true;
        }
    }

    private static List<QueuedMessage> nullable(QueuedMessage m) {
        return m == null ? List.of() : List.of(m);
    }

    private void execute(QueuedMessage m, Lane lane) {
        lanes.execute(m, lane);
    }

    /** One pass over a message in every lane, on the caller's thread. Package-private for tests. */
    void runDue(QueuedMessage m, boolean recovering) {
        m.recovered |= recovering;
        m.lock.lock();
        try {
            pass(m, null);
        } finally {
            m.lock.unlock();
        }
    }

    /** A batch's local delivery done ahead of its message's pass: for which recipients, and how each went. */
    private record Early(List<Integer> group, List<Attempt> results) {
    }

    /**
     * The local lane's passes of a batch (their locks held): first the local delivery of each message whose
     * recipients have all never been tried (new mail), with the fsync of each Maildir's new/ put off
     * ({@link DeferredSyncs}); then one fsync per new/ for the whole batch; only then each message's pass, which
     * records those deliveries as done (or deferred, when an fsync of new/ failed), logs them and removes the
     * message. So nothing counts before its new/ entry is durable, and a batch of n messages into one mailbox
     * pays one fsync of new/, not n.
     */
    private void passes(List<QueuedMessage> batch) {
        Map<QueuedMessage, Early> early = new HashMap<>();
        IOException failed = null;
        DeferredSyncs.begin();
        try {
            for (QueuedMessage m : batch) {
                List<Integer> group = newLocalGroup(m);
                if (group != null) {
                    early.put(m, new Early(group, transport.deliver(m, List.copyOf(group), false)));
                }
            }
        } catch (RuntimeException e) {
            MailLog.attemptBug(batch.getFirst().id(), e); // the others' passes below deliver as usual
            early.clear();
        } finally {
            try {
                DeferredSyncs.finish(dirSync);
            } catch (IOException e) {
                failed = e;
            }
        }
        CrashPoints.reach(CrashPoints.BATCH_SYNCED);
        for (QueuedMessage m : batch) {
            Early e = early.get(m);
            if (e != null && failed != null) {
                e = new Early(e.group(), notDurable(e.results(), failed));
            }
            try {
                pass(m, Lane.LOCAL, e);
            } catch (RuntimeException x) {
                MailLog.attemptBug(m.id(), x);
                retryAt(m, clock.instant().plus(schedule.max()));
            }
        }
    }

    /**
     * The recipients a batch may deliver ahead of {@code m}'s pass: its local ones, when every recipient is
     * still untried and due (nothing expires, nothing is flushed or deferred: the pass's local group is the same);
     * otherwise null, and its pass does it all.
     */
    private List<Integer> newLocalGroup(QueuedMessage m) {
        if (m.held || m.deleted || m.removed || m.recovered || m.flushed) {
            return null;
        }
        RecipientState state = m.state();
        List<Envelope.Recipient> rcpts = m.envelope().recipients();
        List<Integer> group = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < state.size(); i++) {
            RecipientState.Entry e = state.get(i);
            if (e.status() != RecipientState.Status.PENDING || e.attempts() != 0 || !e.dueAt(now)) {
                return null;
            }
            if (transport.route(rcpts.get(i).address()).equals(Transport.LOCAL)) {
                group.add(i);
            }
        }
        return group.isEmpty() ? null : group;
    }

    /** A batch's deliveries whose new/ could not be fsynced: deferred, tried again as any other. */
    private static List<Attempt> notDurable(List<Attempt> results, IOException e) {
        List<Attempt> out = new ArrayList<>(results.size());
        for (Attempt a : results) {
            out.add(a instanceof Attempt.Delivered d
                    ? new Attempt.Deferred(d.relay(), "cannot deliver to maildir: " + e) : a);
        }
        return out;
    }

    /**
     * One pass over a message: expire what is past its lifetime, attempt what is due on {@code lane}'s routes
     * (every route when null), queue the notices that are due, save the state, and either remove the message or
     * schedule its next pass. Due work for the other lane is left in {@link QueuedMessage#pending}.
     */
    private void pass(QueuedMessage m, Lane lane) {
        pass(m, lane, null);
    }

    /** As {@link #pass(QueuedMessage, Lane)}, with the local group already delivered by a batch when {@code early}. */
    private void pass(QueuedMessage m, Lane lane, Early early) {
        if (m.held || m.deleted || m.removed) {
            return;
        }
        if (!verified(m)) {
            return;
        }
        Envelope env = m.envelope();
        RecipientState state = m.state();
        Instant now = clock.instant();
        Instant expiry = env.arrival().plus(settings.maxLifetime());
        boolean changed = false;
        if (m.flushed) {
            m.flushed = false;
            for (int i = 0; i < state.size(); i++) {
                if (!state.get(i).done()) {
                    state.set(i, state.get(i).dueNow());
                }
            }
        }

        // past the lifetime: the last error is final
        for (int i = 0; i < state.size(); i++) {
            RecipientState.Entry e = state.get(i);
            if (e.status() == RecipientState.Status.DEFERRED && !now.isBefore(expiry)) {
                String why = "message expired after " + human(settings.maxLifetime()) + " in the queue; last error: "
                        + e.lastError();
                state.set(i, e.expired(why));
                Envelope.Recipient r = env.recipients().get(i);
                MailLog.delivery(m.id(), r.address(), null, e.relay(), delay(env, now), "expired", why);
                changed = true;
            }
        }

        // due recipients, by route, local ones first
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < state.size(); i++) {
            if (state.get(i).dueAt(now)) {
                String route = transport.route(env.recipients().get(i).address());
                groups.computeIfAbsent(route, k -> new ArrayList<>()).add(i);
            }
        }
        List<String> routes = new ArrayList<>(groups.keySet());
        if (routes.remove(Transport.LOCAL)) {
            routes.addFirst(Transport.LOCAL);
        }
        int unsaved = 0; // recipients attempted in this pass since the state was last saved
        boolean handedOn = false; // due work left to the other lane's pass or to a route's waiting list
        boolean remote = false; // this pass attempted a remote route: a repeat would send the message again
        for (int g = 0; g < routes.size(); g++) {
            String route = routes.get(g);
            Lane own = route.equals(Transport.LOCAL) ? Lane.LOCAL : Lane.REMOTE;
            if (lane != null && lane != own) {
                own.ask(m); // run there when this pass lets go of the message
                handedOn = true;
                continue;
            }
            List<Integer> group = groups.get(route);
            remote |= own == Lane.REMOTE;
            List<Attempt> results = early != null && own == Lane.LOCAL && early.group().equals(group)
                    ? early.results() : deliver(m, route, group);
            if (results == null) {
                handedOn = true;
                continue; // the route is full: this message is woken when a place frees
            }
            Instant at = clock.instant();
            for (int k = 0; k < group.size(); k++) {
                int i = group.get(k);
                RecipientState.Entry e = state.get(i);
                state.set(i, e.after(results.get(k), at, retryAt(e.attempts() + 1, at, expiry)));
                logAttempt(m, i, results.get(k), at);
            }
            if (m.deleted) {
                return;
            }
            unsaved += group.size();
            if (g < routes.size() - 1) {
                if (unsaved >= savePeriod(state.size())) {
                    save(state); // before the next group, so a restart does not repeat a recorded delivery
                    unsaved = 0;
                }
            } else {
                changed = true; // saved below, or made moot by the durable removal
            }
        }

        int queuedNotices = notices.queueDue(m, clock.instant());
        for (int n = 0; n < queuedNotices; n++) {
            counts.add(Event.NOTICE);
        }
        changed |= queuedNotices >= 0;

        if (allFinished(state)) {
            try {
                if (!remote && queuedNotices <= 0 && deliveredLocally(m)) {
                    spool.removeRepeatable(m); // what this pass did, a restart may repeat: see Spool
                } else {
                    spool.remove(m);
                }
                m.removed = true;
                queued.remove(m.id());
                MailLog.queued(m.id(), "removed");
            } catch (IOException e) {
                MailLog.queueFailed(m.id(), "remove from the queue", e.toString());
            }
            return;
        }
        if (changed) {
            save(state);
        }
        Instant next = nextPass(m);
        if (handedOn && !next.isAfter(clock.instant())) {
            // the other lane's pass, or the place a route gives back, runs the due work and sets the next pass;
            // a timer now would only start this pass again, and again, while that work waits its turn
            next = clock.instant().plus(schedule.min());
        }
        retryAt(m, next);
    }

    /**
     * How many recipients a pass attempts between two saves of the state (which is written whole): every group
     * for a message of up to {@link #SAVES_PER_PASS} recipients, and for a bigger one every
     * {@code size / SAVES_PER_PASS}, so a pass over a mailing list writes its state a bounded number of times
     * instead of once per domain (100,000 recipients across 1,000 domains: 32 writes of about 27 MB, not
     * 1,000). A crash in the middle of such a pass repeats at most that many recipients' deliveries.
     */
    static int savePeriod(int size) {
        return Math.max(1, size / SAVES_PER_PASS);
    }

    /** The most saves between the groups of one pass, for a big message; see {@link #savePeriod}. */
    static final int SAVES_PER_PASS = 32;

    /** False when {@code m}, recovered at start, turns out damaged: the spool moved it aside, and it leaves the queue. */
    private boolean verified(QueuedMessage m) {
        try {
            if (spool.verify(m)) {
                return true;
            }
        } catch (IOException e) {
            MailLog.queueFailed(m.id(), "verify the checksum", e.toString());
            retryAt(m, clock.instant().plus(schedule.max()));
            return false;
        }
        m.removed = true;
        queued.remove(m.id());
        return false;
    }

    /**
     * Delivers one group, within its route's limit: null when the route has no place free (the message is put
     * on the route's waiting list); a place given back wakes the message that waited longest.
     */
    private List<Attempt> deliver(QueuedMessage m, String route, List<Integer> group) {
        int limit = transport.limit(route);
        boolean limited = limit != Integer.MAX_VALUE;
        if (limited && !slots.tryTake(route, limit, m)) {
            return null;
        }
        List<Attempt> results;
        try {
            results = transport.deliver(m, List.copyOf(group), m.recovered);
        } finally {
            if (limited) {
                QueuedMessage next = slots.giveBack(route);
                if (next != null) {
                    execute(next, Lane.REMOTE);
                }
            }
        }
        if (results.size() != group.size()) {
            throw new IllegalStateException("the transport answered " + results.size() + " outcomes for "
                    + group.size() + " recipients");
        }
        return results;
    }

    /** When a recipient deferred for the {@code n}th time at {@code at} is tried again: never after expiry. */
    private Instant retryAt(int n, Instant at, Instant expiry) {
        // the jitter: ThreadLocalRandom is safe on every delivery thread, and costs a first start no class loading
        Instant retry = at.plus(schedule.delayAfter(n, ThreadLocalRandom.current()));
        return retry.isAfter(expiry) ? expiry : retry;
    }

    /**
     * True when every recipient of {@code m} was delivered on the local route: a delivery repeated after a power loss
     * finds its earlier copy in the Maildir ({@link Transport#deliver}'s {@code recovering}), and no notice is owed.
     */
    private boolean deliveredLocally(QueuedMessage m) {
        RecipientState state = m.state();
        List<Envelope.Recipient> rcpts = m.envelope().recipients();
        for (int i = 0; i < state.size(); i++) {
            if (state.get(i).status() != RecipientState.Status.DELIVERED
                    || !transport.route(rcpts.get(i).address()).equals(Transport.LOCAL)) {
                return false;
            }
        }
        return true;
    }

    /** True when every recipient is finished and its final notice (if any) is queued. */
    private static boolean allFinished(RecipientState state) {
        for (RecipientState.Entry e : state.entries()) {
            if (!e.done() || !e.notified()) {
                return false;
            }
        }
        return true;
    }

    /** When the next pass is due: the earliest retry, or the delay-notice time, whichever comes first. */
    private Instant nextPass(QueuedMessage m) {
        Instant next = null;
        boolean anyWaiting = false;
        for (RecipientState.Entry e : m.state().entries()) {
            if (!e.done() && e.nextAttempt() != null && (next == null || e.nextAttempt().isBefore(next))) {
                next = e.nextAttempt();
            }
            anyWaiting |= e.status() == RecipientState.Status.DEFERRED && !e.delayNotified();
        }
        Instant warn = notices.delayWarningAt(m.envelope().arrival());
        if (anyWaiting && warn != null && (next == null || warn.isBefore(next))) {
            next = warn.isBefore(clock.instant()) ? next : warn;
        }
        return next == null ? clock.instant().plus(schedule.max()) : next;
    }

    private void save(RecipientState state) {
        try {
            spool.saveState(state);
        } catch (IOException e) {
            MailLog.queueFailed(state.id(), "save delivery state", e.toString());
        }
    }

    private void retryAt(QueuedMessage m, Instant when) {
        retryIn(m, Math.max(0, Duration.between(clock.instant(), when).toMillis()));
    }

    private void retryIn(QueuedMessage m, long delay) {
        try {
            // one pending pass per message: a flush or release replaces the one scheduled before
            ScheduledFuture<?> previous = m.nextPass;
            m.nextPass = timer.schedule(() -> execute(m, Lane.LOCAL), delay, TimeUnit.MILLISECONDS);
            if (previous != null) {
                previous.cancel(false);
            }
        } catch (RejectedExecutionException e) {
            // shutting down: the message stays in the spool and is picked up at the next start
        }
    }

    private static String delay(Envelope env, Instant at) {
        return String.format(Locale.ROOT, "%.2f", Duration.between(env.arrival(), at).toMillis() / 1000.0);
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0 && s > 0) {
            return s / 86400 + (s == 86400 ? " day" : " days");
        }
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + (s == 3600 ? " hour" : " hours");
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + (s == 60 ? " minute" : " minutes");
        }
        return d.toMillis() % 1000 == 0 ? s + " seconds" : d.toMillis() + " ms";
    }

    private void logAttempt(QueuedMessage m, int i, Attempt a, Instant at) {
        Envelope.Recipient r = m.envelope().recipients().get(i);
        String delay = delay(m.envelope(), at);
        String orig = r.original().equalsIgnoreCase(r.address()) ? null : r.original();
        counts.add(switch (a) {
            case Attempt.Delivered d -> Event.SENT;
            case Attempt.Deferred d -> Event.DEFERRED;
            case Attempt.Failed f -> Event.BOUNCED;
        });
        switch (a) {
            case Attempt.Delivered d -> MailLog.delivery(m.id(), r.address(), orig, d.relay(), delay, "sent",
                    d.detail());
            case Attempt.Deferred d -> MailLog.delivery(m.id(), r.address(), orig, d.relay(), delay, "deferred",
                    d.reason());
            case Attempt.Failed f -> MailLog.delivery(m.id(), r.address(), orig, f.relay(), delay, "bounced",
                    f.reason());
        }
    }

    /** How many times each {@link Event} has happened since start. */
    public Counts<Event> counts() {
        return counts;
    }

    /** Messages in the queue now. */
    public int size() {
        return queued.size();
    }

    /** Messages waiting for a place on their remote route. */
    public int waitingForRoute() {
        return slots.waiting();
    }

    /** Stops taking work and waits up to {@code grace} for attempts under way; what is left stays in the spool. */
    public void close(Duration grace) {
        timer.shutdownNow();
        lanes.close(grace);
        if (spool != null) {
            spool.close(); // the finished records written without their fdatasync get it now
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
