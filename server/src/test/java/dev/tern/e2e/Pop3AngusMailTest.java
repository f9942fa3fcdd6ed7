package dev.tern.e2e;

import static dev.tern.e2e.Pop3Fixture.ALICE;
import static dev.tern.e2e.Pop3Fixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.util.Properties;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Angus Mail's POP3 client against the real server: STLS on pop3, implicit TLS on pop3s. */
class Pop3AngusMailTest {
    @RegisterExtension
    final Pop3Fixture pop = new Pop3Fixture();

    private Store stls() throws Exception {
        Properties p = new Properties();
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(pop.pop3().getPort()));
        p.put("mail.pop3.starttls.enable", "true");
        p.put("mail.pop3.starttls.required", "true");
        p.put("mail.pop3.ssl.trust", "*");
        p.put("mail.pop3.connectiontimeout", "5000");
        p.put("mail.pop3.timeout", "5000");
        return Session.getInstance(p).getStore("pop3");
    }

    private Store pop3s() throws Exception {
        Properties p = new Properties();
        p.put("mail.pop3s.host", "127.0.0.1");
        p.put("mail.pop3s.port", String.valueOf(pop.pop3s().getPort()));
        p.put("mail.pop3s.ssl.trust", "*");
        p.put("mail.pop3s.connectiontimeout", "5000");
        p.put("mail.pop3s.timeout", "5000");
        return Session.getInstance(p).getStore("pop3s");
    }

    @Test
    void readDeleteReconnectOverStls() throws Exception {
        pop.deliver(ALICE, message("hello", "first line\r\n.dot line\r\n"));
        pop.deliver(ALICE, message("second", "two\r\n"));
        Store store = stls();
        store.connect(ALICE, "pw");
        String uid;
        try {
            POP3Folder inbox = (POP3Folder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isEqualTo(2);
            Message m = inbox.getMessage(1);
            assertThat(m.getSubject()).isEqualTo("hello");
            assertThat(((String) m.getContent()).replace("\r\n", "\n")).isEqualTo("first line\n.dot line\n");
            uid = inbox.getUID(inbox.getMessage(2));
            m.setFlag(Flags.Flag.DELETED, true);
            inbox.close(true); // expunge: QUIT deletes
        } finally {
            store.close();
        }
        Store again = pop3s();
        again.connect(ALICE, "pw");
        try {
            POP3Folder inbox = (POP3Folder) again.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("second");
            assertThat(inbox.getUID(inbox.getMessage(1))).isEqualTo(uid);
            inbox.close(false);
        } finally {
            again.close();
        }
    }

    @Test
    void wrongPasswordFails() throws Exception {
        Store store = pop3s();
        assertThatThrownBy(() -> store.connect(ALICE, "wrong")).isInstanceOf(AuthenticationFailedException.class);
    }
}
