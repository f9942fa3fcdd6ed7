package dev.tern.imap;

import dev.tern.imap.Command.SearchReturn;
import dev.tern.imap.ResponseWriter.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The commands of the selected state over a {@link SelectedView}: FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE and
 * their UID forms. Each answers in one reply: untagged data, then the tagged status.
 */
final class SelectedCommands {

    private SelectedCommands() {
    }

    /** Resolves {@code $} to the saved result (RFC 5182); a set as it is otherwise. */
    private static SequenceSet set(SequenceSet set, Optional<SequenceSet> saved) {
        return set.saved() ? saved.orElse(new SequenceSet(List.of(), false)) : set;
    }

    /** Sequence numbers of a command's set; empty with a BAD in {@code out} when a message number is out of range. */
    private static Optional<List<Integer>> numbers(SelectedView v, SequenceSet set, boolean uid, boolean savedSet,
                                                   Command c, Responses out) {
        if (!uid && !savedSet && !set.within(v.size())) {
            out.status(c.tag(), Status.BAD, null, v.size() == 0 ? "No messages in the mailbox"
                    : "Message number out of range (the mailbox has " + v.size() + ")");
            return Optional.empty();
        }
        return Optional.of(v.resolve(set, uid || savedSet));
    }

    static ImapSession.Reply fetch(Command.Fetch c, SelectedView v, Optional<SequenceSet> saved, boolean utf8)
            throws IOException {
        Responses out = new Responses();
        Optional<List<Integer>> seqs = numbers(v, set(c.set(), saved), c.uid(), c.set().saved(), c, out);
        if (seqs.isEmpty()) {
            return out.reply(ImapSession.Action.NONE);
        }
        boolean seen = !v.readOnly && FetchResponder.setsSeen(c.attributes());
        boolean flagsAsked = c.attributes().contains(FetchAttribute.Simple.FLAGS);
        if (!seen && FetchResponder.streamable(c.attributes())) {
            List<Integer> numbers = seqs.get();
            int[] seq = new int[numbers.size()];
            long[] uids = new long[seq.length];
            List<Set<String>> flags = flagsAsked ? new ArrayList<>(seq.length) : null;
            for (int i = 0; i < seq.length; i++) {
                seq[i] = numbers.get(i);
                uids[i] = v.uid(seq[i]);
                if (flags != null) {
                    flags.add(v.flags(seq[i]));
                }
            }
            FetchStream stream = new FetchStream(v.folder, seq, uids, flags, c.attributes(), c.uid(), utf8);
            out.lines.add(stream);
            out.lines.add(stream.status(c.tag(), c.name() + " completed"));
            return out.reply(ImapSession.Action.NONE);
        }
        boolean unknownCte = false;
        for (int seq : seqs.get()) {
            long uid = v.uid(seq);
            Optional<ImapStore.Message> m = v.folder.message(uid);
            if (m.isEmpty()) {
                continue; // expunged by another session, not yet told
            }
            Set<String> flags = v.flags(seq);
            boolean changed = false;
            if (seen && !flags.contains("\\Seen")) {
                Map<Long, Set<String>> now = v.folder.store(new long[] {uid}, ImapStore.FlagChange.ADD,
                        Set.of("\\Seen"));
                if (now.containsKey(uid)) {
                    flags = now.get(uid);
                    v.flags(seq, flags);
                    changed = true;
                }
            }
            try {
                out.add(FetchResponder.write(seq, m.get(), flagsAsked || changed ? flags : null, c.attributes(),
                        c.uid(), utf8));
            } catch (FetchResponder.UnknownCte e) {
                unknownCte = true;
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException)) {
                    throw e;
                } // its file was removed by another program, not yet found by a rescan: as if expunged
            }
        }
        if (unknownCte) {
            return out.done(c, Status.NO, ResponseCode.of("UNKNOWN-CTE"),
                    "A part has a transfer encoding that cannot be decoded");
        }
        return out.done(c, Status.OK, null, c.name() + " completed");
    }

    static ImapSession.Reply store(Command.Store c, SelectedView v, Optional<SequenceSet> saved, boolean utf8)
            throws IOException {
        Responses out = new Responses();
        if (v.readOnly) {
            return out.done(c, Status.NO, ResponseCode.of("READ-ONLY"), "The mailbox is read-only (EXAMINE)");
        }
        Optional<List<Integer>> seqs = numbers(v, set(c.set(), saved), c.uid(), c.set().saved(), c, out);
        if (seqs.isEmpty()) {
            return out.reply(ImapSession.Action.NONE);
        }
        Set<String> flags = new LinkedHashSet<>();
        for (String f : c.flags()) {
            if (!f.equalsIgnoreCase("\\Recent")) {
                flags.add(MailboxCommands.canonicalFlag(f));
            }
        }
        long[] uids = seqs.get().stream().mapToLong(v::uid).toArray();
        ImapStore.FlagChange how = switch (c.mode()) {
            case REPLACE -> ImapStore.FlagChange.REPLACE;
            case ADD -> ImapStore.FlagChange.ADD;
            case REMOVE -> ImapStore.FlagChange.REMOVE;
        };
        Map<Long, Set<String>> now = v.folder.store(uids, how, flags);
        for (int seq : seqs.get()) {
            Set<String> f = now.get(v.uid(seq));
            if (f == null) {
                continue;
            }
            v.flags(seq, f);
            if (!c.silent()) {
                out.untagged(seq + " FETCH (" + (c.uid() ? "UID " + v.uid(seq) + " " : "") + "FLAGS "
                        + FetchResponder.flagList(f) + ")");
            }
        }
        return out.done(c, Status.OK, null, c.name() + " completed");
    }

    /** The result of a SEARCH: what to answer, and the set to save for {@code $} when SAVE was asked. */
    record Searched(ImapSession.Reply reply, Optional<SequenceSet> save) {
    }

    static Searched search(Command.Search c, SelectedView v, Optional<SequenceSet> saved, boolean utf8)
            throws IOException {
        Responses out = new Responses();
        if (c.charset().isPresent() && !c.charset().get().equalsIgnoreCase("UTF-8")
                && !c.charset().get().equalsIgnoreCase("US-ASCII")) {
            out.status(c.tag(), Status.NO, ResponseCode.of("BADCHARSET (UTF-8 US-ASCII)"),
                    "Unsupported charset " + c.charset().get());
            return new Searched(out.reply(ImapSession.Action.NONE), Optional.empty());
        }
        SearchEvaluator.Context ctx = new SearchEvaluator.Context(v.size(), v.largestUid(), saved);
        List<Long> found = new ArrayList<>();
        try {
            for (int seq = 1; seq <= v.size(); seq++) {
                MessageSearch m = new MessageSearch(seq, v.uid(seq), v.flags(seq), v.folder);
                try {
                    if (SearchEvaluator.matches(c.key(), m, ctx)) {
                        found.add(c.uid() ? v.uid(seq) : seq);
                    }
                } catch (IOException | UncheckedIOException e) {
                    IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
                    if (!(io instanceof NoSuchFileException) && v.folder.message(v.uid(seq)).isPresent()) {
                        throw io;
                    } // else expunged meanwhile, or its file removed by another program: not a match
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        long[] numbers = found.stream().mapToLong(Long::longValue).toArray();
        Optional<SequenceSet> save = Optional.empty();
        if (c.returns().isEmpty()) {
            StringBuilder sb = new StringBuilder("SEARCH");
            for (long n : numbers) {
                sb.append(' ').append(n);
            }
            out.untagged(sb.toString());
        } else {
            Set<SearchReturn> r = c.returns().get().isEmpty() ? Set.of(SearchReturn.ALL) : c.returns().get();
            if (r.contains(SearchReturn.SAVE)) {
                long[] uids = c.uid() ? numbers : found.stream().mapToLong(s -> v.uid(s.intValue())).toArray();
                save = Optional.of(uids.length == 0 ? new SequenceSet(List.of(), false) : SequenceSet.ofSorted(uids));
            }
            boolean onlySave = r.equals(Set.of(SearchReturn.SAVE));
            if (!onlySave) {
                StringBuilder sb = new StringBuilder("ESEARCH (TAG \"" + c.tag() + "\")");
                if (c.uid()) {
                    sb.append(" UID");
                }
                if (r.contains(SearchReturn.MIN) && numbers.length > 0) {
                    sb.append(" MIN ").append(numbers[0]);
                }
                if (r.contains(SearchReturn.MAX) && numbers.length > 0) {
                    sb.append(" MAX ").append(numbers[numbers.length - 1]);
                }
                if (r.contains(SearchReturn.ALL) && numbers.length > 0) {
                    sb.append(" ALL ").append(SequenceSet.ofSorted(numbers).format());
                }
                if (r.contains(SearchReturn.COUNT)) {
                    sb.append(" COUNT ").append(numbers.length);
                }
                out.untagged(sb.toString());
            }
        }
        out.status(c.tag(), Status.OK, null, c.name() + " completed");
        return new Searched(out.reply(ImapSession.Action.NONE), save);
    }

    static ImapSession.Reply copy(Command.Copy c, SelectedView v, Optional<SequenceSet> saved) throws IOException {
        Responses out = new Responses();
        if (c.move() && v.readOnly) {
            return out.done(c, Status.NO, ResponseCode.of("READ-ONLY"), "The mailbox is read-only (EXAMINE)");
        }
        Optional<List<Integer>> seqs = numbers(v, set(c.set(), saved), c.uid(), c.set().saved(), c, out);
        if (seqs.isEmpty()) {
            return out.reply(ImapSession.Action.NONE);
        }
        long[] uids = seqs.get().stream().mapToLong(v::uid).toArray();
        Optional<ImapStore.Copied> copied = c.move() ? v.folder.move(uids, c.mailbox())
                : v.folder.copy(uids, c.mailbox());
        if (copied.isEmpty()) {
            return out.done(c, Status.NO, ResponseCode.TRYCREATE, "No such mailbox");
        }
        ImapStore.Copied cp = copied.get();
        ResponseCode code = cp.from().length == 0 ? null
                : ResponseCode.copyUid(cp.uidValidity(), list(cp.from()), list(cp.to()));
        if (!c.move()) {
            return out.done(c, Status.OK, code, c.name() + " completed");
        }
        if (code != null) {
            out.status("*", Status.OK, code, "Copied");
        }
        expunged(v, cp.from(), out);
        return out.done(c, Status.OK, null, c.name() + " completed");
    }

    /** A UID list in the order given, for COPYUID (runs collapsed only where they ascend). */
    private static SequenceSet list(long[] uids) {
        List<SequenceSet.Range> ranges = new ArrayList<>();
        int i = 0;
        while (i < uids.length) {
            int j = i;
            while (j + 1 < uids.length && uids[j + 1] == uids[j] + 1) {
                j++;
            }
            ranges.add(new SequenceSet.Range(uids[i], uids[j]));
            i = j + 1;
        }
        return new SequenceSet(ranges, false);
    }

    /** EXPUNGE, UID EXPUNGE, and CLOSE's silent expunge ({@code silent}). */
    static void expunge(Optional<SequenceSet> uids, SelectedView v, Responses out, boolean silent)
            throws IOException {
        List<Long> deleted = new ArrayList<>();
        for (int seq = 1; seq <= v.size(); seq++) {
            if (v.flags(seq).contains("\\Deleted")
                    && (uids.isEmpty() || uids.get().contains(v.uid(seq), v.largestUid()))) {
                deleted.add(v.uid(seq));
            }
        }
        long[] gone = v.folder.expunge(deleted.stream().mapToLong(Long::longValue).toArray());
        expunged(v, gone, silent ? new Responses() : out);
    }

    private static void expunged(SelectedView v, long[] gone, Responses out) {
        for (long uid : gone) {
            int seq = v.seqOf(uid);
            if (seq > 0) {
                v.remove(seq);
                out.untagged(seq + " EXPUNGE");
            }
        }
    }
}
