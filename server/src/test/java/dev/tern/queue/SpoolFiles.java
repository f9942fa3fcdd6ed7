package dev.tern.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a spool directory holds, read from the disk as recovery would judge it, for tests in any package. */
public final class SpoolFiles {
    private SpoolFiles() {
    }

    /** IDs of the complete (acknowledged) messages on disk, in slots and in the journal. */
    public static List<String> queuedIds(Path spoolDir) {
        List<String> out = new ArrayList<>();
        for (SlotFormat.Found f : judged(spoolDir)) {
            if (f.verdict() == SlotFormat.Verdict.MESSAGE) {
                out.add(f.header().envelope().id());
            }
        }
        for (Journal.Record r : journaled(spoolDir)) {
            out.add(r.envelope().id());
        }
        return out;
    }

    /** The journal's records of messages not named in {@code spool/finished}. */
    private static List<Journal.Record> journaled(Path spoolDir) {
        try {
            java.util.Set<String> done = java.util.Set.copyOf(
                    new dev.tern.io.AppendLog(spoolDir.resolve("finished")).read());
            List<Journal.Record> out = new ArrayList<>();
            for (Journal.Record r : Journal.records(spoolDir.resolve("journal"))) {
                if (!done.contains(r.envelope().id())) {
                    out.add(r);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Slots holding something that is not a complete message: a message being received, or left half-written.
     * A slot read while the server empties it (a delivered message) can look cut off for an instant, so a
     * slot counts only when it still does after half a second.
     */
    public static List<Path> unfinished(Path spoolDir) {
        List<Path> out = new ArrayList<>();
        for (SlotFormat.Found f : judged(spoolDir)) {
            if (f.verdict() == SlotFormat.Verdict.CUT_OFF || f.verdict() == SlotFormat.Verdict.DAMAGED) {
                out.add(f.file());
            }
        }
        long deadline = System.nanoTime() + 500_000_000L;
        while (!out.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            out.removeIf(p -> {
                try {
                    SlotFormat.Verdict v = SlotFormat.judge(p, true).verdict();
                    return v == SlotFormat.Verdict.FREE || v == SlotFormat.Verdict.MESSAGE;
                } catch (java.nio.file.NoSuchFileException e) {
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return out;
    }

    /** True when no slot holds anything and {@code queue/} is empty (no state, no hold marker). */
    public static boolean isEmpty(Path spoolDir) {
        return judged(spoolDir).stream().allMatch(f -> f.verdict() == SlotFormat.Verdict.FREE)
                && list(spoolDir.resolve("queue")).isEmpty() && journaled(spoolDir).isEmpty();
    }

    /** The content of the queued message {@code id} (without envelope or trailer), or null. */
    public static String content(Path spoolDir, String id) {
        for (SlotFormat.Found f : judged(spoolDir)) {
            if (f.verdict() == SlotFormat.Verdict.MESSAGE && f.header().envelope().id().equals(id)) {
                try {
                    byte[] all = Files.readAllBytes(f.file());
                    return new String(all, (int) f.header().contentOffset(), (int) f.contentSize(),
                            StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        for (Journal.Record r : journaled(spoolDir)) {
            if (r.envelope().id().equals(id)) {
                try {
                    byte[] all = Files.readAllBytes(r.file());
                    return new String(all, (int) r.contentOffset(), (int) r.contentSize(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return null;
    }

    private static List<SlotFormat.Found> judged(Path spoolDir) {
        List<SlotFormat.Found> out = new ArrayList<>();
        for (Path p : list(spoolDir.resolve("slots"))) {
            if (!p.getFileName().toString().contains(".")) {
                try {
                    out.add(SlotFormat.judge(p, true));
                } catch (java.nio.file.NoSuchFileException e) {
                    // deleted meanwhile (a spare slot)
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
