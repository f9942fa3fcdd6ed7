package dev.tern.junit;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * A condition on a captured message that can say what it is: a failed wait names what it waited for.
 * Combine with {@link #and}. Any {@code Predicate<CapturedMail>} works too, described as "a predicate".
 */
public record Match(String description, Predicate<CapturedMail> test) implements Predicate<CapturedMail> {

    public Match {
        Objects.requireNonNull(description);
        Objects.requireNonNull(test);
    }

    @Override
    public boolean test(CapturedMail m) {
        return test.test(m);
    }

    /** Both conditions. */
    public Match and(Match other) {
        return new Match(description + " and " + other.description, m -> test(m) && other.test(m));
    }

    public static Match any() {
        return new Match("any message", m -> true);
    }

    /** Sent to {@code address} in the envelope: To, Cc or Bcc (any case). */
    public static Match to(String address) {
        return new Match("to <" + address + ">", m -> m.envelopeRecipients().stream().anyMatch(address::equalsIgnoreCase));
    }

    /** Sent from {@code address} in the envelope (MAIL FROM, any case). */
    public static Match from(String address) {
        return new Match("from <" + address + ">", m -> address.equalsIgnoreCase(m.envelopeFrom()));
    }

    /** With this subject, decoded. */
    public static Match subject(String subject) {
        return new Match("subject \"" + subject + "\"", m -> subject.equals(m.subject()));
    }

    /** With a subject containing {@code text}. */
    public static Match subjectContains(String text) {
        return new Match("subject containing \"" + text + "\"", m -> m.subject() != null && m.subject().contains(text));
    }

    /** With a header field {@code name} whose value, decoded, is {@code value}. */
    public static Match header(String name, String value) {
        return new Match(name + ": " + value, m -> m.headers(name).contains(value));
    }

    /** With a text part containing {@code text}. */
    public static Match textContains(String text) {
        return new Match("text containing \"" + text + "\"", m -> m.text().contains(text));
    }

    /** Described as given. */
    public static Match of(String description, Predicate<CapturedMail> test) {
        return new Match(description, test);
    }

    @Override
    public String toString() {
        return description;
    }
}
