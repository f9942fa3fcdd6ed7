package dev.tern.imap;

import java.nio.charset.StandardCharsets;

/** MIME shapes for the structure tests, written here (LF in the source, CRLF on the wire). */
final class MimeCorpus {

    private MimeCorpus() {
    }

    static byte[] crlf(String s) {
        return s.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static final String PLAIN = """
            Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
            From: Terry Gray <gray@cac.washington.edu>
            Subject: IMAP4rev2 WG mtg summary and minutes
            To: imap@cac.washington.edu
            cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>
            Message-Id: <B27397-0100000@cac.washington.edu>
            MIME-Version: 1.0
            Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

            Hello Joe, do you think we can meet at 3:30 tomorrow?
            Regards
            """;

    static final String ALTERNATIVE = """
            From: a@example.com
            To: b@example.org
            Subject: alt
            Content-Type: multipart/alternative; boundary="xyz"

            preamble
            --xyz
            Content-Type: text/plain; charset=utf-8

            plain
            --xyz
            Content-Type: text/html; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            <p>html</p>
            --xyz--
            epilogue
            """;

    static final String MIXED = """
            From: "Doe, Jane" <jane@example.com>
            To: team: x@example.com, "Y Z" <y@example.com>;, <@r1.example,@r2.example:route@example.net>
            Subject: report
            Content-Type: multipart/mixed; boundary=outer

            --outer
            Content-Type: multipart/alternative; boundary=inner

            --inner
            Content-Type: text/plain

            see attached
            --inner
            Content-Type: text/html

            <b>see attached</b>
            --inner--

            --outer
            Content-Type: application/pdf; name="r.pdf"
            Content-Disposition: attachment; filename="r.pdf"
            Content-Transfer-Encoding: base64
            Content-ID: <pdf1@example.com>
            Content-Language: en, de

            JVBERi0xLjQK
            --outer--
            """;

    static final String RFC822 = """
            From: fwd@example.com
            Subject: Fwd: hi
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain

            below
            --b1
            Content-Type: message/rfc822
            Content-Description: forwarded

            From: orig@example.com
            To: fwd@example.com
            Subject: hi
            Message-ID: <1@example.com>

            original text
            line two
            --b1--
            """;

    static final String ENCODED = """
            From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.de>, Zoë Ünicode <z@example.de>
            Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= und Grüße
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Grüße aus Köln
            """;

    static final String NO_CONTENT_TYPE = """
            From: old@example.com
            Subject: no MIME

            just text
            """;

    static final String BROKEN_BOUNDARY = """
            From: broken@example.com
            Subject: broken
            Content-Type: multipart/mixed; boundary="never-appears"

            --wrong
            Content-Type: text/plain

            text
            --wrong--
            """;

    static final String MULTIPART_NO_BOUNDARY = """
            From: nb@example.com
            Content-Type: multipart/mixed

            body
            """;
}
