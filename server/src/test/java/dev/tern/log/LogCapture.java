package dev.tern.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects the lines Tern logs under {@code dev.tern}, formatted with the pattern Tern logs with
 * ({@link LogSetup#PATTERN}), so a test sees exactly what an operator (or fail2ban) reads.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final PatternLayout layout = new PatternLayout();
    private final Logger root;

    public LogCapture() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        layout.setContext(ctx);
        layout.setPattern(LogSetup.PATTERN);
        layout.start();
        setContext(ctx);
        start();
        root = ctx.getLogger("dev.tern");
        root.addAppender(this);
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
