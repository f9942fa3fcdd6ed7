package dev.tern.smtp;

import java.util.Map;

/** One parsed SMTP command line. Syntax errors are commands too ({@link Invalid}), carrying their reply. */
public sealed interface Command {

    /** EHLO (extended) or HELO with the client's name as given. */
    record Hello(String domain, boolean extended) implements Command {
    }

    /** MAIL FROM; {@code reversePath} is null for {@code <>}. Parameter keywords are upper-cased; a value may be null. */
    record Mail(Mailbox reversePath, Map<String, String> params) implements Command {
    }

    /** RCPT TO; a forward-path of {@code <postmaster>} has an empty domain. */
    record Rcpt(Mailbox forwardPath, Map<String, String> params) implements Command {
    }

    record Data() implements Command {
    }

    /** BDAT (RFC 3030): a chunk of {@code size} octets follows the command line. */
    record Bdat(long size, boolean last) implements Command {
    }

    record Rset() implements Command {
    }

    record Noop() implements Command {
    }

    record Quit() implements Command {
    }

    record Help() implements Command {
    }

    record Vrfy() implements Command {
    }

    record Expn() implements Command {
    }

    record StartTls() implements Command {
    }

    record Auth(String mechanism, String initialResponse) implements Command {
    }

    /** An HTTP request line sent to the SMTP port: the connection is closed without a reply. */
    record Http() implements Command {
    }

    /** A verb we do not know. */
    record Unknown(String verb) implements Command {
    }

    /** A known verb with bad arguments. */
    record Invalid(Reply reply) implements Command {
    }
}
