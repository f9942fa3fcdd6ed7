package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Signing with both algorithms, what is signed, the field's shape, and that the verifier accepts it. */
class DkimSignerTest {
    static final Clock NOW = Clock.fixed(Instant.ofEpochSecond(1_780_000_000L), ZoneOffset.UTC);
    /** Made once, shared with {@link DkimVerifierTest}. */
    static final SigningKey rsa;
    static final SigningKey ed;
    static final Map<String, String> RECORDS = new HashMap<>();

    static {
        KeyPair r = Keys.generate(Algorithm.RSA_SHA256);
        KeyPair e = Keys.generate(Algorithm.ED25519_SHA256);
        rsa = new SigningKey("example.org", "tern", Algorithm.RSA_SHA256, r.getPrivate(), r.getPublic());
        ed = new SigningKey("example.org", "tern-ed", Algorithm.ED25519_SHA256, e.getPrivate(), e.getPublic());
        RECORDS.put(rsa.recordName(), rsa.recordText());
        RECORDS.put(ed.recordName(), ed.recordText());
    }

    static TxtLookup lookup() {
        return name -> RECORDS.containsKey(name) ? new TxtLookup.Records(List.of(RECORDS.get(name)))
                : new TxtLookup.NotFound();
    }

    static final String MESSAGE = "Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
            + "From: \"Alice (the first)\" <alice@Example.ORG>\r\n"
            + "To: bob@example.net,\r\n  carol@example.net\r\n"
            + "Subject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?= and a long folded\r\n\tsubject line\r\n"
            + "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
            + "Message-ID: <1@example.org>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "X-Other: not signed\r\n"
            + "\r\n"
            + "Gr\u00fc\u00dfe,  \u00e9t\u00e9 \r\n.leading dot (unstuffed)\r\n\r\n\r\n";

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static DkimSigner.Signed sign(String message) {
        DkimSigner.Outcome o = new DkimSigner(NOW).start(d -> d.equals("example.org") ? List.of(rsa, ed) : List.of())
                .finishWith(bytes(message));
        assertThat(o).isInstanceOf(DkimSigner.Signed.class);
        return (DkimSigner.Signed) o;
    }

    static List<DkimResult> verify(String message) {
        DkimVerifier.Session s = new DkimVerifier(lookup(), NOW, DkimVerifier.Settings.defaults()).start();
        byte[] b = bytes(message);
        s.update(b, 0, b.length);
        return s.finish();
    }

    @Test
    void signsWithBothKeysAndBothVerify() {
        DkimSigner.Signed signed = sign(MESSAGE);
        assertThat(signed.fields()).hasSize(2);
        assertThat(signed.fields().get(0)).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;\r\n\ts=tern; t=1780000000;");
        assertThat(signed.fields().get(1)).contains("a=ed25519-sha256").contains("s=tern-ed;");
        List<DkimResult> results = verify(signed.text() + MESSAGE);
        assertThat(results).extracting(DkimResult::status).containsExactly(DkimResult.Status.PASS, DkimResult.Status.PASS);
    }

    @Test
    void signsThePresentFieldsAndOversignsFromToCcSubject() {
        String field = sign(MESSAGE).fields().get(0);
        String h = field.substring(field.indexOf("h=") + 2, field.indexOf(';', field.indexOf("h=")))
                .replaceAll("[\\s]", "");
        assertThat(h).isEqualTo("from:from:to:to:cc:subject:subject:date:message-id:mime-version:content-type:"
                + "content-transfer-encoding");
    }

    @Test
    void fieldIsFoldedToASaneWidth() {
        for (String field : sign(MESSAGE).fields()) {
            assertThat(field).endsWith("\r\n");
            for (String line : field.split("\r\n")) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
            }
        }
    }

    @Test
    void aChangeAfterSigningFails() {
        String signed = sign(MESSAGE).text();
        assertThat(verify(signed + MESSAGE.replace("leading dot", "leading Dot")))
                .extracting(DkimResult::reason).containsOnly("body hash did not verify");
        assertThat(verify(signed + MESSAGE.replace("Subject: =", "Subject: x=")))
                .extracting(DkimResult::reason).containsOnly("signature did not verify");
        // a second From: above the first is covered by the oversigned from
        assertThat(verify(signed + "From: mallory@example.org\r\n" + MESSAGE))
                .extracting(DkimResult::status).containsOnly(DkimResult.Status.FAIL);
        // an unsigned field may be added; relaxed canonicalization forgives refolding
        assertThat(verify(signed + "X-Added: 1\r\n" + MESSAGE.replace("To: bob@example.net,\r\n  carol", "To: bob@example.net, carol")))
                .extracting(DkimResult::status).containsOnly(DkimResult.Status.PASS);
    }

    @Test
    void signsInAnyChunksAsAtOnce() {
        long seed = new Random().nextLong();
        System.out.println("DkimSignerTest.signsInAnyChunksAsAtOnce seed " + seed);
        Random random = new Random(seed);
        byte[] m = bytes(MESSAGE);
        String whole = sign(MESSAGE).text();
        for (int round = 0; round < 50; round++) {
            DkimSigner.Session s = new DkimSigner(NOW).start(d -> List.of(rsa, ed));
            int at = 0;
            while (at < m.length) {
                int n = Math.min(m.length - at, random.nextInt(8));
                s.update(m, at, n);
                at += n;
            }
            assertThat(((DkimSigner.Signed) s.finish()).text()).as("seed %d", seed).isEqualTo(whole);
        }
    }

    @Test
    void unsignedWhenNoKeyOrNoFrom() {
        DkimSigner signer = new DkimSigner(NOW);
        assertThat(signer.start(d -> List.of()).finishWith(bytes(MESSAGE)))
                .isEqualTo(new DkimSigner.NotSigned("no DKIM key for example.org"));
        assertThat(signer.start(d -> List.of(rsa)).finishWith(bytes("Subject: x\r\n\r\nbody\r\n")))
                .isEqualTo(new DkimSigner.NotSigned("no From: field"));
    }

    @Test
    void fromDomain() {
        assertThat(DkimSigner.fromDomain(new HeaderField("from", "From: Joe <joe@Example.COM.>\r\n"))).isEqualTo("example.com");
        assertThat(DkimSigner.fromDomain(new HeaderField("from", "From: joe@a.example (Joe @ home)\r\n"))).isEqualTo("a.example");
        assertThat(DkimSigner.fromDomain(new HeaderField("from", "From: undisclosed\r\n"))).isNull();
    }
}
