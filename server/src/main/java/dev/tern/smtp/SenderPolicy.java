package dev.tern.smtp;

/** Whether an authenticated user may send as an address. Implemented in {@code dev.tern.policy}. */
@FunctionalInterface
public interface SenderPolicy {
    /** Nobody may use any address: for sessions where nobody can authenticate. */
    SenderPolicy NOBODY = (user, address) -> false;

    /**
     * True when {@code user} (an address, as authenticated) may use {@code address} (a lower-cased
     * {@code local@domain}) as envelope sender or in the From: header.
     */
    boolean mayUse(String user, String address);
}
