package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Declared users' mailboxes over IMAP and IMAPS, read with Angus Mail, emptied by a reset. */
class ImapTest {
    @RegisterExtension
    static TernMail mail = new TernMail().withUser("ann@example.com", "s3cret").withWait(Duration.ofSeconds(5));

    @Test
    void aCapturedMessageIsReadOverImap() throws Exception {
        Send.send(Send.plain(mail), "a@b.example", "ann@example.com", "for Ann", "Hello Ann");
        mail.awaitMessage();
        assertThat(inbox("imap", mail.imapPort())).isEqualTo("1 for Ann");
    }

    @Test
    void overImapsTheClientVerifiesTheCertificateAgainstTheTestCa() throws Exception {
        Send.send(Send.plain(mail), "a@b.example", "ann@example.com", "over TLS", "Hello Ann");
        mail.awaitMessage();
        assertThat(inbox("imaps", mail.imapsPort())).isEqualTo("1 over TLS");
    }

    @Test
    void aResetEmptiesTheMailboxAnImapSessionSaw() throws Exception {
        Send.send(Send.plain(mail), "a@b.example", "ann@example.com", "first", "1");
        mail.awaitMessage();
        assertThat(inbox("imap", mail.imapPort())).isEqualTo("1 first");
        mail.reset();
        Send.send(Send.plain(mail), "a@b.example", "ann@example.com", "second", "2");
        mail.awaitMessage();
        assertThat(inbox("imap", mail.imapPort())).isEqualTo("1 second");
    }

    /** The INBOX of ann over {@code protocol}: its message count and the last message's subject. */
    private static String inbox(String protocol, int port) throws Exception {
        Properties p = new Properties();
        p.put("mail." + protocol + ".host", mail.host());
        p.put("mail." + protocol + ".port", String.valueOf(port));
        p.put("mail." + protocol + ".timeout", "5000");
        if (protocol.equals("imaps")) {
            p.put("mail.imaps.ssl.socketFactory", mail.ca().sslContext().getSocketFactory());
            p.put("mail.imaps.ssl.checkserveridentity", "true");
        }
        Store store = Session.getInstance(p).getStore(protocol);
        store.connect("ann@example.com", "s3cret");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                int n = inbox.getMessageCount();
                return n + " " + (n == 0 ? "" : inbox.getMessage(n).getSubject());
            } finally {
                inbox.close(false);
            }
        } finally {
            store.close();
        }
    }
}
