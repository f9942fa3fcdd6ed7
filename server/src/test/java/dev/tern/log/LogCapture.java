package dev.tern.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Collects the lines Tern logs under {@code dev.tern}, formatted with the pattern of the shipped
 * {@code logback.xml}, so a test sees exactly what an operator (or fail2ban) reads.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final PatternLayout layout = new PatternLayout();
    private final Logger root;

    public LogCapture() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        layout.setContext(ctx);
        layout.setPattern(shippedPattern());
        layout.start();
        setContext(ctx);
        start();
        root = ctx.getLogger("dev.tern");
        root.addAppender(this);
    }

    /** The {@code <pattern>} of src/main/resources/logback.xml. */
    static String shippedPattern() {
        try {
            String xml = Files.readString(Path.of("src/main/resources/logback.xml"));
            Matcher m = Pattern.compile("<pattern>(.*?)</pattern>").matcher(xml);
            if (!m.find()) {
                throw new IllegalStateException("no <pattern> in logback.xml");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO)) {
            String line = layout.doLayout(e);
            lines.add(line.endsWith("\n") ? line.substring(0, line.length() - 1) : line);
        }
    }

    /** The INFO-and-up lines so far, without their line ends. */
    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** The lines so far that contain {@code text}. */
    public List<String> containing(String text) {
        return lines().stream().filter(l -> l.contains(text)).toList();
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
