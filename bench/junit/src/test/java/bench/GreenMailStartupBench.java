package bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.tern.junit.TernMail;
import org.junit.jupiter.api.Test;

/** GreenMail (SMTP only), start to ready: the first start in a fresh JVM, then the mean of 20 more. */
class GreenMailStartupBench {
    @Test
    void start() {
        long t0 = System.nanoTime();
        GreenMail g = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        g.start();
        g.stop();
        Mail.report("greenmail start+stop, first in JVM", System.nanoTime() - t0);
        long t1 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            GreenMail h = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
            h.start();
            h.stop();
        }
        Mail.report("greenmail start+stop, mean of 20 more", (System.nanoTime() - t1) / 20);
    }
}
