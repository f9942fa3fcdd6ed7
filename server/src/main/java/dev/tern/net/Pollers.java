package dev.tern.net;

/**
 * How the JDK wakes a connection's virtual thread when its socket has data. By default (JDK 21 and later on
 * Linux) the pollers are themselves virtual threads under one platform "MasterPoller": each wake-up is the master's
 * epoll_wait, the poller's virtual thread scheduled, its own epoll_wait and the re-arming of its descriptor, then
 * the connection's thread. With platform poller threads ({@code jdk.pollerMode=1}) a poller thread's epoll_wait
 * unparks the connection's thread directly. Measured on {@code tern serve} (bench/session-chain.sh, one session,
 * one message per connection, a loaded machine): 80-83 system calls and 24-25 futex calls per message instead of
 * 86-102 and 27-35; at 10 sessions 81 instead of 88, and no more CPU (bench/RESULTS.md, session 8).
 */
public final class Pollers {
    static final String PROPERTY = "jdk.pollerMode";

    private Pollers() {
    }

    /**
     * Chooses platform poller threads unless {@code jdk.pollerMode} is set already (say by {@code TERN_JAVA_OPTS}).
     * Takes effect only before any virtual thread has waited for a socket: call it first thing in the server's main.
     */
    public static void usePlatformThreads() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "1");
        }
    }
}
