package dev.tern.defence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.dns.MemoryDns;
import org.junit.jupiter.api.Test;

class DnsListTest {

    @Test
    void parsesZonesAndWeights() {
        assertThat(DnsList.parse("zen.spamhaus.org")).isEqualTo(new DnsList("zen.spamhaus.org", 1));
        assertThat(DnsList.parse("Zen.Spamhaus.org.*2")).isEqualTo(new DnsList("zen.spamhaus.org", 2));
        assertThat(DnsList.parse("bl.example*100").toString()).isEqualTo("bl.example*100");
        assertThatThrownBy(() -> DnsList.parse("bl.example*0")).hasMessageContaining("weight");
        assertThatThrownBy(() -> DnsList.parse("bl.example*x")).hasMessageContaining("weight");
        assertThatThrownBy(() -> DnsList.parse("nodot")).hasMessageContaining("not a DNS list zone");
        assertThatThrownBy(() -> DnsList.parse("bad zone.example")).hasMessageContaining("not a DNS list zone");
    }

    @Test
    void asksReversedOctetsAndNibbles() {
        DnsList l = DnsList.parse("bl.test");
        assertThat(l.query(MemoryDns.addr("192.0.2.99"))).isEqualTo("99.2.0.192.bl.test");
        // RFC 5782 2.4's example
        assertThat(l.query(MemoryDns.addr("2001:db8:1:2:3:4:567:89ab")))
                .isEqualTo("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test");
    }

    @Test
    void onlyAnswersBelow127_255_255CountAsListings() {
        DnsList l = DnsList.parse("bl.test");
        MemoryDns dns = new MemoryDns()
                .ip("2.0.0.127.bl.test", "127.0.0.2")
                .ip("3.0.0.127.bl.test", "127.255.255.254")
                .ip("4.0.0.127.bl.test", "10.0.0.1")
                .ip("5.0.0.127.bl.test", "127.255.255.252").ip("5.0.0.127.bl.test", "127.0.0.4")
                .servfail("6.0.0.127.bl.test")
                .timeout("7.0.0.127.bl.test");
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.2"))).isEqualTo(
                new DnsList.Answer.Listed(l, java.util.List.of("127.0.0.2")));
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.3"))).isInstanceOfSatisfying(DnsList.Answer.Failed.class,
                f -> assertThat(f.reason()).contains("127.255.255.254: an error code of the list"));
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.4"))).isInstanceOfSatisfying(DnsList.Answer.Failed.class,
                f -> assertThat(f.reason()).contains(": outside 127.0.0.0/8"));
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.5"))).isEqualTo(
                new DnsList.Answer.Listed(l, java.util.List.of("127.0.0.4")));
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.6"))).isInstanceOf(DnsList.Answer.Failed.class);
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.7"))).isInstanceOf(DnsList.Answer.Failed.class);
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.8"))).isEqualTo(new DnsList.Answer.NotListed(l));
    }

    @Test
    void aBlockedQuerierAnswerIsNeverAListing() {
        // DNSWL.org answers 127.0.0.255 to every question from a resolver over its fair-use limit (or a public
        // one): counted as a listing, every client would skip the blocklists and greylisting
        DnsList l = DnsList.parse("list.dnswl.test");
        MemoryDns dns = new MemoryDns().ip("2.0.0.127.list.dnswl.test", "127.0.0.255")
                .ip("3.0.0.127.list.dnswl.test", "127.0.10.255").ip("3.0.0.127.list.dnswl.test", "127.0.10.1");
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.2"))).isInstanceOfSatisfying(DnsList.Answer.Failed.class,
                f -> assertThat(f.reason()).contains("127.0.0.255: the list refuses this resolver's questions"));
        assertThat(l.ask(dns, MemoryDns.addr("127.0.0.3"))).isEqualTo(
                new DnsList.Answer.Listed(l, java.util.List.of("127.0.10.255", "127.0.10.1")));
    }
}
