package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8463 Appendix A: its keys, its message, both its signatures reproduced octet for octet and verified. */
class Rfc8463Test {
    static final String ED25519_SEED = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    static final String RSA_PEM = """
            -----BEGIN RSA PRIVATE KEY-----
            MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
            Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
            KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
            AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
            6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
            zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
            6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
            uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
            WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
            WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
            licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
            o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
            uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
            -----END RSA PRIVATE KEY-----
            """;
    static final Map<String, String> RECORDS = Map.of(
            "brisbane._domainkey.football.example.com",
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            "test._domainkey.football.example.com",
            "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
                    + "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
                    + "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
                    + "Ip3G+2kryOTIKT+l/K4w3QIDAQAB");
    static final String HEADERS = """
            From: Joe SixPack <joe@football.example.com>\r
            To: Suzie Q <suzie@shopping.example.net>\r
            Subject: Is dinner ready?\r
            Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r
            Message-ID: <20030712040037.46341.5F8J@football.example.com>\r
            """;
    static final String BODY = "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
    static final String ED_SIGNATURE = """
            DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r
             d=football.example.com; i=@football.example.com;\r
             q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r
             subject : date : message-id : from : subject : date;\r
             bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
             b=""";
    static final String ED_B = "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";
    static final String RSA_SIGNATURE = """
            DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r
             d=football.example.com; i=@football.example.com;\r
             q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r
             date : message-id : from : subject : date;\r
             bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
             b=""";
    static final String RSA_B = "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
            + " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
            + " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=";
    static final Clock THEN = Clock.fixed(Instant.ofEpochSecond(1528637909), ZoneOffset.UTC);

    static TxtLookup lookup() {
        return name -> RECORDS.containsKey(name) ? new TxtLookup.Records(List.of(RECORDS.get(name)))
                : new TxtLookup.NotFound();
    }

    static SigningKey edKey() throws Exception {
        KeyPair pair = Keys.ed25519FromSeed(Base64.getDecoder().decode(ED25519_SEED));
        return new SigningKey("football.example.com", "brisbane", Algorithm.ED25519_SHA256, pair.getPrivate(),
                pair.getPublic());
    }

    static SigningKey rsaKey() {
        PrivateKey k = Keys.fromPem(RSA_PEM);
        return new SigningKey("football.example.com", "test", Algorithm.RSA_SHA256, k, Keys.publicKey(k));
    }

    private static List<HeaderField> fields() {
        byte[] h = HEADERS.getBytes(StandardCharsets.US_ASCII);
        return HeaderField.parse(h, h.length);
    }

    @Test
    void bodyHashIsTheRfcs() {
        BodyHasher h = new BodyHasher(Canonicalization.RELAXED);
        h.update(BODY.getBytes(StandardCharsets.US_ASCII));
        assertThat(Base64.getEncoder().encodeToString(h.digest())).isEqualTo("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
    }

    @Test
    void publicKeysAreTheRecordsKeys() throws Exception {
        assertThat(edKey().recordText()).isEqualTo(RECORDS.get("brisbane._domainkey.football.example.com"));
        assertThat(rsaKey().recordText()).isEqualTo(RECORDS.get("test._domainkey.football.example.com"));
    }

    @Test
    void bothSignaturesReproduced() throws Exception {
        assertThat(DkimSigner.signatureValue(fields(), ED_SIGNATURE, edKey())).isEqualTo(ED_B.replace("\r\n ", ""));
        assertThat(DkimSigner.signatureValue(fields(), RSA_SIGNATURE, rsaKey())).isEqualTo(RSA_B.replace("\r\n ", ""));
    }

    @Test
    void bothSignaturesVerify() throws Exception {
        String message = ED_SIGNATURE + ED_B + "\r\n" + RSA_SIGNATURE + RSA_B + "\r\n" + HEADERS + "\r\n" + BODY;
        DkimVerifier v = new DkimVerifier(lookup(), THEN, DkimVerifier.Settings.defaults());
        List<DkimResult> results = v.verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)));
        assertThat(results).extracting(DkimResult::status).containsExactly(DkimResult.Status.PASS, DkimResult.Status.PASS);
        assertThat(results.get(0).resinfo()).isEqualTo(
                "dkim=pass header.d=football.example.com header.s=brisbane header.a=ed25519-sha256 header.b=\"/gCrinpc\"");
        assertThat(results.get(1).resinfo()).isEqualTo(
                "dkim=pass header.d=football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf");
    }
}
