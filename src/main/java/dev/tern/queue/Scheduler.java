package dev.tern.queue;

import dev.tern.log.MailLog;
import dev.tern.metrics.Counts;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Works the queue: each accepted message is attempted at once; its due recipients are grouped by route (one
 * group per remote domain) and handed to the {@link Transport}; recipients that fail temporarily are tried again
 * on the {@link RetrySchedule}. After {@code delayWarning} a still-deferred recipient earns one delay notice;
 * after {@code maxLifetime} it fails with its last error. Every permanent failure is reported to the sender at
 * once in a bounce naming only the failed recipients ({@link Dsn}). The state of each recipient is saved after
 * each attempt, and a message leaves the spool when every recipient is finished and every notice is queued.
 */
public final class Scheduler implements AutoCloseable {

    /**
     * @param delayWarning when a still-deferred recipient earns a delay notice; zero = never
     * @param maxLifetime  when a still-deferred recipient fails with its last error
     * @param concurrency  how many messages are worked on at once
     * @param hostname     our name in notices (Reporting-MTA, MAILER-DAEMON@hostname)
     * @param postmaster   where a notice that cannot be delivered goes, once
     */
    public record Settings(RetrySchedule schedule, Duration delayWarning, Duration maxLifetime, int concurrency,
                           String hostname, String postmaster) {
    }

