package dev.tern.pop3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes a message as the body of a multi-line POP3 response (RFC 1939 section 3): every line that begins with
 * a dot gets one more, lines end with CRLF (a lone LF in a file from another program becomes CRLF), and a lone
 * dot ends the response. With a line limit (TOP) it writes the header, the empty line, and that many lines of
 * the body. Streams in fixed-size pieces, so memory does not grow with the message.
 */
public final class MessageWriter {
    private static final byte[] END = {'.', '\r', '\n'};

    private MessageWriter() {
    }

    /**
     * @param bodyLines -1 for the whole message, else how many lines of the body after the header (TOP)
     * @return the number of octets read from {@code in}
     */
    public static long write(InputStream in, OutputStream out, int bodyLines) throws IOException {
        byte[] buf = new byte[8192];
        boolean header = true;
        int lineLen = 0;      // octets of the current line written so far
        boolean pendingCr = false;
        long body = 0;        // body lines written
        long read = 0;
        outer:
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            read += n;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    out.write('\r');
                    out.write('\n');
                    pendingCr = false;
                    boolean empty = lineLen == 0;
                    lineLen = 0;
                    if (header) {
                        if (empty) {
                            header = false;
                            if (bodyLines == 0) {
                                break outer;
                            }
                        }
                    } else if (bodyLines >= 0 && ++body >= bodyLines) {
                        break outer;
                    }
                    continue;
                }
                if (pendingCr) {
                    out.write('\r'); // a CR not followed by LF passes through as it is
                    lineLen++;
                    pendingCr = false;
                }
                if (b == '\r') {
                    pendingCr = true;
                    continue;
                }
                if (lineLen == 0 && b == '.') {
                    out.write('.');
                }
                out.write(b);
                lineLen++;
            }
        }
        if (pendingCr) {
            out.write('\r');
            lineLen++;
        }
        if (lineLen > 0) {
            out.write('\r');
            out.write('\n'); // the last line had no line end; the terminating dot needs one before it
        }
        out.write(END);
        return read;
    }
}
