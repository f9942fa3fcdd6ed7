/**
 * The {@code tern} command line on picocli ({@link dev.tern.cli.Main}): {@code serve}, {@code user},
 * {@code queue}, {@code config}, {@code dkim}, {@code dns} and {@code sendmail}. Each command parses its
 * arguments, calls into the other packages, and prints the outcome.
 *
 * <p>It never holds business logic: what a command does lives in the package it calls; the running server's
 * queue is reached only through its HTTP listener.
 */
package dev.tern.cli;
