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
    }

    Decision recipient(Mailbox forwardPath, InetAddress client, boolean authenticated);

    /** True when {@code client} is in a network trusted to relay ({@code relay.trusted_networks}). */
    default boolean isTrusted(InetAddress client) {
        return false;
    }
}
