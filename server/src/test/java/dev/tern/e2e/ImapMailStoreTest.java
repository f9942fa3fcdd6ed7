package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.AppendUID;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * IMAP over the real mail store, the whole way through a real Tern with Angus Mail: what SMTP delivers is in INBOX,
 * what IMAP changes survives a restart with the same UIDVALIDITY and UIDs, delivery wakes IDLE, POP3 and IMAP share
 * INBOX.
 */
class ImapMailStoreTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().imap().pop3(false);

    private Store connect() throws Exception {
        return tern.imapStore(ALICE, "pw");
    }

    private String send(String subject, String body) throws Exception {
        String id;
        try (RawSmtp smtp = tern.open()) {
            id = smtp.deliver("<bob@example.test>", "From: bob@example.test\r\nTo: " + ALICE + "\r\nSubject: "
                    + subject + "\r\n" + body, "<" + ALICE + ">");
        }
        tern.awaitDelivery(ALICE, id);
        return id;
    }

    private static final String MULTIPART = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n";

    @Test
    void smtpMailIsInInboxAndFlagsSurviveARestart() throws Exception {
        send("first", "\r\nplain text\r\n");
        send("second", MULTIPART);
        long validity;
        long[] uids = new long[2];
        Store store = connect();
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isEqualTo(2);
            validity = inbox.getUIDValidity();
            Message first = inbox.getMessage(1);
            Message second = inbox.getMessage(2);
            uids[0] = inbox.getUID(first);
            uids[1] = inbox.getUID(second);
            assertThat(uids[1]).isGreaterThan(uids[0]);
            assertThat(first.getSubject()).isEqualTo("first");
            assertThat(((String) first.getContent()).strip()).isEqualTo("plain text");
            MimeMultipart mp = (MimeMultipart) second.getContent(); // BODYSTRUCTURE, then the parts
            assertThat(mp.getCount()).isEqualTo(2);
            assertThat(mp.getBodyPart(1).getInputStream().readAllBytes()).containsExactly(0, 1, 2);
            first.setFlag(Flags.Flag.FLAGGED, true);
            first.setFlags(new Flags("$Label1"), true);
            assertThat(first.isSet(Flags.Flag.SEEN)).isTrue(); // the body was read
            inbox.close(false);
        } finally {
            store.close();
        }

        tern.restart();

        store = connect();
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getUIDValidity()).isEqualTo(validity);
            Message first = inbox.getMessageByUID(uids[0]);
            assertThat(first.getSubject()).isEqualTo("first");
            assertThat(first.isSet(Flags.Flag.FLAGGED)).isTrue();
            assertThat(first.isSet(Flags.Flag.SEEN)).isTrue();
            assertThat(first.getFlags().contains("$Label1")).isTrue();
            Message second = inbox.getMessageByUID(uids[1]);
            assertThat(second.isSet(Flags.Flag.SEEN)).isTrue();
            assertThat(second.isSet(Flags.Flag.FLAGGED)).isFalse();
            assertThat(inbox.getUIDNext()).isGreaterThan(uids[1]);
        } finally {
            store.close();
        }
    }

    @Test
    void deliveryWakesIdle() throws Exception {
        Store store = connect();
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isZero();
            CountDownLatch added = new CountDownLatch(1);
            inbox.addMessageCountListener(new MessageCountAdapter() {
                @Override
                public void messagesAdded(MessageCountEvent e) {
                    added.countDown();
                }
            });
            Thread idler = Thread.ofVirtual().start(() -> {
                try {
                    inbox.idle(true);
                } catch (Exception e) {
                    // the test fails on the latch
                }
            });
            send("pushed", "\r\nnew mail\r\n");
            assertThat(added.await(5, TimeUnit.SECONDS)).as("EXISTS pushed during IDLE").isTrue();
            idler.join(Duration.ofSeconds(5));
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("pushed");
        } finally {
            store.close();
        }
    }

    @Test
    void appendToSentSurvivesARestart() throws Exception {
        long validity;
        long uid;
        Store store = connect();
        try {
            IMAPFolder sent = (IMAPFolder) store.getFolder("Sent");
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
            m.setSubject("sent by me");
            m.setText("text");
            m.setFlag(Flags.Flag.SEEN, true);
            AppendUID[] a = sent.appendUIDMessages(new Message[] {m});
            assertThat(a[0]).isNotNull();
            validity = a[0].uidvalidity;
            uid = a[0].uid;
        } finally {
            store.close();
        }

        tern.restart();

        store = connect();
        try {
            IMAPFolder sent = (IMAPFolder) store.getFolder("Sent");
            sent.open(Folder.READ_ONLY);
            assertThat(sent.getUIDValidity()).isEqualTo(validity);
            Message m = sent.getMessageByUID(uid);
            assertThat(m).isNotNull();
            assertThat(m.getSubject()).isEqualTo("sent by me");
            assertThat(m.isSet(Flags.Flag.SEEN)).isTrue();
        } finally {
            store.close();
        }
    }

    @Test
    void pop3DeleteArrivesAsExpunge() throws Exception {
        send("for both", "\r\nx\r\n");
        Store store = connect();
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("for both");
            CountDownLatch removed = new CountDownLatch(1);
            inbox.addMessageCountListener(new MessageCountAdapter() {
                @Override
                public void messagesRemoved(MessageCountEvent e) {
                    removed.countDown();
                }
            });
            try (RawPop3 c = RawPop3.open(tern.tern().address("pop3"))) {
                c.login(ALICE, "pw");
                assertThat(c.cmd("DELE 1")).startsWith("+OK");
                assertThat(c.cmd("QUIT")).startsWith("+OK");
            }
            // getMessageCount of an open folder sends NOOP, which carries the EXPUNGE
            await().atMost(Duration.ofSeconds(5)).until(() -> inbox.getMessageCount() >= 0 && removed.getCount() == 0);
            inbox.close(false);
            assertThat(store.getFolder("INBOX").getMessageCount()).isZero();
        } finally {
            store.close();
        }
    }

    @Test
    void moveToTrash() throws Exception {
        send("unwanted", "\r\nx\r\n");
        Store store = connect();
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            Folder trash = store.getFolder("Trash");
            inbox.moveMessages(new Message[] {inbox.getMessage(1)}, trash);
            assertThat(inbox.getMessage(1).isExpunged()).isTrue();
            inbox.close(false);
            assertThat(store.getFolder("INBOX").getMessageCount()).isZero(); // STATUS
            trash.open(Folder.READ_ONLY);
            assertThat(trash.getMessageCount()).isEqualTo(1);
            assertThat(trash.getMessage(1).getSubject()).isEqualTo("unwanted");
            assertThat(((UIDFolder) trash).getUID(trash.getMessage(1))).isPositive();
        } finally {
            store.close();
        }
        assertThat(tern.delivered(ALICE)).isEmpty(); // gone from INBOX on disk too
    }
}
