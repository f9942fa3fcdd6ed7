package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The command line as the README shows it: {@code tern help COMMAND}, {@code tern --version}, usage errors. */
class MainTest {
    private final PrintStream savedOut = System.out;
    private final PrintStream savedErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int tern(String... args) {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        return Main.run(args);
    }

    @Test
    void helpNamesACommandsUsage() {
        assertThat(tern("help", "queue")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: tern queue").contains("flush");
    }

    @Test
    void helpAloneListsTheCommands() {
        assertThat(tern("help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("serve").contains("user").contains("queue");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertThat(tern("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("frobnicate");
    }
}
