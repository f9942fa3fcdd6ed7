package dev.tern.outbound;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/**
 * A tiny authoritative DNS server on a loopback UDP port for tests: answers MX, A and AAAA from a table, NXDOMAIN
 * for unknown names (with an SOA, as real servers do), SERVFAIL for names marked so, and NODATA for a known
 * name without records of the asked type.
 */
final class DnsResponder implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Set<Name> servfail = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private static final Name ZONE = name("test.");

    DnsResponder() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofPlatform().daemon().name("dns-responder").start(this::serve);
    }

    static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    int port() {
        return socket.getLocalPort();
    }

    DnsResponder mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, 60, preference, name(host)));
    }

    /** RFC 7505: MX 0 . */
    DnsResponder nullMx(String domain) {
        return add(new MXRecord(name(domain), DClass.IN, 60, 0, Name.root));
    }

    DnsResponder a(String host, String ip) throws IOException {
        InetAddress addr = InetAddress.getByName(ip);
        return add(addr.getAddress().length == 4 ? new ARecord(name(host), DClass.IN, 60, addr)
                : new AAAARecord(name(host), DClass.IN, 60, addr));
    }

    DnsResponder servfail(String domain) {
        servfail.add(name(domain));
        return this;
    }

    void clear() {
        records.clear();
        servfail.clear();
    }

    private DnsResponder add(Record r) {
        records.computeIfAbsent(r.getName(), k -> new ArrayList<>()).add(r);
        return this;
    }

    private void serve() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                Message q = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                byte[] answer = answer(q).toWire(512);
                socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
            } catch (IOException | RuntimeException e) {
                // closed, or a malformed query: ignore
            }
        }
    }

    private Message answer(Message q) {
        Record question = q.getQuestion();
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
            r.getHeader().setFlag(Flags.RA);
        }
        r.addRecord(question, Section.QUESTION);
        Name n = question.getName();
        if (servfail.contains(n)) {
            r.getHeader().setRcode(Rcode.SERVFAIL);
            return r;
        }
        List<Record> known = records.get(n);
        if (known == null) {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
            r.addRecord(soa(), Section.AUTHORITY);
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
            r.addRecord(soa(), Section.AUTHORITY);
        }
        return r;
    }

    private static SOARecord soa() {
        return new SOARecord(ZONE, DClass.IN, 60, name("ns.test."), name("hostmaster.test."), 1, 60, 60, 60, 5);
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
