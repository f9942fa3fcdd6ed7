package dev.tern.dkim;

import static dev.tern.dkim.DkimSignerTest.MESSAGE;
import static dev.tern.dkim.DkimSignerTest.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.dkim.DkimResult.Status;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Verification results for every kind of bad input: each its RFC result with a reason, never an exception. */
class DkimVerifierTest {
    private static final String KEY_NAME = "tern._domainkey.example.org";

    private static List<DkimResult> verify(String message, TxtLookup lookup) {
        return verify(message, lookup, NOW, DkimVerifier.Settings.defaults());
    }

    private static List<DkimResult> verify(String message, TxtLookup lookup, Clock clock, DkimVerifier.Settings s) {
        DkimVerifier.Session session = new DkimVerifier(lookup, clock, s).start();
        byte[] b = message.getBytes(StandardCharsets.ISO_8859_1);
        session.update(b, 0, b.length);
        return session.finish();
    }

    private static TxtLookup records(Map<String, String> records) {
        return name -> records.containsKey(name) ? new TxtLookup.Records(List.of(records.get(name)))
                : new TxtLookup.NotFound();
    }

    /** The RSA-signed message, with its signature field changed by {@code edit}. */
    private static String signedRsa(Function<String, String> edit) {
        return edit.apply(DkimSignerTest.sign(MESSAGE).fields().get(0)) + MESSAGE;
    }

