package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code @ExtendWith(TernMail.class)}: a default server per class, injected into constructors and methods. */
@ExtendWith(TernMail.class)
class InjectionTest {
    private final TernMail fromConstructor;

    InjectionTest(TernMail mail) {
        this.fromConstructor = mail;
    }

    @Test
    void constructorAndMethodGetTheSameRunningServer(TernMail mail) throws Exception {
        assertThat(mail).isSameAs(fromConstructor);
        Send.send(Send.plain(mail), "a@b.example", "i@x.example", "injected", "x");
        assertThat(mail.awaitMessage().subject()).isEqualTo("injected");
    }

    @Nested
    class Inner {
        @Test
        void nestedClassesGetItToo(TernMail mail) {
            assertThat(mail).isSameAs(fromConstructor);
            assertThat(mail.messages()).isEmpty();
        }
    }
}
