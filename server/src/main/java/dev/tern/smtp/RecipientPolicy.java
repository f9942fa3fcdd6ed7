package dev.tern.smtp;

import java.net.InetAddress;
import java.util.List;

/** Decides at RCPT time whether a recipient is taken, and where its mail goes. Implemented in {@code dev.tern.policy}. */
public interface RecipientPolicy {

    /** What becomes of one RCPT. */
    sealed interface Decision {
        /** Taken: the message goes to each of these addresses (aliases already expanded; never empty). */
        record Accept(List<String> deliverTo) implements Decision {
            public Accept {
                deliverTo = List.copyOf(deliverTo);
            }
        }

        record Reject(Reply reply) implements Decision {
        }

        /**
         * Not now, and not the client's fault: greylisting's 451. Unlike a refusal it does not count toward
         * {@code limits.max_errors}: a real server sending one message to many new recipients gets one per
         * recipient on its first attempt, and must not be cut off before each triple was seen once.
         */
        record Defer(Reply reply) implements Decision {
        }
    }

    Decision recipient(Mailbox forwardPath, InetAddress client, boolean authenticated);

    /** True when {@code client} is in a network trusted to relay ({@code relay.trusted_networks}). */
    default boolean isTrusted(InetAddress client) {
        return false;
    }
}
