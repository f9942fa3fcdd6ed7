package dev.tern.defence;

import dev.tern.dns.DnsAnswer;
import dev.tern.dns.DnsLookup;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * One DNS blocklist or allowlist (RFC 5782): a zone and the weight a listing in it adds to the client's score.
 * Written in the configuration as {@code "zen.spamhaus.org"} (weight 1) or {@code "zen.spamhaus.org*2"}.
 *
 * @param zone   the list's DNS zone, lower case, without a final dot
 * @param weight what a listing adds to the score, 1 to 100
 */
public record DnsList(String zone, int weight) {
    /**
     * DNSWL.org's answer to every question of a resolver it refuses (over its fair-use limit, or a public
     * resolver): not a listing, or every client would count as allowlisted.
     */
    static final String REFUSED = "127.0.0.255";

    /** The largest weight one list may carry. */
    public static final int MAX_WEIGHT = 100;

    /**
     * Reads {@code zone} or {@code zone*weight}; throws {@link IllegalArgumentException} with a one-line reason.
     */
    public static DnsList parse(String text) {
        String s = text.trim();
        int star = s.lastIndexOf('*');
        int weight = 1;
        if (star >= 0) {
            String w = s.substring(star + 1).trim();
            if (!w.matches("[0-9]{1,3}") || Integer.parseInt(w) < 1 || Integer.parseInt(w) > MAX_WEIGHT) {
                throw new IllegalArgumentException("\"" + text + "\": the weight after '*' must be a whole number"
                        + " from 1 to " + MAX_WEIGHT);
            }
            weight = Integer.parseInt(w);
            s = s.substring(0, star).trim();
        }
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (!s.matches("(?i)[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))+") || s.length() > 200) {
            throw new IllegalArgumentException("\"" + text + "\" is not a DNS list zone such as \"zen.spamhaus.org\""
                    + " or \"zen.spamhaus.org*2\"");
        }
        return new DnsList(s.toLowerCase(Locale.ROOT), weight);
    }

    /**
     * The name asked for {@code client}: an IPv4 address with its octets reversed ({@code 2.0.0.127.zone}), an
     * IPv6 address as 32 reversed nibbles ({@code 1.0.0.0.….ip6-style.zone}, RFC 5782 2.4).
     */
    public String query(InetAddress client) {
        byte[] b = client.getAddress();
        StringBuilder sb = new StringBuilder(80);
        if (client instanceof Inet4Address) {
            for (int i = b.length - 1; i >= 0; i--) {
                sb.append(b[i] & 0xff).append('.');
            }
        } else {
            String hex = HexFormat.of().formatHex(b);
            for (int i = hex.length() - 1; i >= 0; i--) {
                sb.append(hex.charAt(i)).append('.');
            }
        }
        return sb.append(zone).toString();
    }

    @Override
    public String toString() {
        return weight == 1 ? zone : zone + "*" + weight;
    }

    /** What one list said about one client. */
    public sealed interface Answer {
        DnsList list();

        /** Listed: {@code codes} are the answers that count (127.0.0.0/8 below 127.255.255.0, but 127.0.0.255). */
        record Listed(DnsList list, List<String> codes) implements Answer {
        }

        /** Not listed (NXDOMAIN or no A record). */
        record NotListed(DnsList list) implements Answer {
        }

        /**
         * The list could not say: a time-out, SERVFAIL, or only answers that are the list's error codes
         * (127.255.255.0/24: Spamhaus's "query refused", "typo in the list name"; 127.0.0.255: DNSWL.org's
         * "query refused") or outside 127.0.0.0/8. Never a listing: the mail is accepted and the problem logged.
         */
        record Failed(DnsList list, String reason) implements Answer {
        }
    }

    /** Asks the list about {@code client} and reads the answer as RFC 5782 and the lists' error codes say. */
    public Answer ask(DnsLookup dns, InetAddress client) {
        return read(dns.a(query(client)));
    }

    /** The meaning of the A answer to this list's question. */
    Answer read(DnsAnswer<InetAddress> answer) {
        return switch (answer) {
            case DnsAnswer.Found<InetAddress> f -> {
                List<String> codes = new ArrayList<>();
                List<String> errors = new ArrayList<>();
                for (InetAddress a : f.values()) {
                    byte[] b = a.getAddress();
                    String text = a.getHostAddress();
                    if (b.length != 4 || (b[0] & 0xff) != 127) {
                        errors.add(text + ": outside 127.0.0.0/8");
                    } else if ((b[1] & 0xff) == 255 && (b[2] & 0xff) == 255) {
                        errors.add(text + ": an error code of the list");
                    } else if (text.equals(REFUSED)) {
                        errors.add(text + ": the list refuses this resolver's questions");
                    } else {
                        codes.add(text);
                    }
                }
                yield codes.isEmpty() ? new Answer.Failed(this, "answered " + String.join("; ", errors))
                        : new Answer.Listed(this, codes);
            }
            case DnsAnswer.NxDomain<InetAddress> n -> new Answer.NotListed(this);
            case DnsAnswer.NoData<InetAddress> n -> new Answer.NotListed(this);
            case DnsAnswer.TempError<InetAddress> t -> new Answer.Failed(this, "temporary error: " + t.reason());
            case DnsAnswer.Timeout<InetAddress> t -> new Answer.Failed(this, "time-out: " + t.reason());
        };
    }
}
