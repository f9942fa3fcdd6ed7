/**
 * tern-junit: the Tern mail server inside a JUnit 5 test, in capture mode. {@link dev.tern.junit.TernMail} is
 * the extension (server, waits, failure scripts, users, trust material); {@link dev.tern.junit.CapturedMail} a
 * message it took; {@link dev.tern.junit.Match} conditions that describe themselves; {@link dev.tern.junit.TestCa}
 * the certificate authority made for the run.
 *
 * <p>It never delivers mail, never binds anything but ephemeral loopback ports, and keeps no static state.
 */
package dev.tern.junit;
