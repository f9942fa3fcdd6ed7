package dev.tern.imap;

import dev.tern.imap.Args.Bad;
import dev.tern.imap.FetchAttribute.Simple;
import dev.tern.imap.mime.Section;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** FETCH attributes (RFC 9051 section 6.4.5): the macros, BODY[section]<partial>, BINARY and the simple ones. */
final class FetchParser {

    private final Args in;

    FetchParser(Args in) {
        this.in = in;
    }

    /** A macro, one attribute, or a parenthesised list of attributes. */
    List<FetchAttribute> attributes() throws Bad {
        List<FetchAttribute> out = new ArrayList<>();
        if (in.accept('(')) {
            do {
                out.add(attribute());
            } while (in.accept(' '));
            in.expect(')');
            return out;
        }
        String macro = peekMacro();
        switch (macro) {
            case "ALL" -> out.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE));
            case "FAST" -> out.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE));
            case "FULL" -> out.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE,
                    Simple.BODY));
            default -> out.add(attribute());
        }
        return out;
    }

    private String peekMacro() throws Bad {
        for (String m : List.of("ALL", "FAST", "FULL")) {
            if (in.acceptWord(m)) {
                return m;
            }
        }
        return "";
    }

    private FetchAttribute attribute() throws Bad {
        String name = in.chars(c -> Character.isLetterOrDigit(c) || c == '.', "a fetch attribute")
                .toUpperCase(Locale.ROOT);
        return switch (name) {
            case "ENVELOPE" -> Simple.ENVELOPE;
            case "FLAGS" -> Simple.FLAGS;
            case "INTERNALDATE" -> Simple.INTERNALDATE;
            case "RFC822.SIZE" -> Simple.RFC822_SIZE;
            case "BODYSTRUCTURE" -> Simple.BODYSTRUCTURE;
            case "UID" -> Simple.UID;
            case "RFC822" -> Simple.RFC822;
            case "RFC822.HEADER" -> Simple.RFC822_HEADER;
            case "RFC822.TEXT" -> Simple.RFC822_TEXT;
            case "BODY", "BODY.PEEK" -> {
                if (!in.peekIs('[')) {
                    if (name.equals("BODY")) {
                        yield Simple.BODY;
                    }
                    throw new Bad("BODY.PEEK needs a section, e.g. BODY.PEEK[]");
                }
                Section s = section();
                yield new FetchAttribute.Body(s, partial(), name.equals("BODY.PEEK"));
            }
            case "BINARY", "BINARY.PEEK" -> {
                List<Integer> part = binarySection();
                yield new FetchAttribute.Binary(part, partial(), name.equals("BINARY.PEEK"));
            }
            case "BINARY.SIZE" -> new FetchAttribute.BinarySize(binarySection());
            default -> throw new Bad("Unknown fetch attribute " + name);
        };
    }

    private List<Integer> binarySection() throws Bad {
        in.expect('[');
        List<Integer> part = in.peekIs(']') ? List.of() : partNumbers();
        in.expect(']');
        return part;
    }

    private List<Integer> partNumbers() throws Bad {
        List<Integer> part = new ArrayList<>();
        do {
            long n = in.nzNumber();
            if (n > 100_000 || part.size() >= 100) {
                throw new Bad("Part number too large");
            }
            part.add((int) n);
        } while (in.peekIs('.') && in.acceptDotDigit());
        return part;
    }

    /** {@code [section-spec]}. */
    Section section() throws Bad {
        in.expect('[');
        List<Integer> part = List.of();
        int c = in.peek();
        if (c >= '0' && c <= '9') {
            part = partNumbers();
            if (in.peekIs(']')) {
                in.expect(']');
                return new Section(part, Section.Text.CONTENT, List.of());
            }
            in.expect('.');
        } else if (in.accept(']')) {
            return Section.whole();
        }
        String text = in.chars(x -> Character.isLetter(x) || x == '.', "a section text").toUpperCase(Locale.ROOT);
        Section.Text t = switch (text) {
            case "HEADER" -> Section.Text.HEADER;
            case "HEADER.FIELDS" -> Section.Text.HEADER_FIELDS;
            case "HEADER.FIELDS.NOT" -> Section.Text.HEADER_FIELDS_NOT;
            case "TEXT" -> Section.Text.TEXT;
            case "MIME" -> {
                if (part.isEmpty()) {
                    throw new Bad("MIME needs a part number, e.g. 1.MIME");
                }
                yield Section.Text.MIME;
            }
            default -> throw new Bad("Unknown section " + text);
        };
        List<String> fields = new ArrayList<>();
        if (t == Section.Text.HEADER_FIELDS || t == Section.Text.HEADER_FIELDS_NOT) {
            in.sp();
            in.expect('(');
            do {
                String f = in.astringText();
                if (f.isEmpty() || !f.chars().allMatch(x -> x > 0x20 && x < 0x7f && x != ':')) {
                    throw new Bad("Invalid header field name");
                }
                fields.add(f);
            } while (in.accept(' '));
            in.expect(')');
        }
        in.expect(']');
        return new Section(part, t, fields);
    }

    private Optional<FetchAttribute.Partial> partial() throws Bad {
        if (!in.accept('<')) {
            return Optional.empty();
        }
        long offset = in.number();
        in.expect('.');
        long length = in.nzNumber();
        in.expect('>');
        return Optional.of(new FetchAttribute.Partial(offset, length));
    }
}