    private static DkimResult one(List<DkimResult> results) {
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    @Test
    void malformedSignaturesAreNeutral() {
        TxtLookup lookup = DkimSignerTest.lookup();
        String[][] cases = {
            {"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; d=x\r\n", "malformed signature: tag d appears twice"},
            {"DKIM-Signature: garbage\r\n", "malformed signature: tag without '=': \"garbage\""},
            {"DKIM-Signature: v=1; 9a=x\r\n", "malformed signature: bad tag name \"9a\""},
            {"DKIM-Signature: v=1; a=rsa-sha256\r\n", "signature has no b= tag"},
            {"DKIM-Signature: v=2; a=rsa-sha256; b=AA; bh=AA; d=example.org; h=from; s=tern\r\n", "signature has v=2"},
            {"DKIM-Signature: v=1; a=rsa-md5; b=AA; bh=AA; d=example.org; h=from; s=tern\r\n", "unknown algorithm"},
            {"DKIM-Signature: v=1; a=rsa-sha256; b=AA; bh=AA; d=example.org; h=to; s=tern\r\n", "From: is not signed (h=)"},
            {"DKIM-Signature: v=1; a=rsa-sha256; b=AA; bh=AA; d=exa mple..org; h=from; s=tern\r\n",
                "d= or s= is not a domain name"},
            {"DKIM-Signature: v=1; a=rsa-sha256; b=AA; bh=AA; d=example.org; h=from; s=tern; c=fancy\r\n",
                "unknown canonicalization c=fancy"},
            {"DKIM-Signature: v=1; a=rsa-sha256; b=AA; bh=AA; d=example.org; h=from; s=tern; i=a@evil.example\r\n",
                "i= is not in the domain d="},
            {"DKIM-Signature: v=1; a=rsa-sha256; b=A!; bh=AA; d=example.org; h=from; s=tern\r\n",
                "b= or bh= is not base64"},
            {"DKIM-Signature: v=1; a=rsa-sha256; b=AA; bh=AA; d=example.org; h=from; s=tern; t=abc\r\n",
                "t= or x= is not a number"},
            {"DKIM-Signature: v=1; a=rsa-sha256; b=AA; bh=AA; d=example.org; h=from; s=tern; q=http\r\n",
                "q= does not offer dns/txt"},
        };
        for (String[] c : cases) {
            DkimResult r = one(verify(c[0] + MESSAGE, lookup));
            assertThat(r.status()).as(c[0]).isEqualTo(Status.NEUTRAL);
            assertThat(r.reason()).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void policyForSha1ShortKeysAndBodyLength() throws Exception {
        assertThat(one(verify(signedRsa(f -> f.replace("a=rsa-sha256", "a=rsa-sha1")), DkimSignerTest.lookup())))
                .extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(Status.POLICY, "rsa-sha1 is not accepted (RFC 8301)");
        assertThat(one(verify(signedRsa(f -> f.replace("c=relaxed/relaxed;", "c=relaxed/relaxed; l=10;")),
                DkimSignerTest.lookup())).status()).isEqualTo(Status.POLICY);

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(512);
        KeyPair small = g.generateKeyPair();
        SigningKey k = new SigningKey("example.org", "tern", Algorithm.RSA_SHA256, small.getPrivate(), small.getPublic());
        String signed = ((DkimSigner.Signed) new DkimSigner(NOW).start(d -> List.of(k))
                .finishWith(MESSAGE.getBytes(StandardCharsets.ISO_8859_1))).text();
        assertThat(one(verify(signed + MESSAGE, records(Map.of(KEY_NAME, k.recordText())))))
                .extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(Status.POLICY, "RSA key of 512 bits (RFC 8301: at least 1024)");
    }

    @Test
    void keyRecordProblemsArePermerrors() {
        String msg = signedRsa(f -> f);
        String p = DkimSignerTest.rsa.recordText().substring("v=DKIM1; k=rsa; ".length());
        Object[][] cases = {
            {new TxtLookup.NotFound(), "no key record at " + KEY_NAME},
            {new TxtLookup.Records(List.of()), "no key record at " + KEY_NAME},
            {new TxtLookup.Records(List.of("v=DKIM1; k=rsa; p=")), "key revoked (empty p=)"},
            {new TxtLookup.Records(List.of("v=DKIM2; " + p)), "key record has v=DKIM2, not DKIM1"},
            {new TxtLookup.Records(List.of("v=DKIM1; k=rsa")), "key record has no p= tag"},
            {new TxtLookup.Records(List.of("v=DKIM1; k=ed25519; " + p)), "key record has k=ed25519, the signature a=rsa-sha256"},
            {new TxtLookup.Records(List.of("v=DKIM1; h=sha1; " + p)), "key record does not allow sha256 (h=sha1)"},
            {new TxtLookup.Records(List.of("v=DKIM1; s=other; " + p)), "key record is not for email (s=other)"},
            {new TxtLookup.Records(List.of("v=DKIM1; p=AAAA")), "key record p= is not an rsa public key"},
            {new TxtLookup.Records(List.of("v=DKIM1; p=!!")), "key record p= is not base64"},
            {new TxtLookup.Records(List.of("v=DKIM1; p=" + "A".repeat(10_000))), "key record p= is not an rsa public key"},
            {new TxtLookup.Records(List.of("v=DKIM1; k=rsa; n=" + "x".repeat(9_960) + "; " + p)), null},
        };
        for (Object[] c : cases) {
            DkimResult r = one(verify(msg, name -> (TxtLookup.Answer) c[0]));
            assertThat(r.reason()).as("%s", c[0]).isEqualTo(c[1]);
            assertThat(r.status()).as("%s", c[0]).isEqualTo(c[1] == null ? Status.PASS : Status.PERMERROR);
        }
    }

    @Test
    void multiStringRecordsJoinedAndTestingFlag() {
        String text = DkimSignerTest.rsa.recordText();
        // as DnsTxtLookup joins the character-strings of one record: no separator
        TxtLookup.Answer joined = new TxtLookup.Records(List.of(text.substring(0, 255) + text.substring(255)));
        assertThat(one(verify(signedRsa(f -> f), name -> joined)).status()).isEqualTo(Status.PASS);
        TxtLookup.Answer testing = new TxtLookup.Records(List.of("t=y; " + text.substring(8)));
        assertThat(one(verify(signedRsa(f -> f), name -> testing)))
                .extracting(DkimResult::status, DkimResult::reason).containsExactly(Status.PASS, "key in testing mode (t=y)");
    }

    @Test
    void timestampsWithTheClockAllowance() {
        long now = NOW.instant().getEpochSecond();
        // re-signing is needed when t= or x= change, so sign with a clock that puts t= where the case wants it
        record Case(long t, Long x, Status expected, String reason) {
        }
        List<Case> cases = List.of(
                new Case(now + 200, null, Status.PASS, null),
                new Case(now + 400, null, Status.NEUTRAL, "signature made in the future (t=)"),
                new Case(now - 1000, now - 200, Status.PASS, null),
                new Case(now - 1000, now - 400, Status.NEUTRAL, "signature expired"),
                new Case(now, now - 10, Status.NEUTRAL, "x= is before t="));
        DkimVerifier.Settings s = new DkimVerifier.Settings(5, Duration.ofSeconds(5), Duration.ofMinutes(5));
        for (Case c : cases) {
            String msg = signedRsa(f -> f.replace("t=" + now + ";", "t=" + c.t() + (c.x() == null ? "" : "; x=" + c.x()) + ";"));
            DkimResult r = one(verify(msg, DkimSignerTest.lookup(), NOW, s));
            if (c.expected() == Status.PASS) {
                // the edited signature no longer verifies, but it got past the time checks to the crypto
                assertThat(r.reason()).as("%s", c).isEqualTo("signature did not verify");
            } else {
                assertThat(r).as("%s", c).extracting(DkimResult::status, DkimResult::reason)
                        .containsExactly(c.expected(), c.reason());
            }
        }
    }

    @Test
    void dnsTroubleIsTemperror() {
        assertThat(one(verify(signedRsa(f -> f), name -> new TxtLookup.TempError("SERVFAIL"))))
                .extracting(DkimResult::status, DkimResult::reason).containsExactly(Status.TEMPERROR, "SERVFAIL");
    }

    @Test
    void aLookupThatNeverAnswersEndsWithTheBudget() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        TxtLookup hang = name -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return new TxtLookup.TempError("unreachable");
        };
        DkimVerifier.Settings s = new DkimVerifier.Settings(5, Duration.ofMillis(300), Duration.ofMinutes(5));
        DkimResult r = one(verify(signedRsa(f -> f), hang, NOW, s));
        assertThat(r).extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(Status.TEMPERROR, "no answer for " + KEY_NAME + " within the time budget");
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the lookup thread is stopped").isTrue();
    }

    @Test
    void aThousandSignaturesCostFive() {
        String sig = DkimSignerTest.sign(MESSAGE).fields().get(0);
        StringBuilder m = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            m.append(sig);
        }
        List<String> asked = new CopyOnWriteArrayList<>();
        TxtLookup counting = name -> {
            asked.add(name);
            return DkimSignerTest.lookup().txt(name);
        };
        List<DkimResult> results = verify(m + MESSAGE, counting);
        assertThat(results).hasSize(5).extracting(DkimResult::status).containsOnly(Status.PASS);
        assertThat(asked).containsExactly(KEY_NAME);
    }

