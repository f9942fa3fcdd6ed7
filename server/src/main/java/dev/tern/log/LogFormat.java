package dev.tern.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * The format of every log line ({@code [log] format}): {@link LogSetup} writes text; {@link #json}
 * switches the appenders of the root logger to Logback's own JSON encoder, one object a line with
 * {@code timestamp}, {@code level}, {@code loggerName}, {@code kvpList} (the facts
 * {@link MailLog} attaches to each line), {@code formattedMessage} (the text line's message) and, for a bug,
 * {@code throwable}.
 */
public final class LogFormat {
    /**
     * True when something may write the key-value pairs {@link MailLog} attaches: false only while Tern's own
     * text lines ({@link LogSetup}) are all the log is, which ignore them. An application's own Logback
     * configuration, or the JSON format, keeps them.
     */
    private static volatile boolean keyValues = true;

    private LogFormat() {
    }

    /** Whether {@link MailLog} builds its key-value pairs. */
    static boolean keyValues() {
        return keyValues;
    }

    /** Says whether anything writes the key-value pairs: {@link LogSetup} (text, no), {@link #json} (yes), tests. */
    static void keyValues(boolean written) {
        keyValues = written;
    }

    /** From now on every log line, Tern's and its libraries', is one JSON object. Idempotent. */
    public static void json() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory(); // may run LogSetup first
        keyValues = true;
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out) {
                out.stop();
                out.setEncoder(encoder(ctx));
                out.start();
            }
        }
    }

    /** Logback's JSON encoder without the fields that repeat the others or say nothing to an operator. */
    static JsonEncoder encoder(LoggerContext ctx) {
        JsonEncoder e = new JsonEncoder();
        e.setContext(ctx);
        e.setWithSequenceNumber(false);
        e.setWithNanoseconds(false);
        e.setWithContext(false);
        e.setWithMDC(false);
        e.setWithThreadName(false);
        e.setWithMessage(false);
        e.setWithArguments(false);
        e.setWithFormattedMessage(true);
        e.start();
        return e;
    }
}
