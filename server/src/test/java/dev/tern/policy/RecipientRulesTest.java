package dev.tern.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tern.config.Cidr;
import dev.tern.smtp.Mailbox;
import dev.tern.smtp.RecipientPolicy.Decision;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecipientRulesTest {
    private static final List<String> DOMAINS = List.of("example.test", "other.test");
    private static final Set<String> USERS = Set.of("alice@example.test", "bob@example.test", "carol@other.test",
            "alice+exact@example.test");

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static Cidr cidr(String net, int bits) {
        return new Cidr(ip(net), bits);
    }

    private static final InetAddress OUTSIDE = ip("203.0.113.9");

    private static RecipientRules rules(Map<String, List<String>> aliases, List<Cidr> trusted) {
        return new RecipientRules(DOMAINS, aliases, USERS::contains, trusted);
    }

    private static RecipientRules rules(Map<String, List<String>> aliases) {
        return rules(aliases, List.of());
    }

    private static Mailbox mbox(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? new Mailbox(address, "") : new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    private static List<String> accepted(Decision d) {
        assertThat(d).isInstanceOf(Decision.Accept.class);
        return ((Decision.Accept) d).deliverTo();
    }

    private static void rejected(Decision d, int code, String status) {
        assertThat(d).isInstanceOf(Decision.Reject.class);
        Decision.Reject r = (Decision.Reject) d;
        assertThat(r.reply().code()).isEqualTo(code);
        assertThat(r.reply().status()).isEqualTo(status);
    }

    @Test
    void barePostmasterIsPostmasterOfTheFirstLocalDomain() {
        assertThat(accepted(rules(Map.of()).recipient(mbox("postmaster"), OUTSIDE, false)))
                .containsExactly("postmaster@example.test");
        assertThat(accepted(rules(Map.of()).recipient(mbox("Postmaster"), OUTSIDE, false)))
                .containsExactly("postmaster@example.test");
    }

    @Test
    void barePostmasterIsExpandedThroughAliases() {
        RecipientRules r = rules(Map.of(
                "postmaster@example.test", List.of("admins@example.test"),
                "admins@example.test", List.of("alice@example.test", "bob@example.test")));
        assertThat(accepted(r.recipient(mbox("postmaster"), OUTSIDE, false)))
                .containsExactly("alice@example.test", "bob@example.test");
    }

    @ParameterizedTest
    @CsvSource({"POSTMASTER@EXAMPLE.TEST, postmaster@example.test",
            "postmaster@example.test, postmaster@example.test",
            "PostMaster@other.test, postmaster@other.test"})
    void postmasterOfALocalDomainExistsWithNoUserOrAlias(String to, String target) {
        RecipientRules r = new RecipientRules(DOMAINS, Map.of(), a -> false, List.of());
        assertThat(accepted(r.recipient(mbox(to), OUTSIDE, false))).containsExactly(target);
    }

    @Test
    void whileTheUsersCannotBeReadALocalRecipientIsATemporaryFailure() {
        RecipientRules r = new RecipientRules(DOMAINS, Map.of("team@example.test", List.of("bob@example.test")), a -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("users: permission denied"));
        }, List.of());
        Decision d = r.recipient(mbox("alice@example.test"), OUTSIDE, false);
        rejected(d, 451, "4.3.0");
        assertThat(((Decision.Reject) d).reply().toString())
                .contains("<alice@example.test>: Temporary local problem looking up the recipient; try again later");
        rejected(r.recipient(mbox("alice+tag@example.test"), OUTSIDE, false), 451, "4.3.0");
        assertThat(accepted(r.recipient(mbox("team@example.test"), OUTSIDE, false))).containsExactly("bob@example.test");
        assertThat(accepted(r.recipient(mbox("postmaster@example.test"), OUTSIDE, false)))
                .containsExactly("postmaster@example.test");
    }

    @Test
    void postmasterAliasIsFollowedWhenThereIsOne() {
        RecipientRules r = rules(Map.of("postmaster@example.test", List.of("alice@example.test")));
        assertThat(accepted(r.recipient(mbox("POSTMASTER@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test");
    }

    @ParameterizedTest
    @CsvSource({"alice@example.test, alice@example.test",
            "Alice@Example.Test, alice@example.test",
            "ALICE@EXAMPLE.TEST, alice@example.test",
            "carol@OTHER.test, carol@other.test"})
    void knownUsersAreAcceptedWithoutRegardToCase(String to, String target) {
        assertThat(accepted(rules(Map.of()).recipient(mbox(to), OUTSIDE, false))).containsExactly(target);
    }

    @Test
    void aQuotedLocalPartIsLookedUpUnquoted() {
        assertThat(accepted(rules(Map.of()).recipient(new Mailbox("\"alice\"", "example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test");
    }

    @ParameterizedTest
    @CsvSource({"nobody@example.test", "carol@example.test", "alice@other.test", "postmaster2@example.test",
            "+tag@example.test", "nobody+alice@example.test"})
    void unknownLocalUsersAre550_5_1_1(String to) {
        rejected(rules(Map.of()).recipient(mbox(to), OUTSIDE, false), 550, "5.1.1");
    }

    @Test
    void trustOrAuthenticationDoesNotMakeAnUnknownLocalUserExist() {
        RecipientRules r = rules(Map.of(), List.of(cidr("0.0.0.0", 0)));
        rejected(r.recipient(mbox("nobody@example.test"), ip("192.0.2.1"), true), 550, "5.1.1");
    }

    @Test
    void anAliasFansOut() {
        RecipientRules r = rules(Map.of("team@example.test",
                List.of("alice@example.test", "bob@example.test", "someone@remote.test")));
        assertThat(accepted(r.recipient(mbox("Team@Example.Test"), OUTSIDE, false)))
                .containsExactly("alice@example.test", "bob@example.test", "someone@remote.test");
    }

    @Test
    void nestedAliasesAreExpandedDepthFirst() {
        RecipientRules r = rules(Map.of(
                "all@example.test", List.of("team@example.test", "carol@other.test"),
                "team@example.test", List.of("alice@example.test", "ops@example.test"),
                "ops@example.test", List.of("bob@example.test")));
        assertThat(accepted(r.recipient(mbox("all@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test", "bob@example.test", "carol@other.test");
    }

    @Test
    void anAliasMayKeepACopyForItself() {
        RecipientRules r = rules(Map.of("alice@example.test", List.of("alice@example.test", "bob@example.test")));
        assertThat(accepted(r.recipient(mbox("alice@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test", "bob@example.test");
    }

    @Test
    void aliasLoopsTerminate() {
        RecipientRules r = rules(Map.of(
                "a@example.test", List.of("b@example.test", "alice@example.test"),
                "b@example.test", List.of("a@example.test", "bob@example.test"),
                "self@example.test", List.of("self@example.test")));
        List<String> a = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> accepted(r.recipient(mbox("a@example.test"), OUTSIDE, false)));
        assertThat(a).contains("alice@example.test", "bob@example.test").doesNotHaveDuplicates();
        List<String> self = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> accepted(r.recipient(mbox("self@example.test"), OUTSIDE, false)));
        assertThat(self).isNotEmpty().doesNotHaveDuplicates();
    }

    @Test
    void anAliasLoopDeliversOnlyToRealAddresses() {
        // a -> {b, alice}, b -> {a, bob}: neither a nor b is a user, so neither may come out as a mailbox
        RecipientRules r = rules(Map.of(
                "a@example.test", List.of("b@example.test", "alice@example.test"),
                "b@example.test", List.of("a@example.test", "bob@example.test")));
        assertThat(accepted(r.recipient(mbox("a@example.test"), OUTSIDE, false)))
                .containsExactlyInAnyOrder("alice@example.test", "bob@example.test");
    }

    @Test
    void aVeryDeepChainTerminates() {
        java.util.Map<String, List<String>> chain = new java.util.HashMap<>();
        for (int i = 0; i < 50; i++) {
            chain.put("l" + i + "@example.test", List.of("l" + (i + 1) + "@example.test"));
        }
        RecipientRules r = rules(chain);
        List<String> out = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> accepted(r.recipient(mbox("l0@example.test"), OUTSIDE, false)));
        assertThat(out).hasSize(1);
    }

    @Test
    void duplicatesAreRemoved() {
        RecipientRules r = rules(Map.of(
                "dup@example.test", List.of("alice@example.test", "team@example.test", "alice@example.test"),
                "team@example.test", List.of("bob@example.test", "alice@example.test")));
        assertThat(accepted(r.recipient(mbox("dup@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test", "bob@example.test");
    }

    @Test
    void duplicatesDifferingOnlyInCaseAreRemoved() {
        // alias targets are kept "as written" in the config; Alice@ and alice@ are the same local mailbox
        RecipientRules r = rules(Map.of("dup@example.test", List.of("Alice@Example.Test", "alice@example.test")));
        assertThat(accepted(r.recipient(mbox("dup@example.test"), OUTSIDE, false))).hasSize(1);
    }

    @Test
    void anAliasReachedTwiceWithoutALoopIsExpandedNotDeliveredToAsAMailbox() {
        // a -> {b, c}, c -> {b}, b -> {alice}: a "diamond", no loop. b is an alias, never a final address.
        RecipientRules r = rules(Map.of(
                "a@example.test", List.of("b@example.test", "c@example.test"),
                "b@example.test", List.of("alice@example.test"),
                "c@example.test", List.of("b@example.test", "bob@example.test")));
        assertThat(accepted(r.recipient(mbox("a@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test", "bob@example.test");
    }

    @Test
    void aSubaddressGoesToItsUserWhenThereIsNoExactMatch() {
        RecipientRules r = rules(Map.of("team@example.test", List.of("bob@example.test")));
        assertThat(accepted(r.recipient(mbox("alice+news@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test");
        assertThat(accepted(r.recipient(mbox("Alice+News@Example.Test"), OUTSIDE, false)))
                .containsExactly("alice@example.test");
        assertThat(accepted(r.recipient(mbox("alice+a+b@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test");
        assertThat(accepted(r.recipient(mbox("team+x@example.test"), OUTSIDE, false)))
                .containsExactly("bob@example.test");
        assertThat(accepted(r.recipient(mbox("alice+@example.test"), OUTSIDE, false)))
                .containsExactly("alice@example.test");
    }

    @Test
    void anExactMatchWinsOverTheSubaddress() {
        RecipientRules r = rules(Map.of("bob+list@example.test", List.of("carol@other.test")));
        assertThat(accepted(r.recipient(mbox("alice+exact@example.test"), OUTSIDE, false)))
                .containsExactly("alice+exact@example.test");
        assertThat(accepted(r.recipient(mbox("bob+list@example.test"), OUTSIDE, false)))
                .containsExactly("carol@other.test");
    }

    @Test
    void aRemoteDomainIsRefusedToStrangers() {
        RecipientRules r = rules(Map.of(), List.of(cidr("192.0.2.0", 24), cidr("2001:db8::", 32)));
        rejected(r.recipient(mbox("x@remote.test"), OUTSIDE, false), 554, "5.7.1");
        rejected(r.recipient(mbox("x@remote.test"), ip("192.0.3.1"), false), 554, "5.7.1");
        rejected(r.recipient(mbox("x@remote.test"), ip("2001:db9::1"), false), 554, "5.7.1");
        rejected(r.recipient(mbox("x@remote.test"), ip("::1"), false), 554, "5.7.1");
        rejected(r.recipient(mbox("x@sub.example.test"), OUTSIDE, false), 554, "5.7.1");
    }

    @ParameterizedTest
    @CsvSource({"192.0.2.0", "192.0.2.77", "192.0.2.255", "10.1.2.3", "2001:db8::1", "2001:db8:ffff::5",
            "127.0.0.1", "::1"})
    void aRemoteDomainIsRelayedForTrustedNetworks(String client) {
        RecipientRules r = rules(Map.of(),
                List.of(cidr("192.0.2.0", 24), cidr("10.0.0.0", 8), cidr("2001:db8::", 32), cidr("127.0.0.1", 32),
                        cidr("::1", 128)));
        assertThat(accepted(r.recipient(mbox("Someone@Remote.Test"), ip(client), false)))
                .containsExactly("Someone@remote.test");
    }

    @Test
    void ipv4AndIpv6NetworksDoNotMatchEachOther() {
        RecipientRules v6only = rules(Map.of(), List.of(cidr("::", 0)));
        rejected(v6only.recipient(mbox("x@remote.test"), ip("192.0.2.1"), false), 554, "5.7.1");
        assertThat(accepted(v6only.recipient(mbox("x@remote.test"), ip("2001:db8::1"), false))).hasSize(1);
        RecipientRules v4only = rules(Map.of(), List.of(cidr("0.0.0.0", 0)));
        rejected(v4only.recipient(mbox("x@remote.test"), ip("2001:db8::1"), false), 554, "5.7.1");
        assertThat(accepted(v4only.recipient(mbox("x@remote.test"), ip("192.0.2.1"), false))).hasSize(1);
    }

    @Test
    void prefixLengthsThatAreNotWholeOctets() {
        RecipientRules r = rules(Map.of(), List.of(cidr("198.51.100.64", 26), cidr("2001:db8:8000::", 33)));
        assertThat(r.isTrusted(ip("198.51.100.64"))).isTrue();
        assertThat(r.isTrusted(ip("198.51.100.127"))).isTrue();
        assertThat(r.isTrusted(ip("198.51.100.63"))).isFalse();
        assertThat(r.isTrusted(ip("198.51.100.128"))).isFalse();
        assertThat(r.isTrusted(ip("2001:db8:8000::1"))).isTrue();
        assertThat(r.isTrusted(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(r.isTrusted(ip("2001:db8:7fff::1"))).isFalse();
    }

    @Test
    void anAuthenticatedClientMayRelayFromAnywhere() {
        RecipientRules r = rules(Map.of());
        assertThat(accepted(r.recipient(mbox("x@remote.test"), OUTSIDE, true))).containsExactly("x@remote.test");
        assertThat(accepted(r.recipient(mbox("x@remote.test"), ip("2001:db8::1"), true))).containsExactly("x@remote.test");
    }

    @Test
    void isLocalIgnoresCase() {
        RecipientRules r = rules(Map.of());
        assertThat(r.isLocal("EXAMPLE.test")).isTrue();
        assertThat(r.isLocal("other.TEST")).isTrue();
        assertThat(r.isLocal("example.test.")).isFalse();
        assertThat(r.isLocal("remote.test")).isFalse();
    }
}