    @Test
    void simpleCanonicalizationAndAnEd25519SignatureOfTheWrongLength() throws Exception {
        // a simple/simple signature made by hand: the verifier's simple path end to end
        String body = "body  \r\n\r\n";
        BodyHasher bh = new BodyHasher(Canonicalization.SIMPLE);
        bh.update(body.getBytes(StandardCharsets.US_ASCII));
        String header = "From: a@example.org\r\nSubject:  spaced \r\n";
        String unsigned = "DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=example.org; s=tern;\r\n h=from:subject; bh="
                + Base64.getEncoder().encodeToString(bh.digest()) + "; b=";
        byte[] hb = header.getBytes(StandardCharsets.US_ASCII);
        byte[] data = HeaderHash.data(HeaderField.parse(hb, hb.length), List.of("from", "subject"),
                Canonicalization.SIMPLE, unsigned);
        PrivateKey key = DkimSignerTest.rsa.privateKey();
        Signature sig = Signature.getInstance("SHA256withRSA");
        sig.initSign(key);
        sig.update(data);
        String b = Base64.getEncoder().encodeToString(sig.sign());
        String msg = unsigned + b.substring(0, 40) + "\r\n " + b.substring(40) + "\r\n" + header + "\r\n" + body;
        assertThat(one(verify(msg, DkimSignerTest.lookup())).status()).isEqualTo(Status.PASS);
        assertThat(one(verify(msg.replace("Subject:  spaced", "Subject: spaced"), DkimSignerTest.lookup())).status())
                .isEqualTo(Status.FAIL);

        String ed = DkimSignerTest.sign(MESSAGE).fields().get(1);
        String shortB = ed.substring(0, ed.indexOf("b=", ed.indexOf("bh=") + 3) + 2) + "AAAA\r\n";
        assertThat(one(verify(shortB + MESSAGE, DkimSignerTest.lookup())))
                .extracting(DkimResult::status, DkimResult::reason).containsExactly(Status.FAIL, "signature did not verify");
    }

    @Test
    void theSameResultsWhateverPiecesTheMessageComesIn() {
        for (String message : List.of(signedRsa(f -> f), signedRsa(f -> f.replace("DKIM-Signature", "dKiM-sIgNaTuRe")),
                "Subject: mentions DKIM-Signature: in a value\r\n\r\nbody\r\n")) {
            List<DkimResult> whole = verify(message, DkimSignerTest.lookup());
            byte[] b = message.getBytes(StandardCharsets.ISO_8859_1);
            for (int piece : new int[] {1, 2, 3, 7, 64}) {
                DkimVerifier.Session session = new DkimVerifier(DkimSignerTest.lookup(), NOW,
                        DkimVerifier.Settings.defaults()).start();
                for (int i = 0; i < b.length; i += piece) {
                    session.update(b, i, Math.min(piece, b.length - i));
                }
                assertThat(session.finish()).as("pieces of %d", piece).isEqualTo(whole);
            }
        }
        assertThat(one(verify(signedRsa(f -> f.replace("DKIM-Signature", "dKiM-sIgNaTuRe")), DkimSignerTest.lookup()))
                .status()).isEqualTo(DkimResult.Status.PASS);
        assertThat(verify("Subject: mentions DKIM-Signature: in a value\r\n\r\nbody\r\n", DkimSignerTest.lookup()))
                .isEmpty();
    }

    @Test
    void noSignatureNoResult() {
        assertThat(verify(MESSAGE, DkimSignerTest.lookup())).isEmpty();
        assertThat(verify("", DkimSignerTest.lookup())).isEmpty();
    }
}
