package dev.tern.capture;

import dev.tern.queue.Envelope;
import dev.tern.smtp.server.Capture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What a capture-mode Tern took, and the scripts that answer in its place: the SMTP server hands each
 * accepted message to {@link #accept} and asks {@link #at} at every stage. Readers list, wait for and clear
 * the messages; a reset costs a list clear.
 */
public final class CaptureStore implements Capture {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Accepted messages in order, since the last reset. */
    private final List<CapturedMessage> messages = new ArrayList<>();
    /** Scripts in the order set; the first that applies wins. */
    private final List<Script> scripts = new CopyOnWriteArrayList<>();
    /**
     * Told of each message before it is listed (tern-junit copies it into its recipients' mailboxes), so that
     * whoever waits for it finds it in the mailboxes too.
     */
    private final Consumer<CapturedMessage> listener;
    /** Run once, when a session next gets past its greeting ({@link #onPastGreeting}); else null. */
    private final AtomicReference<Runnable> pastGreeting = new AtomicReference<>();

    public CaptureStore() {
        this(m -> { });
    }

    public CaptureStore(Consumer<CapturedMessage> listener) {
        this.listener = listener;
    }

    /**
     * Runs {@code r} once (on that session's thread), the next time a session sends a command after its greeting;
     * tern-junit starts its TLS set-up then, so that it does not compete with the first greeting.
     */
    public void onPastGreeting(Runnable r) {
        pastGreeting.set(r);
    }

    @Override
    public Action at(Point point) {
        if (point.stage() != Stage.CONNECT && pastGreeting.get() != null) {
            Runnable r = pastGreeting.getAndSet(null);
            if (r != null) {
                r.run();
            }
        }
        int taken = size();
        for (Script s : scripts) {
            Action a = s.fire(point, taken);
            if (a != null) {
                return a;
            }
        }
        return null;
    }

    @Override
    public void accept(Captured c) {
        Envelope e = c.envelope();
        CapturedMessage m = new CapturedMessage(e.id(), e.sender(), e.recipients().stream().map(Envelope.Recipient::original)
                .toList(), c.content(), e.arrival(), e.client(), e.helo(), e.protocol(), c.tls(), c.user(),
                new CapturedMessage.MailParams(e.body(), e.smtpUtf8(), e.ret(), e.envid()));
        try {
            listener.accept(m);
        } finally {
            lock.lock();
            try {
                messages.add(m);
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A script for {@code stage}, set when its builder's terminal method is called. */
    public Script.Builder on(Stage stage) {
        return new Script.Builder(stage, scripts::add);
    }

    /** Sets a script made elsewhere (the HTTP endpoint). */
    public void add(Script s) {
        scripts.add(s);
    }

    public List<Script> scripts() {
        return List.copyOf(scripts);
    }

    public void clearScripts() {
        scripts.clear();
    }

    /** The message with this queue ID, or null. */
    public CapturedMessage message(String id) {
        return messages().stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }

    /** The messages taken since the last reset, oldest first. */
    public List<CapturedMessage> messages() {
        lock.lock();
        try {
            return List.copyOf(messages);
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return messages.size();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the messages and the scripts. */
    public void reset() {
        scripts.clear();
        clearMessages();
    }

    /** Forgets the messages; returns how many there were. */
    public int clearMessages() {
        lock.lock();
        try {
            int n = messages.size();
            messages.clear();
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code count} messages match, at most {@code timeout}, and returns those that match then
     * (fewer than {@code count} when the time ran out).
     */
    public List<CapturedMessage> await(Predicate<CapturedMessage> match, int count, Duration timeout)
            throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                List<CapturedMessage> found = messages.stream().filter(match).toList();
                if (found.size() >= count || left <= 0) {
                    return found;
                }
                left = arrived.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }
}
