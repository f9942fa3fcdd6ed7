package dev.tern.mailbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link UidListCrashTest}: adds UIDs to a list for ever, removes most of them and rewrites
 * the list often, and prints {@code durable N} once UID N is durable, until it is killed.
 */
public final class UidListWriter {
    private UidListWriter() {
    }

    public static void main(String[] args) throws Exception {
        UidList.Loaded l = UidList.open(Path.of(args[0]), () -> 4242);
        UidList list = l.list();
        List<UidList.Entry> live = new ArrayList<>(l.entries());
        System.out.println("ready " + list.uidNext());
        for (long round = 0; ; round++) {
            List<String> bases = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                bases.add("m" + round + "-" + k + ",S=1234");
            }
            long first = list.add(bases);
            for (int k = 0; k < bases.size(); k++) {
                live.add(new UidList.Entry(first + k, bases.get(k)));
            }
            System.out.println("durable " + (first + bases.size() - 1));
            if (live.size() > 100) {
                List<Long> gone = new ArrayList<>();
                for (UidList.Entry e : live.subList(0, 80)) {
                    gone.add(e.uid());
                }
                list.remove(gone);
                live = new ArrayList<>(live.subList(80, live.size()));
                System.out.println("removed-through " + gone.getLast());
            }
            if (round % 5 == 4) {
                list.rewrite(live);
            }
        }
    }
}
