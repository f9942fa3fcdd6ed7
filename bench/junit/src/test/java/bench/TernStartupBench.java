package bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.tern.junit.TernMail;
import org.junit.jupiter.api.Test;

/** tern-junit, start to ready outside JUnit's extensions: the first start in a fresh JVM, then the mean of 20 more. */
class TernStartupBench {
    @Test
    void start() {
        long t0 = System.nanoTime();
        new TernMail().start().close();
        Mail.report("tern-junit start+stop, first in JVM", System.nanoTime() - t0);
        long t1 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            new TernMail().start().close();
        }
        Mail.report("tern-junit start+stop, mean of 20 more", (System.nanoTime() - t1) / 20);
    }
}
