package dev.tern.imap.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.search.SubjectTerm;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Angus Mail's IMAP provider against the real listener over the in-memory store. */
class ImapAngusMailTest {

    @RegisterExtension
    final ImapFixture imap = new ImapFixture();

    private Store connect(boolean startTls) throws Exception {
        Properties p = new Properties();
        String proto = startTls ? "imap" : "imaps";
        var addr = startTls ? imap.imap() : imap.imaps();
        p.put("mail." + proto + ".host", "127.0.0.1");
        p.put("mail." + proto + ".port", String.valueOf(addr.getPort()));
        p.put("mail." + proto + ".ssl.trust", "*");
        p.put("mail." + proto + ".connectiontimeout", "10000");
        p.put("mail." + proto + ".timeout", "10000");
        if (startTls) {
            p.put("mail.imap.starttls.enable", "true");
            p.put("mail.imap.starttls.required", "true");
        }
        p.put("mail.debug", System.getProperty("imap.debug", "false"));
        Store store = Session.getInstance(p).getStore(proto);
        store.connect(ImapFixture.ALICE, "pw");
        return store;
    }

    private byte[] message(String subject, String body) {
        return ("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: " + subject
                + "\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <" + subject + "@example.test>\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void loginListOpenFetchAndFlags() throws Exception {
        imap.store().deliver(ImapFixture.ALICE, "INBOX", message("first", "Hello one"));
        imap.store().deliver(ImapFixture.ALICE, "INBOX", message("second", "Hello two"));
        Store store = connect(true);
        try {
            Folder[] all = store.getDefaultFolder().list("*");
            assertThat(Arrays.stream(all).map(Folder::getFullName))
                    .containsExactly("INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash");
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isEqualTo(2);
            assertThat(inbox.getUnreadMessageCount()).isEqualTo(2);
            Message m = inbox.getMessage(1);
            assertThat(m.getSubject()).isEqualTo("first");
            assertThat(((InternetAddress) m.getFrom()[0]).getAddress()).isEqualTo("bob@example.test");
            assertThat(m.getContentType()).startsWith("text/plain");
            assertThat(inbox.getUID(m)).isEqualTo(1);
            assertThat(((String) m.getContent()).strip()).isEqualTo("Hello one");
            assertThat(m.isSet(Flags.Flag.SEEN)).isTrue();
            inbox.getMessage(2).setFlag(Flags.Flag.FLAGGED, true);
            assertThat(inbox.search(new SubjectTerm("second"))).hasSize(1);
            Message[] moved = {inbox.getMessage(2)};
            inbox.moveMessages(moved, store.getFolder("Archive"));
            inbox.close(false);
            assertThat(store.getFolder("INBOX").getMessageCount()).isEqualTo(1); // STATUS
            Folder archive = store.getFolder("Archive");
            archive.open(Folder.READ_ONLY);
            assertThat(archive.getMessageCount()).isEqualTo(1);
            assertThat(archive.getMessage(1).isSet(Flags.Flag.FLAGGED)).isTrue();
            archive.close(false);
            Folder drafts = store.getFolder("Drafts");
            MimeMessage draft = new MimeMessage(Session.getInstance(new Properties()));
            draft.setSubject("draft");
            draft.setText("text");
            drafts.appendMessages(new Message[] {draft});
            drafts.open(Folder.READ_WRITE);
            assertThat(drafts.getMessage(1).getSubject()).isEqualTo("draft");
            drafts.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            drafts.close(true);
            assertThat(drafts.getMessageCount()).isZero();
            Folder made = store.getFolder("Projects");
            assertThat(made.create(Folder.HOLDS_MESSAGES)).isTrue();
            assertThat(made.exists()).isTrue();
        } finally {
            store.close();
        }
    }

    @Test
    void idleIsWokenByAnAppendFromAnotherSession() throws Exception {
        Store watcher = connect(false);
        Store writer = connect(true);
        try {
            IMAPFolder inbox = (IMAPFolder) watcher.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            CountDownLatch arrived = new CountDownLatch(1);
            AtomicReference<String> subject = new AtomicReference<>();
            inbox.addMessageCountListener(new jakarta.mail.event.MessageCountAdapter() {
                @Override
                public void messagesAdded(jakarta.mail.event.MessageCountEvent e) {
                    try {
                        subject.set(e.getMessages()[0].getSubject());
                    } catch (jakarta.mail.MessagingException x) {
                        subject.set(x.toString());
                    }
                    arrived.countDown();
                }
            });
            Thread idler = Thread.ofVirtual().start(() -> {
                try {
                    inbox.idle(true);
                } catch (jakarta.mail.MessagingException e) {
                    subject.set(e.toString());
                    arrived.countDown();
                }
            });
            // the append goes through a second IMAP session once the first is idling
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> idler.getState() == Thread.State.WAITING || idler.getState() == Thread.State.TIMED_WAITING
                            || idler.getState() == Thread.State.RUNNABLE);
            Folder other = writer.getFolder("INBOX");
            MimeMessage pushed = new MimeMessage(Session.getInstance(new Properties()), new java.io.ByteArrayInputStream(
                    message("pushed", "new mail")));
            other.appendMessages(new Message[] {pushed});
            assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(subject.get()).isEqualTo("pushed");
            idler.join(10_000);
        } finally {
            writer.close();
            watcher.close();
        }
    }
}