    private final Spool spool;
    private final Transport transport;
    private final Clock clock;
    private final Settings settings;
    private final RetrySchedule schedule;
    private final RandomGenerator random = RandomGenerator.getDefault();
    /**
     * Platform threads, not virtual ones: a delivery is file work (open, write, fsync, rename), and every such
     * call on a virtual thread pins its carrier and makes the scheduler wake or start a compensating carrier,
     * which cost more CPU than the delivery itself on a small machine.
     */
    private final ExecutorService workers;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("queue-timer").factory());
    /** Every message in the queue, by ID. */
    private final ConcurrentHashMap<String, QueuedMessage> queued = new ConcurrentHashMap<>();

    /** What the metrics count for the queue: one per recipient and attempt, and one per notice queued. */
    public enum Event { SENT, DEFERRED, BOUNCED, NOTICE }

    private final Counts<Event> counts = new Counts<>(Event.class);

    public Scheduler(Spool spool, Transport transport, Clock clock, Settings settings) {
        this.spool = spool;
        this.transport = transport;
        this.clock = clock;
        this.settings = settings;
        this.schedule = settings.schedule();
        this.workers = Executors.newFixedThreadPool(settings.concurrency(),
                Thread.ofPlatform().daemon().name("delivery-", 0).factory());
    }

    /** A message was just accepted: deliver it now. */
    public void submit(QueuedMessage message) {
        queued.put(message.id(), message);
        execute(message, false);
    }

    /** Messages found in the spool at start: resume each where its schedule stood. */
    public void recover(List<QueuedMessage> messages) {
        for (QueuedMessage m : messages) {
            m.held = spool.isHeld(m.id());
            queued.put(m.id(), m);
            execute(m, true);
        }
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
        for (QueuedMessage m : id == null ? messages() : nullable(queued.get(id))) {
            m.lock.lock();
            try {
                RecipientState st = m.state();
                for (int i = 0; i < st.size(); i++) {
                    RecipientState.Entry e = st.get(i);
                    if (!e.done() && e.nextAttempt() != null) {
                        st.set(i, new RecipientState.Entry(e.status(), e.attempts(), e.lastError(), e.lastAttempt(),
                                null, e.dsnStatus(), e.remoteMta(), e.diagnostic(), e.relay(), e.dsnPassedOn(),
                                e.notified(), e.delayNotified()));
                    }
                }
            } finally {
                m.lock.unlock();
            }
            if (!m.held) {
                execute(m, false);
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
        execute(m, false);
        return true;
    }

    /** Deletes a message from the queue without any notice. */
    public boolean delete(String id) throws IOException {
        QueuedMessage m = queued.get(id);
        if (m == null) {
            return false;
        }
        m.lock.lock();
        try {
            m.deleted = true;
            spool.remove(m);
            queued.remove(id);
        } finally {
            m.lock.unlock();
        }
        MailLog.queued(id, "deleted by the operator");
        return true;
    }

    private static List<QueuedMessage> nullable(QueuedMessage m) {
        return m == null ? List.of() : List.of(m);
    }

    private void execute(QueuedMessage m, boolean recovering) {
        try {
            workers.execute(() -> attempt(m, recovering));
        } catch (RejectedExecutionException e) {
            // shutting down: the message stays in the spool
        }
    }

    /** Runs on one of the {@code concurrency} delivery threads, which is what bounds deliveries at once. */
    private void attempt(QueuedMessage m, boolean recovering) {
        try {
            m.lock.lock(); // a pass under way (it may be the one that scheduled this) finishes first
            try {
                runDue(m, recovering);
            } finally {
                m.lock.unlock();
            }
        } catch (RuntimeException e) {
            MailLog.attemptBug(m.id(), e);
            retryAt(m, clock.instant().plus(schedule.max()));
        }
    }

    /**
     * One pass over a message: expire what is past its lifetime, attempt what is due, queue the notices that are
     * due, save the state, and either remove the message or schedule its next pass. Package-private for tests,
     * which call it with a fixed clock.
     */
    void runDue(QueuedMessage m, boolean recovering) {
        if (m.held || m.deleted) {
            return;
        }
        Envelope env = m.envelope();
        RecipientState state = m.state();
        Instant now = clock.instant();
        Instant expiry = env.arrival().plus(settings.maxLifetime());

        // past the lifetime: the last error is final
        boolean changed = false;
        for (int i = 0; i < state.size(); i++) {
            RecipientState.Entry e = state.get(i);
            if (e.status() == RecipientState.Status.DEFERRED && !now.isBefore(expiry)) {
                String why = "message expired after " + human(settings.maxLifetime()) + " in the queue; last error: "
                        + e.lastError();
                state.set(i, new RecipientState.Entry(RecipientState.Status.FAILED, e.attempts(), why,
                        e.lastAttempt(), null, e.dsnStatus() == null ? "4.4.7" : e.dsnStatus(), e.remoteMta(),
                        e.diagnostic(), e.relay(), false, false, e.delayNotified()));
                Envelope.Recipient r = env.recipients().get(i);
                MailLog.delivery(m.id(), r.address(), null, e.relay(), delay(env, now), "expired", why);
                changed = true;
            }
        }

        // due recipients, by route
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < state.size(); i++) {
            RecipientState.Entry e = state.get(i);
            if (e.done() || e.nextAttempt() != null && e.nextAttempt().isAfter(now)) {
                continue;
            }
            String route = transport.route(env.recipients().get(i).address());
            groups.computeIfAbsent(route, k -> new ArrayList<>()).add(i);
        }
        int left = groups.size();
        for (List<Integer> group : groups.values()) {
            left--;
            Map<Integer, Attempt> results = transport.deliver(m, group, recovering);
            Instant at = clock.instant();
            for (int i : group) {
                Attempt a = results.get(i);
                if (a == null) {
                    a = new Attempt.Deferred("none", "no outcome for this recipient (a bug)");
                }
                RecipientState.Entry e = state.get(i);
                state.set(i, next(e, a, at, env));
                logAttempt(m, i, a, at);
            }
            if (m.deleted) {
                return;
            }
            if (left > 0) {
                save(state); // before the next group, so a restart never repeats a recorded delivery
            } else {
                changed = true; // saved below, or made moot by the durable removal
            }
        }

        // notices
        changed |= notices(m, clock.instant());

        if (allFinished(state)) {
            try {
                spool.remove(m);
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
        retryAt(m, nextPass(m));
    }

    private RecipientState.Entry next(RecipientState.Entry e, Attempt a, Instant at, Envelope env) {
        int n = e.attempts() + 1;
        return switch (a) {
            case Attempt.Delivered d -> new RecipientState.Entry(RecipientState.Status.DELIVERED, n, null, at, null,
                    "2.0.0", d.remoteMta(), d.detail(), d.relay(), d.dsnPassedOn(), false, e.delayNotified());
            case Attempt.Deferred d -> {
                Instant retry = at.plus(schedule.delayAfter(n, random));
                Instant expiry = env.arrival().plus(settings.maxLifetime());
                yield new RecipientState.Entry(RecipientState.Status.DEFERRED, n, d.reason(), at,
                        retry.isAfter(expiry) ? expiry : retry, d.status(), d.remoteMta(), d.diagnostic(), d.relay(),
                        false, false, e.delayNotified());
            }
            case Attempt.Failed f -> new RecipientState.Entry(RecipientState.Status.FAILED, n, f.reason(), at, null,
                    f.status(), f.remoteMta(), f.diagnostic(), f.relay(), false, false, e.delayNotified());
        };
    }

    /** True when every recipient is finished and its final notice (if any) is queued. */
    private boolean allFinished(RecipientState state) {
        for (RecipientState.Entry e : state.entries()) {
            if (!e.done() || !e.notified()) {
                return false;
            }
        }
        return true;
    }

    /** When the next pass is due: the earliest retry, or the delay-notice time, whichever comes first. */
    private Instant nextPass(QueuedMessage m) {
        Envelope env = m.envelope();
        Instant next = null;
        boolean anyWaiting = false;
        for (RecipientState.Entry e : m.state().entries()) {
            if (!e.done() && e.nextAttempt() != null && (next == null || e.nextAttempt().isBefore(next))) {
                next = e.nextAttempt();
            }
            anyWaiting |= e.status() == RecipientState.Status.DEFERRED && !e.delayNotified();
        }
        if (anyWaiting && !settings.delayWarning().isZero()) {
            Instant warn = env.arrival().plus(settings.delayWarning());
            if (next == null || warn.isBefore(next)) {
                next = warn.isBefore(clock.instant()) ? next : warn;
            }
        }
        return next == null ? clock.instant().plus(schedule.max()) : next;
    }

    // ------------------------------------------------------------------------------------------------ notices

    /** Queues the notices now due; returns true when the state changed. */
    private boolean notices(QueuedMessage m, Instant now) {
        Envelope env = m.envelope();
        RecipientState state = m.state();
        List<Integer> failed = new ArrayList<>();
        List<Integer> succeeded = new ArrayList<>();
        List<Integer> delayed = new ArrayList<>();
        boolean warnNow = !settings.delayWarning().isZero()
                && !now.isBefore(env.arrival().plus(settings.delayWarning()));
        for (int i = 0; i < state.size(); i++) {
            RecipientState.Entry e = state.get(i);
            if (e.status() == RecipientState.Status.FAILED && !e.notified()) {
                failed.add(i);
            } else if (e.status() == RecipientState.Status.DELIVERED && !e.notified()) {
                succeeded.add(i);
            } else if (e.status() == RecipientState.Status.DEFERRED && !e.delayNotified() && warnNow) {
                delayed.add(i);
            }
        }
        boolean changed = false;
        if (!failed.isEmpty()) {
            changed |= notify(m, Dsn.Kind.FAILURE, failed);
        }
        if (!succeeded.isEmpty()) {
            changed |= notify(m, Dsn.Kind.SUCCESS, succeeded);
        }
        if (!delayed.isEmpty()) {
            changed |= notify(m, Dsn.Kind.DELAY, delayed);
        }
        return changed;
    }

    /** Sends one notice of {@code kind} about the recipients at {@code indices} (those who want one) and marks them. */
    private boolean notify(QueuedMessage m, Dsn.Kind kind, List<Integer> indices) {
        Envelope env = m.envelope();
        RecipientState state = m.state();
        List<Dsn.Report> reports = new ArrayList<>();
        for (int i : indices) {
            RecipientState.Entry e = state.get(i);
            Envelope.Recipient r = env.recipients().get(i);
            String action = kind.action;
            boolean wanted = switch (kind) {
                case FAILURE -> r.wants("FAILURE");
                case DELAY -> r.wants("DELAY");
                case SUCCESS -> r.wants("SUCCESS") && !e.dsnPassedOn();
            };
            if (kind == Dsn.Kind.SUCCESS && e.remoteMta() != null) {
                action = "relayed"; // handed to a peer that takes no DSN parameters
            }
            if (wanted) {
                reports.add(new Dsn.Report(r, action, e.dsnStatus() == null ? defaultStatus(kind) : e.dsnStatus(),
                        e.remoteMta(), kind == Dsn.Kind.SUCCESS ? null : e.diagnostic(), e.lastError(),
                        e.lastAttempt()));
            }
        }
        String to = env.sender();
        int level = Envelope.NOTICE;
        if (!reports.isEmpty() && kind == Dsn.Kind.FAILURE && to.isEmpty()) {
            if (env.notice() == Envelope.NOTICE) {
                to = settings.postmaster(); // a notice we wrote could not be delivered: tell the postmaster, once
                level = Envelope.NOTICE_TO_POSTMASTER;
            } else if (env.notice() == Envelope.NOTICE_TO_POSTMASTER) {
                MailLog.noticeDropped(m.id());
            }
        }
        if (!reports.isEmpty() && !to.isEmpty()) {
            try {
                String id = queueNotice(m, kind, reports, to, level);
                MailLog.noticeFor(m.id(), kind.name().toLowerCase(Locale.ROOT), id);
            } catch (IOException | RuntimeException ex) {
                MailLog.queueFailed(m.id(), "queue a " + kind.name().toLowerCase(Locale.ROOT)
                        + " notice; will try again", ex.toString());
                return false;
            }
        }
        for (int i : indices) {
            RecipientState.Entry e = state.get(i);
            state.set(i, kind == Dsn.Kind.DELAY ? e.withDelayNotified() : e.withNotified());
        }
        return true;
    }

    private static String defaultStatus(Dsn.Kind kind) {
        return switch (kind) {
            case FAILURE -> "5.0.0";
            case DELAY -> "4.0.0";
            case SUCCESS -> "2.0.0";
        };
    }

    private String queueNotice(QueuedMessage m, Dsn.Kind kind, List<Dsn.Report> reports, String to, int level)
            throws IOException {
        Envelope env = m.envelope();
        String ret = env.ret() == null ? "" : env.ret().toUpperCase(Locale.ROOT);
        long limit = kind != Dsn.Kind.FAILURE || ret.equals("HDRS") ? -1
                : ret.equals("FULL") ? Dsn.FULL_LIMIT : Dsn.DEFAULT_FULL_LIMIT;
        boolean full = m.contentSize() <= limit;
        byte[] original = full ? readContent(m, m.contentSize()) : readHeader(m);
        Instant now = clock.instant();
        String id = spool.newId();
        byte[] content = Dsn.build(settings.hostname(), kind, env, reports, to, original, full, now, clock.getZone(),
                id + "." + now.toEpochMilli() + "@" + settings.hostname());
        Envelope.Recipient rcpt = new Envelope.Recipient(to, to, null, null);
        Envelope notice = new Envelope(id, "", now, "127.0.0.1", settings.hostname(), "LOCAL", false,
                Dsn.hasEightBit(content) ? "8BITMIME" : null, null, null, List.of(rcpt), level);
        Spool.Incoming in = spool.begin(notice);
        in.content().write(content);
        QueuedMessage q = in.commit();
        MailLog.noticeQueued(id, content.length, kind.name().toLowerCase(Locale.ROOT), m.id());
        submit(q);
        counts.add(Event.NOTICE);
        return id;
    }

    private static byte[] readContent(QueuedMessage m, long n) throws IOException {
        try (InputStream in = m.openContent()) {
            return in.readNBytes((int) Math.min(n, Integer.MAX_VALUE - 16));
        }
    }

    /** The original's header block: at most 64 KiB, cut at a line end. */
    private static byte[] readHeader(QueuedMessage m) throws IOException {
        byte[] head = readContent(m, Math.min(m.contentSize(), 64 * 1024));
        int n = Dsn.headerLength(head);
        if (n == head.length) {
            while (n > 0 && head[n - 1] != '\n') {
                n--;
            }
        }
        return java.util.Arrays.copyOf(head, n);
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    private void save(RecipientState state) {
        try {
            spool.saveState(state);
        } catch (IOException e) {
            MailLog.queueFailed(state.id(), "save delivery state", e.toString());
        }
    }

    private void retryAt(QueuedMessage m, Instant when) {
        long delay = Math.max(0, Duration.between(clock.instant(), when).toMillis());
        try {
            // one pending pass per message: a flush or release replaces the one scheduled before
            java.util.concurrent.ScheduledFuture<?> previous = m.nextPass;
            m.nextPass = timer.schedule(() -> execute(m, false), delay, TimeUnit.MILLISECONDS);
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

    /** Stops taking work and waits up to {@code grace} for attempts under way; what is left stays in the spool. */
    public void close(Duration grace) {
        timer.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
