package dev.tern.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * A tiny authoritative DNS server on a loopback UDP port, built from dnsjava's message classes: answers from a
 * table (TXT, A, AAAA, MX), NXDOMAIN with an SOA for unknown names, NODATA for other types; {@link #silent} makes it
 * read queries and never answer. Answers too long for the client's UDP size are truncated (TC) and served again
 * over TCP on the same port, as real servers do. Counts the queries it receives.
 */
public final class TestDnsServer implements AutoCloseable {
    private static final Name ZONE = name("test.");
    private final DatagramSocket socket;
    private final java.net.ServerSocket tcp;
    private final Thread tcpThread;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();
    private final Thread thread;
    private volatile boolean silent;
    /** While held: UDP questions are counted and kept, answered by {@link #release}. */
    private final List<DatagramPacket> held = new ArrayList<>();
    private boolean holding;
    private volatile long ttl = 300;

    public TestDnsServer() throws IOException {
        java.net.ServerSocket t = null;
        DatagramSocket u = null;
        for (int attempt = 0; attempt < 20 && u == null; attempt++) {
            t = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            try {
                u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), t.getLocalPort()));
            } catch (SocketException busy) {
                t.close(); // that UDP port is taken: try another pair
            }
        }
        if (u == null) {
            throw new SocketException("no free TCP and UDP port pair on loopback");
        }
        tcp = t;
        socket = u;
        thread = Thread.ofPlatform().daemon().name("test-dns").start(this::serve);
        tcpThread = Thread.ofPlatform().daemon().name("test-dns-tcp").start(this::serveTcp);
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (java.net.Socket s = tcp.accept()) {
                s.setSoTimeout(5000);
                java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                byte[] q = new byte[in.readUnsignedShort()];
                in.readFully(q);
                queries.incrementAndGet();
                if (silent) {
                    continue;
                }
                byte[] a = answer(new Message(q)).toWire(65535);
                java.io.DataOutputStream o = new java.io.DataOutputStream(s.getOutputStream());
                o.writeShort(a.length);
                o.write(a);
                o.flush();
            } catch (IOException | RuntimeException e) {
                // closed, or a malformed query: ignore
            }
        }
    }

    public static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    public int queries() {
        return queries.get();
    }

    /** TTL of the records added from now on. */
    public TestDnsServer ttl(long seconds) {
        ttl = seconds;
        return this;
    }

    /** From now on UDP questions are counted but answered only at {@link #release}. */
    public TestDnsServer hold() {
        withHeld(() -> holding = true);
        return this;
    }

    /** Answers every held question, and the later ones at once again. */
    public void release() {
        List<DatagramPacket> due = new ArrayList<>();
        withHeld(() -> {
            holding = false;
            due.addAll(held);
            held.clear();
        });
        for (DatagramPacket p : due) {
            reply(p);
        }
    }

    private void withHeld(Runnable r) {
        heldLock.lock();
        try {
            r.run();
        } finally {
            heldLock.unlock();
        }
    }

    private final java.util.concurrent.locks.ReentrantLock heldLock = new java.util.concurrent.locks.ReentrantLock();

    private void reply(DatagramPacket p) {
        try {
            Message q = new Message(Arrays.copyOf(p.getData(), p.getLength()));
            OPTRecord opt = q.getOPT();
            byte[] answer = answer(q).toWire(opt == null ? 512 : Math.max(512, opt.getPayloadSize()));
            socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
        } catch (IOException | RuntimeException e) {
            // closed, or a malformed query: ignore
        }
    }

    public TestDnsServer silent() {
        silent = true;
        return this;
    }

    /** One TXT record; a long value is split into strings of 255 octets, as a zone file would. */
    public TestDnsServer txt(String name, String value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 255) {
            parts.add(value.substring(i, Math.min(value.length(), i + 255)));
        }
        return add(new TXTRecord(name(name), DClass.IN, ttl, parts.isEmpty() ? List.of("") : parts));
    }

    public TestDnsServer ip(String name, String literal) {
        InetAddress a = MemoryDns.addr(literal);
        return add(a.getAddress().length == 4 ? new ARecord(name(name), DClass.IN, ttl, a)
                : new AAAARecord(name(name), DClass.IN, ttl, a));
    }

    public TestDnsServer mx(String name, int preference, String host) {
        return add(new MXRecord(name(name), DClass.IN, ttl, preference, name(host)));
    }

    private TestDnsServer add(Record r) {
        records.computeIfAbsent(r.getName(), k -> new ArrayList<>()).add(r);
        return this;
    }

    private void serve() {
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
                socket.receive(p);
                queries.incrementAndGet();
                if (silent) {
                    continue;
                }
                boolean[] kept = {false};
                withHeld(() -> {
                    if (holding) {
                        held.add(p);
                        kept[0] = true;
                    }
                });
                if (!kept[0]) {
                    reply(p);
                }
            } catch (IOException | RuntimeException e) {
                // closed: ignore
            }
        }
    }

    private Message answer(Message q) {
        Record question = q.getQuestion();
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        r.addRecord(question, Section.QUESTION);
        List<Record> known = records.get(question.getName());
        SOARecord soa = new SOARecord(ZONE, DClass.IN, 60, name("ns.test."), name("hostmaster.test."), 1, 60, 60, 60, 30);
        if (known == null) {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
            r.addRecord(soa, Section.AUTHORITY);
            return r;
        }
        boolean any = false;
        for (Record rec : known) {
            if (rec.getType() == question.getType()) {
                r.addRecord(rec, Section.ANSWER);
                any = true;
            }
        }
        if (!any) {
            r.addRecord(soa, Section.AUTHORITY);
        }
        return r;
    }

    @Override
    public void close() {
        socket.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            thread.join(2000);
            tcpThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
