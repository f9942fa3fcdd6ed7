package dev.tern.imap;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.Envelope;
import dev.tern.imap.mime.EnvelopeForm;
import java.util.List;
import java.util.Locale;

/** Writes ENVELOPE, BODYSTRUCTURE and BODY (RFC 9051 sections 7.5.2) from a message's {@link BodyPart} tree. */
public final class StructureWriter {

    private StructureWriter() {
    }

    public static void envelope(ResponseWriter w, Envelope e) {
        envelope(w, EnvelopeForm.of(e));
    }

    /** ENVELOPE from its cached form, each string written from the form's octets. */
    public static void envelope(ResponseWriter w, EnvelopeForm e) {
        e.replay(new EnvelopeForm.Sink() {
            @Override
            public void open() {
                w.open();
            }

            @Override
            public void openAddress() {
                w.joined().open();
            }

            @Override
            public void close() {
                w.close();
            }

            @Override
            public void nil() {
                w.nil();
            }

            @Override
            public void string(byte[] b, int off, int len) {
                w.string(b, off, len);
            }
        });
    }

    /**
     * The body structure of {@code part}; {@code extended} for BODYSTRUCTURE (with the extension data: MD5,
     * disposition, language, location), else the non-extensible BODY.
     */
    public static void body(ResponseWriter w, BodyPart part, boolean extended) {
        w.open();
        if (part.multipart()) {
            for (BodyPart child : part.parts()) {
                body(w.joined(), child, extended);
            }
            w.string(part.subtype()); // "1*body SP media-subtype"
            if (extended) {
                params(w, part.params());
                extension(w, part);
            }
            w.close();
            return;
        }
        w.string(part.type()).string(part.subtype());
        params(w, part.params());
        w.nstring(part.id()).nstring(part.description()).string(part.encoding()).number(part.size());
        if (part.encapsulated() && !part.parts().isEmpty()) {
            BodyPart message = part.parts().get(0);
            envelope(w, message.envelope());
            body(w, message, extended);
            w.number(part.lines());
        } else if (part.type().equals("text")) {
            w.number(part.lines());
        }
        if (extended) {
            w.nstring(part.md5());
            extension(w, part);
        }
        w.close();
    }

    private static void extension(ResponseWriter w, BodyPart part) {
        if (part.disposition() == null) {
            w.nil();
        } else {
            w.open().string(part.disposition());
            params(w, part.dispositionParams());
            w.close();
        }
        if (part.language().isEmpty()) {
            w.nil();
        } else {
            w.open();
            part.language().forEach(l -> w.string(l.toLowerCase(Locale.ROOT)));
            w.close();
        }
        w.nstring(part.location());
    }

    private static void params(ResponseWriter w, List<String> pairs) {
        if (pairs.isEmpty()) {
            w.nil();
            return;
        }
        w.open();
        pairs.forEach(w::string);
        w.close();
    }
}
