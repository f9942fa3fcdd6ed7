package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FactCache's UID → offset table against a HashMap, through puts, replacements, removals and growth. */
class OffsetMapTest {

    @Test
    void answersAsAHashMapDoes() {
        Random rnd = new Random(14);
        for (int round = 0; round < 20; round++) {
            OffsetMap map = new OffsetMap();
            Map<Long, Long> expected = new HashMap<>();
            int range = 1 + rnd.nextInt(round % 2 == 0 ? 50 : 5000); // few keys: many collisions and removals
            for (int op = 0; op < 20_000; op++) {
                long uid = rnd.nextInt(4) == 0 ? 0xFFFF_FFFFL - rnd.nextInt(range) : rnd.nextInt(range);
                if (rnd.nextInt(3) == 0) {
                    assertThat(map.remove(uid)).isEqualTo(expected.getOrDefault(uid, -1L));
                    expected.remove(uid);
                } else {
                    long offset = rnd.nextLong(Long.MAX_VALUE);
                    assertThat(map.put(uid, offset)).isEqualTo(expected.getOrDefault(uid, -1L));
                    expected.put(uid, offset);
                }
                assertThat(map.size()).isEqualTo(expected.size());
            }
            for (long uid = 0; uid < range; uid++) {
                assertThat(map.get(uid)).isEqualTo(expected.getOrDefault(uid, -1L));
            }
            assertThat(Arrays.stream(map.uids()).boxed().toList()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            map.clear();
            assertThat(map.size()).isZero();
            assertThat(map.get(1)).isEqualTo(-1);
        }
    }
}
