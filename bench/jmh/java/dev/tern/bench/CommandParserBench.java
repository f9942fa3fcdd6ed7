package dev.tern.bench;

import dev.tern.smtp.Command;
import dev.tern.smtp.CommandParser;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** How long {@link CommandParser#parse} takes for the command lines of a typical transaction. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CommandParserBench {
    @Param({
        "EHLO client.example.org",
        "MAIL FROM:<sender@example.org> SIZE=1024 BODY=8BITMIME",
        "RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.test",
        "DATA",
        "BDAT 65536 LAST",
        "XYZZY unknown command"
    })
    public String line;

    @Benchmark
    public Command parse() {
        return CommandParser.parse(line);
    }
}
