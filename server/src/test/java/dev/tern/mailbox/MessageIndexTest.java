package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots share the index's arrays: each must still read as the index was when it was taken, through flag and
 * size changes, removals (also of the last entries, then appends over their slots) and growth.
 */
class MessageIndexTest {

    private record Row(long uid, long size, int bits) {
    }

    @Test
    void aSnapshotKeepsTheIndexAsItWas(@TempDir Path dir) throws IOException {
        Keywords keywords = Keywords.load(dir);
        Random rnd = new Random(14);
        MessageIndex index = new MessageIndex();
        int nextUid = 1;
        List<FolderView.Snapshot> snapshots = new ArrayList<>();
        List<List<Row>> expected = new ArrayList<>();
        for (int op = 0; op < 3_000; op++) {
            switch (rnd.nextInt(6)) {
                case 0, 1 -> index.add(nextUid++, "m" + nextUid, rnd.nextInt(1000), rnd.nextInt(64), 0);
                case 2 -> {
                    if (index.size() > 0) {
                        index.flags(rnd.nextInt(index.size()), rnd.nextInt(64), 0);
                    }
                }
                case 3 -> {
                    if (index.size() > 0) {
                        index.octets(rnd.nextInt(index.size()), rnd.nextInt(1000));
                    }
                }
                case 4 -> {
                    int n = index.size();
                    boolean tail = rnd.nextBoolean(); // the last entries only: no entry moves, count goes down
                    int from = n - rnd.nextInt(3);
                    index.removeIf(i -> tail ? i >= from : rnd.nextInt(10) == 0);
                }
                default -> {
                    snapshots.add(index.snapshot(1, nextUid, keywords.copy()));
                    expected.add(rows(index));
                }
            }
        }
        for (int k = 0; k < snapshots.size(); k++) {
            FolderView.Snapshot s = snapshots.get(k);
            List<Row> got = new ArrayList<>();
            for (int i = 0; i < s.size(); i++) {
                got.add(new Row(s.uid(i), s.octets(i), s.flags(i).bits()));
            }
            assertThat(got).as("snapshot %d", k).isEqualTo(expected.get(k));
        }
    }

    private static List<Row> rows(MessageIndex index) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < index.size(); i++) {
            out.add(new Row(index.uid(i), index.octets(i), index.bits(i) & FolderFiles.SYSTEM_BITS));
        }
        return out;
    }
}
