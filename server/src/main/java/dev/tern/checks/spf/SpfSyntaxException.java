package dev.tern.checks.spf;

/** An SPF record or macro that breaks RFC 7208's grammar: check_host() answers permerror. */
final class SpfSyntaxException extends Exception {
    SpfSyntaxException(String message) {
        super(message, null, false, false);
    }
}
