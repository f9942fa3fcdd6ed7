package dev.tern.capture;

import dev.tern.smtp.Reply;
import dev.tern.smtp.server.Capture;
import dev.tern.smtp.server.Capture.Action;
import dev.tern.smtp.server.Capture.Stage;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A failure script: at one stage, for one address or any, once the server has taken enough messages, do
 * {@link #action()} instead of Tern's own answer, at most {@code times} times (0: every time).
 *
 * <p>At MAIL the address is the sender's, at RCPT the recipient's; at DATA and the end of data it is the
 * sender or any recipient of the transaction; at CONNECT and EHLO a script with an address never applies.
 *
 * @param address       the address it applies to (any case), or null for any
 * @param afterMessages applies only once this many messages have been taken (a rate limit); 0 from the start
 * @param times         how many times it applies before Tern answers as usual again; 0 for always
 */
public record Script(Stage stage, String address, int afterMessages, int times, Action action, AtomicInteger used) {

    public Script {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(action, "action");
        address = address == null ? null : address.toLowerCase(Locale.ROOT);
        if (afterMessages < 0 || times < 0) {
            throw new IllegalArgumentException("afterMessages and times must not be negative");
        }
    }

    /** The action at {@code p}, counting one use, or null when the script does not apply there. */
    Action fire(Capture.Point p, int taken) {
        if (p.stage() != stage || taken < afterMessages || !concerns(p)) {
            return null;
        }
        if (times > 0 && used.getAndIncrement() >= times) {
            return null;
        }
        return action;
    }

    private boolean concerns(Capture.Point p) {
        if (address == null) {
            return true;
        }
        return switch (p.stage()) {
            case CONNECT, EHLO -> false;
            case MAIL, RCPT -> address.equalsIgnoreCase(p.address());
            case DATA, END_OF_DATA -> address.equalsIgnoreCase(p.sender())
                    || p.recipients().stream().anyMatch(address::equalsIgnoreCase);
        };
    }

    /** Builds a script for one stage; a terminal method ({@link #reply}, {@link #drop}, {@link #delay}) sets it. */
    public static final class Builder {
        private final Stage stage;
        private final Consumer<Script> sink;
        private String address;
        private int afterMessages;
        private int times;

        public Builder(Stage stage, Consumer<Script> sink) {
            this.stage = Objects.requireNonNull(stage);
            this.sink = sink;
        }

        /** Applies to this address only (sender at MAIL, recipient at RCPT, either at DATA and end of data). */
        public Builder forAddress(String address) {
            this.address = address;
            return this;
        }

        /** Applies only once the server has taken {@code n} messages: "refuse after N messages". */
        public Builder afterMessages(int n) {
            this.afterMessages = n;
            return this;
        }

        /** Applies {@code n} times, then Tern answers as usual: "fail N times, then accept". */
        public Builder times(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("times must be at least 1");
            }
            this.times = n;
            return this;
        }

        /** Answers {@code code enhanced text}, e.g. {@code reply(451, "4.3.0", "Try again later")}. */
        public Script reply(int code, String enhanced, String text) {
            if (code < 200 || code > 599) {
                throw new IllegalArgumentException("an SMTP reply code is 200 to 599: " + code);
            }
            return set(new Action.Answer(Reply.of(code, enhanced, text)));
        }

        /** Closes the connection without a reply. */
        public Script drop() {
            return set(new Action.Drop());
        }

        /** Waits {@code delay} before Tern answers as usual (to test the client's time-outs). */
        public Script delay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("a delay cannot be negative");
            }
            return set(new Action.Delay(delay));
        }

        private Script set(Action action) {
            Script s = new Script(stage, address, afterMessages, times, action, new AtomicInteger());
            sink.accept(s);
            return s;
        }
    }
}
