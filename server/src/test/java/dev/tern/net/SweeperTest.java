package dev.tern.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the sweeper wakes, on a clock of the test's and a timer that runs nothing by itself: at the earliest time a
 * watched thing can be past, on the grid of its period (never later than one period after it), not every period.
 */
class SweeperTest {
    static final long MS = 1_000_000L;
    static final long PERIOD = 250 * MS;

    /** Records what is scheduled, with its delay; the test runs it. */
    static final class Timer extends ScheduledThreadPoolExecutor {
        final List<Long> delays = new ArrayList<>();
        final List<Runnable> tasks = new ArrayList<>();
        final List<ScheduledFuture<?>> futures = new ArrayList<>();

        Timer() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            delays.add(unit.toNanos(delay));
            tasks.add(task);
            ScheduledFuture<?> f = super.schedule(task, 1, TimeUnit.DAYS);
            futures.add(f);
            return f;
        }

        /** Runs the last task scheduled, as the timer would at its time. */
        void runLast() {
            tasks.get(tasks.size() - 1).run();
        }
    }

    /** A read under way until {@code until}, cut (fired) by the sweep that finds it past. */
    static final class Read implements Sweeper.Watched {
        long until;
        long firedAt = -1;

        Read(long until) {
            this.until = until;
        }

        @Override
        public long look(long now) {
            if (now >= until) {
                firedAt = now;
                return Sweeper.DONE;
            }
            return until;
        }
    }

    private final Timer timer = new Timer();
    private final AtomicLong now = new AtomicLong();
    private final Sweeper sweeper = new Sweeper(timer, Duration.ofNanos(PERIOD), now::get);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aReadMinutesFromItsTimeWakesNothingUntilThen() {
        Read idle = new Read(300_000 * MS + 1); // an IMAP IDLE or a quiet SMTP session: five minutes to go
        sweeper.add(idle, idle.until);
        assertThat(timer.delays).containsExactly(300_250 * MS); // the grid time after it: no 250 ms ticks
        now.set(300_250 * MS);
        timer.runLast();
        assertThat(idle.firedAt).isEqualTo(300_250 * MS); // one period late at most
        assertThat(timer.delays).hasSize(1); // nothing left to watch: no more wakes
    }

    @Test
    void aNearerTimeBringsTheWakeForwardAndALaterOneDoesNot() {
        Read idle = new Read(300_000 * MS);
        sweeper.add(idle, idle.until);
        Read command = new Read(10_100 * MS);
        sweeper.add(command, command.until);
        assertThat(timer.delays).containsExactly(300_000 * MS, 10_250 * MS);
        assertThat(timer.futures.get(0).isCancelled()).isTrue();
        sweeper.due(20_000 * MS); // a read of one already watched, later than the wake: nothing to do
        sweeper.add(new Read(10_200 * MS), 10_200 * MS); // on the same grid time: shares the sweep
        assertThat(timer.delays).hasSize(2);

        now.set(10_250 * MS);
        timer.runLast();
        assertThat(command.firedAt).isEqualTo(10_250 * MS);
        assertThat(idle.firedAt).isEqualTo(-1);
        assertThat(timer.delays).containsExactly(300_000 * MS, 10_250 * MS, (300_000 - 10_250) * MS);

        idle.until = 600_000 * MS; // its read ended and the next began: it says so at the sweep
        now.set(300_000 * MS);
        timer.runLast();
        assertThat(idle.firedAt).isEqualTo(-1);
        assertThat(timer.delays).last().isEqualTo(300_000 * MS);
    }

    @Test
    void whatCannotSayWhenIsLookedAtEveryPeriod() {
        boolean[] writing = {true};
        int[] looks = {0};
        sweeper.add(t -> {
            looks[0]++;
            return writing[0];
        });
        assertThat(timer.delays).containsExactly(PERIOD);
        now.set(PERIOD);
        timer.runLast();
        now.set(2 * PERIOD + MS); // the timer a little late
        timer.runLast();
        assertThat(timer.delays).containsExactly(PERIOD, PERIOD, 3 * PERIOD - (2 * PERIOD + MS));
        writing[0] = false;
        now.set(3 * PERIOD);
        timer.runLast();
        assertThat(looks[0]).isEqualTo(3);
        assertThat(timer.delays).hasSize(3);
    }

    @Test
    void aSweepSupersededButNotCancelledInTimeLeavesTheNextOneAlone() {
        Read far = new Read(60_000 * MS);
        sweeper.add(far, far.until);
        Runnable stale = timer.tasks.get(0);
        Read near = new Read(1_000 * MS);
        sweeper.add(near, near.until);
        now.set(1_000 * MS);
        timer.runLast(); // near is cut; the next wake is far's
        assertThat(near.firedAt).isEqualTo(1_000 * MS);
        assertThat(timer.delays).containsExactly(60_000 * MS, 1_000 * MS, 59_000 * MS);
        now.set(1_100 * MS);
        stale.run(); // the first wake, already running when the second was scheduled
        assertThat(far.firedAt).isEqualTo(-1);
        sweeper.due(60_000 * MS); // the wake for far is still known: nothing more is scheduled
        assertThat(timer.delays).hasSize(3);
    }
}
