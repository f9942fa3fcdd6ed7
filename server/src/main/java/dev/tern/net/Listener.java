package dev.tern.net;

import dev.tern.config.Config.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening socket. Each accepted connection is handed to {@code handler} on a virtual thread of its
 * own; the handler owns the socket from then on.
 */
public final class Listener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);

    /** The longest {@link #close} waits for the accepting thread to leave. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final String name;
    /** The address as configured (port 0 stays 0), to tell on reload whether the configuration changed it. */
    private final HostPort configured;
    private final ServerSocket server;
    private final Consumer<Socket> handler;
    private final Thread acceptor;

    /** Binds at once, so a port in use fails here, before the server says it is ready. */
    public Listener(String name, HostPort address, Consumer<Socket> handler) throws IOException {
        this.name = name;
        this.configured = address;
        this.handler = handler;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()), 1024);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen for " + name + " on " + address + ": " + e.getMessage(), e);
        }
        this.acceptor = Thread.ofPlatform().daemon().name(name + "-accept").unstarted(this::acceptLoop);
    }

    public void start() {
        acceptor.start();
    }

    public String name() {
        return name;
    }

    /** The address as the configuration wrote it. */
    public HostPort configured() {
        return configured;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (SocketException e) {
                if (server.isClosed()) {
                    return;
                }
                log.warn("{}: accept failed: {}", name, e.toString());
                pause();
                continue;
            } catch (IOException e) {
                log.warn("{}: accept failed: {}", name, e.toString());
                pause(); // e.g. out of file descriptors: do not spin
                continue;
            }
            Thread.ofVirtual().name(name + "-conn").start(() -> handler.accept(s));
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops accepting; connections already accepted go on. Returns once the accepting thread has left (at most
     * {@link #CLOSE_WAIT}): only then is the port free for another socket (a reload binding it again).
     */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("{}: close: {}", name, e.toString());
        }
        if (acceptor.isAlive() && Thread.currentThread() != acceptor) {
            try {
                acceptor.join(CLOSE_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
