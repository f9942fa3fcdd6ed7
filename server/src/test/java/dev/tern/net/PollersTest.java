package dev.tern.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PollersTest {
    private String before;

    @BeforeEach
    void remember() {
        before = System.getProperty(Pollers.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(Pollers.PROPERTY);
        } else {
            System.setProperty(Pollers.PROPERTY, before);
        }
    }

    @Test
    void choosesPlatformPollerThreadsWhenNothingIsSet() {
        System.clearProperty(Pollers.PROPERTY);
        Pollers.usePlatformThreads();
        assertThat(System.getProperty(Pollers.PROPERTY)).isEqualTo("1");
    }

    @Test
    void keepsWhatTheOperatorSet() {
        System.setProperty(Pollers.PROPERTY, "2");
        Pollers.usePlatformThreads();
        assertThat(System.getProperty(Pollers.PROPERTY)).isEqualTo("2");
    }
}
