/**
 * The server side of TLS for every listener that speaks it ({@link dev.tern.tls.TlsContext}): the configured
 * PEM files ({@link dev.tern.tls.Pem}), reloaded when they change, or a self-signed certificate made at the
 * first start ({@link dev.tern.tls.SelfSigned}); TLS 1.2 and 1.3 only.
 *
 * <p>It never reads or writes protocol bytes and never decides whether a listener requires TLS: the
 * connections wrap their sockets here and the configuration decides.
 */
package dev.tern.tls;
