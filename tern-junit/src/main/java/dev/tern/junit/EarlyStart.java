package dev.tern.junit;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts {@link EarlyLogs} when JUnit's launcher opens a session (surefire, Gradle and IDEs find this listener as a
 * service), so that Logback's classes load beside JUnit's discovery of the tests instead of after the first
 * {@link TernMail} is made: on a small machine that load was longer than JUnit's steps between the extension's
 * class and its start, and the start waited for it. It sets nothing up (see {@link EarlyLogs}); a run with no
 * TernMail in it spends that thread's CPU (some 60 ms) for nothing.
 */
public final class EarlyStart implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        EarlyLogs.start();
    }
}
