package dev.tern.imap;

import java.util.List;

/**
 * A response code (RFC 9051 section 7.1), written between brackets after OK, NO, BAD, PREAUTH or BYE.
 *
 * @param text the code and its arguments as sent, e.g. {@code UIDNEXT 4392}
 */
public record ResponseCode(String text) {

    public static ResponseCode of(String atom) {
        return new ResponseCode(atom);
    }

    public static ResponseCode uidNext(long uid) {
        return new ResponseCode("UIDNEXT " + uid);
    }

    public static ResponseCode uidValidity(long validity) {
        return new ResponseCode("UIDVALIDITY " + validity);
    }

    /** UIDPLUS (RFC 4315, in RFC 9051). */
    public static ResponseCode appendUid(long validity, long uid) {
        return new ResponseCode("APPENDUID " + validity + " " + uid);
    }

    public static ResponseCode copyUid(long validity, SequenceSet from, SequenceSet to) {
        return new ResponseCode("COPYUID " + validity + " " + from.format() + " " + to.format());
    }

    public static ResponseCode permanentFlags(List<String> flags) {
        return new ResponseCode("PERMANENTFLAGS (" + String.join(" ", flags) + ")");
    }

    public static ResponseCode capability(List<String> capabilities) {
        return new ResponseCode("CAPABILITY " + String.join(" ", capabilities));
    }

    /** IMAP4rev1's first unseen message number (RFC 3501; dropped by RFC 9051). */
    public static ResponseCode unseen(long seq) {
        return new ResponseCode("UNSEEN " + seq);
    }

    public static final ResponseCode READ_ONLY = of("READ-ONLY");
    public static final ResponseCode READ_WRITE = of("READ-WRITE");
    public static final ResponseCode TRYCREATE = of("TRYCREATE");
    public static final ResponseCode NONEXISTENT = of("NONEXISTENT");
    public static final ResponseCode ALREADYEXISTS = of("ALREADYEXISTS");
    public static final ResponseCode AUTHENTICATIONFAILED = of("AUTHENTICATIONFAILED");
    public static final ResponseCode PRIVACYREQUIRED = of("PRIVACYREQUIRED");
    public static final ResponseCode CANNOT = of("CANNOT");
    public static final ResponseCode CLIENTBUG = of("CLIENTBUG");
    /** RFC 5530: a hard limit of the server (a folder's keywords are full). */
    public static final ResponseCode LIMIT = of("LIMIT");
    public static final ResponseCode UNAVAILABLE = of("UNAVAILABLE");
    public static final ResponseCode CLOSED = of("CLOSED");
    public static final ResponseCode ALERT = of("ALERT");
    public static final ResponseCode INUSE = of("INUSE");
}
