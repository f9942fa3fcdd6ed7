package dev.tern.config;

import java.net.InetAddress;

/** A network written "192.0.2.0/24" or "2001:db8::/32" (a bare address means the one host). */
public record Cidr(InetAddress network, int prefixLength) {

    /** True when {@code address} lies in this network; IPv4 and IPv6 never match each other. */
    public boolean contains(InetAddress address) {
        byte[] net = network.getAddress();
        byte[] a = address.getAddress();
        if (net.length != a.length) {
            return false;
        }
        int bits = prefixLength;
        for (int i = 0; i < net.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((net[i] & mask) != (a[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
