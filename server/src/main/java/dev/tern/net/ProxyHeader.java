package dev.tern.net;

import dev.tern.config.IpLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The PROXY protocol header a load balancer sends before the client's first byte (HAProxy's specification,
 * versions 1 and 2), as pure code: the bytes read so far in, a {@link Result} out. The caller reads exactly as
 * many bytes as {@link Result.Incomplete#need} says, so nothing after the header is ever consumed.
 */
public final class ProxyHeader {
    /** The longest version 1 header, CRLF included. */
    public static final int V1_MAX = 107;
    /** The twelve bytes every version 2 header starts with. */
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** Bytes read before the version is known: as long as the v1 prefix, shorter than any header. */
    static final int FIRST = V1_PREFIX.length;

    private ProxyHeader() {
    }

    /** What the bytes read so far are. */
    public sealed interface Result {
        /** Not a whole header yet: read until {@code need} bytes in all have been read, then ask again. */
        record Incomplete(int need) implements Result {
        }

        /** A header naming the client: {@code length} bytes long. */
        record Proxied(InetSocketAddress client, int length) implements Result {
        }

        /**
         * A header that names no client (v1 UNKNOWN, v2 LOCAL such as a health check, or an address family with
         * no IP address): the connection's own peer is the client.
         */
        record Local(int length) implements Result {
        }

        /** Not a valid header; {@code reason} says why, in our words. */
        record Malformed(String reason) implements Result {
        }
    }

    /** Parses {@code len} bytes of {@code b}, the first bytes of a connection. */
    public static Result parse(byte[] b, int len) {
        if (len < FIRST) {
            return new Result.Incomplete(FIRST);
        }
        if (Arrays.equals(b, 0, FIRST, V1_PREFIX, 0, FIRST)) {
            return v1(b, len);
        }
        if (Arrays.equals(b, 0, FIRST, V2_SIGNATURE, 0, FIRST)) {
            return v2(b, len);
        }
        return new Result.Malformed("no PROXY header");
    }

    private static Result v1(byte[] b, int len) {
        for (int i = FIRST; i < len; i++) {
            if (b[i] == '\n') {
                if (b[i - 1] != '\r') {
                    return new Result.Malformed("v1 line not ended by CRLF");
                }
                return v1Line(new String(b, 0, i - 1, StandardCharsets.US_ASCII), i + 1);
            }
            if (b[i] < 0x20 && b[i] != '\r' || b[i] >= 0x7F) {
                return new Result.Malformed("v1 line holds a control or non-ASCII byte");
            }
        }
        if (len >= V1_MAX) {
            return new Result.Malformed("v1 line longer than " + V1_MAX + " bytes");
        }
        return new Result.Incomplete(len + 1);
    }

    private static Result v1Line(String line, int length) {
        String[] f = line.split(" ", -1);
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            return new Result.Local(length); // the rest of the line is to be ignored
        }
        if (f.length != 6) {
            return new Result.Malformed("v1 line does not have 6 fields");
        }
        boolean v4 = f[1].equals("TCP4");
        if (!v4 && !f[1].equals("TCP6")) {
            return new Result.Malformed("v1 protocol is not TCP4, TCP6 or UNKNOWN");
        }
        byte[] src = v4 ? IpLiteral.parseIpv4(f[2]) : ipv6(f[2]);
        byte[] dst = v4 ? IpLiteral.parseIpv4(f[3]) : ipv6(f[3]);
        int sport = port(f[4]);
        if (src == null || dst == null || sport < 0 || port(f[5]) < 0) {
            return new Result.Malformed("v1 addresses or ports are not valid for " + f[1]);
        }
        return new Result.Proxied(new InetSocketAddress(address(src), sport), length);
    }

    /** An IPv6 literal (not a dotted quad alone), or null. */
    private static byte[] ipv6(String s) {
        return s.contains(":") ? IpLiteral.parseIpv6(s) : null;
    }

    /** A decimal port without leading zeros, or -1. */
    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        int p = Integer.parseInt(s);
        return p > 65535 ? -1 : p;
    }

    private static Result v2(byte[] b, int len) {
        if (len < 16) {
            return new Result.Incomplete(16);
        }
        if (!Arrays.equals(b, 0, 12, V2_SIGNATURE, 0, 12)) {
            return new Result.Malformed("no PROXY header");
        }
        int version = (b[12] >> 4) & 0x0F;
        int command = b[12] & 0x0F;
        int family = (b[13] >> 4) & 0x0F;
        int transport = b[13] & 0x0F;
        int length = 16 + (((b[14] & 0xFF) << 8) | (b[15] & 0xFF));
        if (version != 2) {
            return new Result.Malformed("v2 header of version " + version);
        }
        if (command > 1) {
            return new Result.Malformed("v2 command " + command + " is neither LOCAL nor PROXY");
        }
        if (len < length) {
            return new Result.Incomplete(length);
        }
        if (command == 0) {
            return new Result.Local(length); // LOCAL: the proxy's own connection (a health check)
        }
        int addressBytes = switch (family) {
            case 1 -> 4;
            case 2 -> 16;
            default -> 0;
        };
        if (family > 3 || transport > 2) {
            return new Result.Malformed("v2 address family " + family + " or transport " + transport + " unknown");
        }
        if (addressBytes == 0) {
            return new Result.Local(length); // UNSPEC or UNIX: no IP address to use
        }
        if (transport != 1) {
            return new Result.Malformed("v2 header for a transport other than TCP");
        }
        if (length - 16 < 2 * addressBytes + 4) {
            return new Result.Malformed("v2 address block too short for its family");
        }
        byte[] src = Arrays.copyOfRange(b, 16, 16 + addressBytes);
        int portAt = 16 + 2 * addressBytes;
        int sport = ((b[portAt] & 0xFF) << 8) | (b[portAt + 1] & 0xFF);
        return new Result.Proxied(new InetSocketAddress(address(src), sport), length); // TLVs after: skipped
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a length other than 4 or 16
        }
    }
}
