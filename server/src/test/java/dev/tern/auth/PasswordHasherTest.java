package dev.tern.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHasherTest {

    @Test
    void hashHasThePhcShapeAndTheOwaspParameters() {
        String phc = PasswordHasher.hash("correct horse".toCharArray());
        assertThat(phc).matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        String[] f = phc.split("\\$");
        assertThat(Base64.getDecoder().decode(f[4])).hasSize(16);
        assertThat(Base64.getDecoder().decode(f[5])).hasSize(32);
    }

    @Test
    void roundTrip() {
        String phc = PasswordHasher.hash("correct horse".toCharArray());
        assertThat(PasswordHasher.verify("correct horse".toCharArray(), phc)).isTrue();
        assertThat(PasswordHasher.isWellFormed(phc)).isTrue();
    }

    @Test
    void wrongPasswordIsRejected() {
        String phc = PasswordHasher.hash("correct horse".toCharArray());
        assertThat(PasswordHasher.verify("correct horsf".toCharArray(), phc)).isFalse();
        assertThat(PasswordHasher.verify("Correct horse".toCharArray(), phc)).isFalse();
        assertThat(PasswordHasher.verify(new char[0], phc)).isFalse();
    }

    @Test
    void saltsDiffer() {
        String a = PasswordHasher.hash("same".toCharArray());
        String b = PasswordHasher.hash("same".toCharArray());
        assertThat(a.split("\\$")[4]).isNotEqualTo(b.split("\\$")[4]);
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void nonAsciiPasswordsAreHashedAsUtf8() {
        String phc = PasswordHasher.hash("pässwörd ✉".toCharArray());
        assertThat(PasswordHasher.verify("pässwörd ✉".toCharArray(), phc)).isTrue();
        assertThat(PasswordHasher.verify("passwort ✉".toCharArray(), phc)).isFalse();
    }

    /** Strings made by the reference implementation (Debian's argon2 CLI), with other parameters than ours. */
    @ParameterizedTest
    @ValueSource(strings = {
        // echo -n 'correct horse' | argon2 c29tZXNhbHRzYWx0MTIz -id -v 13 -k 19456 -t 2 -p 1 -l 32 -e
        "correct horse|$argon2id$v=19$m=19456,t=2,p=1$YzI5dFpYTmhiSFJ6WVd4ME1USXo$v8Cb3UatA7ILg/EYJpb+TNYIflLoaKwrjLtaRwjhlZk",
        // echo -n 'password' | argon2 somesaltsomesalt -id -v 13 -k 64 -t 3 -p 2 -l 16 -e
        "password|$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        // the same with version 0x10
        "password|$argon2id$v=16$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$DMB4aMyWDwaUgfF8owG2yg",
        // echo -n 'pässwörd' | argon2 saltsaltsaltsalt -id -k 32 -t 1 -p 1 -l 32 -e
        "pässwörd|$argon2id$v=19$m=32,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$ygdU/bW8BX7Y5I1nAdlljO+G+Ygc+nW+6Rfz8dZ7PJw",
    })
    void parametersAreReadFromTheString(String row) {
        String password = row.substring(0, row.indexOf('|'));
        String phc = row.substring(row.indexOf('|') + 1);
        assertThat(PasswordHasher.verify(password.toCharArray(), phc)).isTrue();
        assertThat(PasswordHasher.verify((password + "x").toCharArray(), phc)).isFalse();
    }

    @Test
    void changingAParameterInTheStringChangesTheResult() {
        String phc = "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw";
        assertThat(PasswordHasher.verify("password".toCharArray(), phc)).isTrue();
        assertThat(PasswordHasher.verify("password".toCharArray(), phc.replace("m=64", "m=128"))).isFalse();
        assertThat(PasswordHasher.verify("password".toCharArray(), phc.replace("t=3", "t=2"))).isFalse();
        assertThat(PasswordHasher.verify("password".toCharArray(), phc.replace("p=2", "p=1"))).isFalse();
        assertThat(PasswordHasher.verify("password".toCharArray(), phc.replace("v=19", "v=16"))).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "garbage",
        "$",
        "$argon2id$",
        "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA",                          // no hash
        "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw$x", // extra field
        "$argon2i$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",    // other algorithm
        "$argon2d$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        "$2b$12$abcdefghijklmnopqrstuuQJ2nAVJb9RyTiGQzNkQ1oR7Tpm8Gi7G",                // bcrypt
        "argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",    // no leading $
        "$argon2id$v=18$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",   // unknown version
        "$argon2id$v=x$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        "$argon2id$v=19$t=3,m=64,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",   // wrong order
        "$argon2id$v=19$m=64,t=3$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",       // missing p
        "$argon2id$v=19$m=64,t=3,p=2,k=1$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        "$argon2id$v=19$m=-64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        "$argon2id$v=19$m=064,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",  // leading zero
        "$argon2id$v=19$m=64,t=0,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",   // zero passes
        "$argon2id$v=19$m=64,t=3,p=0$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        "$argon2id$v=19$m=8,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",    // m < 8p
        "$argon2id$v=19$m=99999999,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw", // ~100 GB
        "$argon2id$v=19$m=64,t=99999,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        "$argon2id$v=19$m=64,t=2147483648,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",
        "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA==$RnRJlhyjQ/cqJczu4bE+nw", // padded
        "$argon2id$v=19$m=64,t=3,p=2$c29tZX*hbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw",   // not base64
        "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+n",    // 21 characters: not base64
        "$argon2id$v=19$m=64,t=3,p=2$c2FsdA$RnRJlhyjQ/cqJczu4bE+nw",                   // salt of 4 bytes
        "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$$",
        "$argon2id$v=19$m=64,t=3,p=2$$RnRJlhyjQ/cqJczu4bE+nw",
    })
    void malformedStringsAreFalseNotExceptions(String phc) {
        assertThat(PasswordHasher.verify("password".toCharArray(), phc)).isFalse();
        assertThat(PasswordHasher.isWellFormed(phc)).isFalse();
    }

    @Test
    void nullPasswordIsFalse() {
        String phc = "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RnRJlhyjQ/cqJczu4bE+nw";
        assertThat(PasswordHasher.verify(null, phc)).isFalse();
    }

    @Test
    void invalidUtf16PasswordIsFalse() {
        String phc = PasswordHasher.hash("x".toCharArray());
        assertThat(PasswordHasher.verify(new char[] {'\uD800'}, phc)).isFalse();
    }
}
