package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.e2e.Pop3Fixture;
import dev.tern.e2e.RawPop3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MaildropTest {
    @TempDir
    Path box;

    @RegisterExtension
    final Pop3Fixture pop = new Pop3Fixture();

    @Test
    void sizesAndUids() {
        assertThat(Maildrop.sizeFromName("1.Q1R0.h,S=123")).isEqualTo(123);
        assertThat(Maildrop.sizeFromName("1.Q1R0.h,S=123,W=130:2,S")).isEqualTo(123);
        assertThat(Maildrop.sizeFromName("1.Q1R0.h,S=:2,S")).isEqualTo(-1);
        assertThat(Maildrop.sizeFromName("1.M2P3.h")).isEqualTo(-1);
        assertThat(Maildrop.uid("1.Q1R0.h,S=123:2,S")).isEqualTo("1.Q1R0.h,S=123");
        assertThat(Maildrop.uid("1.Q1R0.h,S=123")).isEqualTo("1.Q1R0.h,S=123");
        // not printable ASCII, or too long: hashed, still stable
        String h = Maildrop.uid("1.Q1R0.hôst,S=1");
        assertThat(h).matches("[0-9a-f]{64}").isEqualTo(Maildrop.uid("1.Q1R0.hôst,S=1:2,RS"));
        assertThat(Maildrop.uid("1." + "x".repeat(80))).matches("[0-9a-f]{64}");
    }

    @Test
    void snapshotOrderAndCommit() throws IOException {
        for (String d : List.of("new", "cur", "tmp")) {
            Files.createDirectories(box.resolve(d));
        }
        Files.writeString(box.resolve("new/200.b,S=3"), "abc");
        Files.writeString(box.resolve("cur/100.a:2,S"), "hello");
        Files.writeString(box.resolve("new/300.c,S=1"), "z");
        Files.writeString(box.resolve("new/.hidden"), "no");
        Files.writeString(box.resolve("tmp/400.d"), "being delivered");
        Maildrop d = Maildrop.open(box);
        assertThat(d.messages()).extracting(Maildrop.Message::fileName).containsExactly("100.a:2,S", "200.b,S=3", "300.c,S=1");
        assertThat(d.messages()).extracting(Maildrop.Message::size).containsExactly(5L, 3L, 1L);
        Maildrop.Outcome o = d.commit(List.of(d.messages().get(0)), List.of(d.messages().get(1)));
        assertThat(o).isEqualTo(new Maildrop.Outcome(1, 0, 1));
        assertThat(box.resolve("cur/100.a:2,S")).doesNotExist();
        assertThat(box.resolve("cur/200.b,S=3:2,S")).hasContent("abc");
        assertThat(box.resolve("new/300.c,S=1")).exists();
        // a message deleted by someone else meanwhile counts as deleted
        assertThat(d.commit(List.of(d.messages().get(0)), List.of()).failed()).isZero();
    }

    @Test
    void missingMailboxIsEmpty() throws IOException {
        assertThat(Maildrop.open(box.resolve("nobody")).messages()).isEmpty();
    }

    /** 10,000 messages: the listing holds names and sizes only, and LIST/UIDL/STAT work over POP3. */
    @Test
    void tenThousandMessages() throws IOException {
        pop.deliver(Pop3Fixture.ALICE, Pop3Fixture.message("first", "x\r\n"));
        Path newDir = pop.mailbox(Pop3Fixture.ALICE).resolve("new");
        byte[] msg = "Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 9_999; i++) {
            Files.write(newDir.resolve(String.format("1700000000.Q%013XR0.mx.test,S=%d", i, msg.length)), msg);
        }
        Runtime rt = Runtime.getRuntime();
        try (RawPop3 c = pop.login(Pop3Fixture.ALICE)) {
            assertThat(c.cmd("STAT")).startsWith("+OK 10000 ");
            assertThat(c.multi("LIST")).hasSize(10_000);
            List<String> uidl = c.multi("UIDL");
            assertThat(uidl).hasSize(10_000).doesNotHaveDuplicates();
            assertThat(c.cmd("LIST 10000")).startsWith("+OK 10000 ");
            assertThat(c.cmd("RETR 5000")).isEqualTo("+OK " + msg.length + " octets");
            assertThat(c.readBody()).containsExactly("Subject: s", "", "body");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        // bounded: far less than the listing of 10,000 would take if content were loaded (it is not)
        assertThat(rt.totalMemory() - rt.freeMemory()).isLessThan(rt.maxMemory());
        Maildrop d = Maildrop.open(pop.mailbox(Pop3Fixture.ALICE));
        assertThat(d.messages()).hasSize(10_000);
    }
}
