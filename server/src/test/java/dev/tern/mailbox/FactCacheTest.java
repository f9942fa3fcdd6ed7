package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link FactCache} read through its mapping and (a file over the mapping's limit) with a read per record. */
class FactCacheTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(longs = {FactCache.MAX_MAP, 0})
    void recordsAreReadBackReplacedAndRewrittenWithoutTheDeadOnes(long maxMap) throws IOException {
        FactCache c = new FactCache(dir, maxMap);
        for (long uid = 1; uid <= 3000; uid++) {
            c.put("k", uid, b("facts of " + uid + " ".repeat(40)));
        }
        c.put("k", 7, b("seven again"));
        assertThat(c.get("k", 7)).isEqualTo(b("seven again")); // the mapping is made again past its end
        assertThat(c.get("k", 8)).isEqualTo(b("facts of 8" + " ".repeat(40)));
        assertThat(c.get("k", 3001)).isNull();
        c.close();

        c = new FactCache(dir, maxMap);
        assertThat(c.get("k", 7)).isEqualTo(b("seven again")); // the last record of a UID counts
        long before = Files.size(dir.resolve(FactCache.FILE));
        c.retain(uid -> uid > 2900); // most records dead: the file is written again without them
        assertThat(Files.size(dir.resolve(FactCache.FILE))).isLessThan(before / 10);
        assertThat(c.get("k", 2950)).isEqualTo(b("facts of 2950" + " ".repeat(40)));
        assertThat(c.get("k", 7)).isNull();
        c.close();
    }
}
