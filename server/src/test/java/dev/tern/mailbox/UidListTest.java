package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UidListTest {
    @TempDir
    Path dir;

    private final AtomicLong validities = new AtomicLong(1000);

    private Path file() {
        return dir.resolve(UidList.FILE);
    }

    private UidList.Loaded open() throws IOException {
        return UidList.open(file(), validities::incrementAndGet);
    }

    @Test
    void aNewListHasAFreshValidityAndStartsAtOne() throws IOException {
        UidList.Loaded l = open();
        assertThat(l.lost()).isFalse();
        assertThat(l.entries()).isEmpty();
        assertThat(l.list().validity()).isEqualTo(1001);
        assertThat(l.list().uidNext()).isEqualTo(1);
        assertThat(Files.readString(file())).startsWith("tern-uidlist 1 1001 1 ");
    }

    @Test
    void entriesValidityAndNextSurviveARestart() throws IOException {
        UidList l = open().list();
        assertThat(l.add(List.of("a", "b", "c"))).isEqualTo(1);
        l.remove(List.of(2L));
        assertThat(l.add(List.of("d"))).isEqualTo(4);
        l.remove(List.of(4L)); // the last one gone: its UID must still never come back
        l.close();
        UidList.Loaded again = open();
        assertThat(again.lost()).isFalse();
        assertThat(again.list().validity()).isEqualTo(1001);
        assertThat(again.list().uidNext()).isEqualTo(5);
        assertThat(again.entries()).containsExactly(new UidList.Entry(1, "a"), new UidList.Entry(3, "c"));
    }

    @Test
    void oddBaseNamesRoundTrip() throws IOException {
        UidList l = open().list();
        List<String> names = List.of("with space", "new\nline", "100%", "caf\u00e9", "tab\there", "+ 5 x");
        l.add(names);
        l.close();
        assertThat(open().entries()).extracting(UidList.Entry::base).containsExactlyElementsOf(names);
    }

    @Test
    void aTornLastRecordIsDroppedAndTheListKept() throws IOException {
        UidList l = open().list();
        l.add(List.of("a", "b"));
        l.close();
        long whole = Files.size(file());
        Files.write(file(), "+ 3 c 1234".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        UidList.Loaded again = open();
        assertThat(again.lost()).isFalse();
        assertThat(again.list().validity()).isEqualTo(1001);
        assertThat(again.entries()).extracting(UidList.Entry::uid).containsExactly(1L, 2L);
        assertThat(Files.size(file())).isEqualTo(whole);
        assertThat(again.list().add(List.of("c"))).isEqualTo(3);
    }

    @Test
    void aLastRecordWithABadChecksumIsATornTailToo() throws IOException {
        UidList l = open().list();
        l.add(List.of("a"));
        l.add(List.of("b"));
        l.close();
        byte[] data = Files.readAllBytes(file());
        data[data.length - 12] ^= 1; // inside the last record's payload
        Files.write(file(), data);
        UidList.Loaded again = open();
        assertThat(again.lost()).isFalse();
        assertThat(again.entries()).extracting(UidList.Entry::base).containsExactly("a");
        assertThat(again.list().uidNext()).isEqualTo(2);
    }

    @Test
    void damageBeforeTheLastRecordLosesTheListForANewValidity() throws IOException {
        UidList l = open().list();
        l.add(List.of("a"));
        l.add(List.of("b"));
        l.close();
        String text = Files.readString(file());
        Files.writeString(file(), text.replace("+ 1 a", "+ 1 x"));
        UidList.Loaded again = open();
        assertThat(again.lost()).isTrue();
        assertThat(again.list().validity()).isEqualTo(1002);
        assertThat(again.entries()).isEmpty();
        assertThat(again.list().uidNext()).isEqualTo(1);
    }

    @Test
    void uidsOutOfOrderLoseTheList() throws IOException {
        UidList l = open().list();
        l.add(List.of("a", "b"));
        l.close();
        List<String> lines = new ArrayList<>(Files.readAllLines(file()));
        String second = lines.get(2);
        lines.set(2, lines.get(1));
        lines.set(1, second);
        Files.write(file(), lines);
        assertThat(open().lost()).isTrue();
    }

    @Test
    void aMissingOrGarbageListGetsANewValidity() throws IOException {
        open().list().close();
        Files.delete(file());
        assertThat(open().list().validity()).isEqualTo(1002);
        Files.writeString(file(), "not a list\nat all\n");
        UidList.Loaded l = open();
        assertThat(l.lost()).isTrue();
        assertThat(l.list().validity()).isEqualTo(1003);
    }

    @Test
    void compactionKeepsLiveEntriesAndTheNextUid() throws IOException {
        UidList l = open().list();
        List<String> bases = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            bases.add("m" + i);
        }
        l.add(bases);
        List<Long> gone = new ArrayList<>();
        for (long u = 1; u <= 190; u++) {
            gone.add(u);
        }
        l.remove(gone);
        assertThat(l.wantsCompaction()).isTrue();
        List<UidList.Entry> live = new ArrayList<>();
        for (int i = 190; i < 200; i++) {
            live.add(new UidList.Entry(i + 1, "m" + i));
        }
        long before = Files.size(file());
        l.rewrite(live);
        assertThat(Files.size(file())).isLessThan(before / 10);
        assertThat(l.add(List.of("n"))).isEqualTo(201);
        l.close();
        UidList.Loaded again = open();
        assertThat(again.lost()).isFalse();
        assertThat(again.entries()).hasSize(11);
        assertThat(again.list().uidNext()).isEqualTo(202);
    }
}
