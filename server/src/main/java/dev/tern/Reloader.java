package dev.tern;

import dev.tern.auth.LoginGuard;
import dev.tern.config.Config;
import dev.tern.config.Config.HostPort;
import dev.tern.config.ConfigException;
import dev.tern.config.ConfigLoader;
import dev.tern.delivery.Router;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.Listener;
import dev.tern.policy.RecipientRules;
import dev.tern.pop3.Pop3Server;
import dev.tern.smtp.Session;
import dev.tern.smtp.server.SmtpServer;
import dev.tern.tls.TlsContext;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reload without restart (SIGHUP, {@code tern reload}, {@code POST /reload}): reads the configuration file
 * again and hands what changed to the parts that hold it, each of which swaps one immutable value atomically
 * (the SMTP rules, the POP3 settings, the connection limits, the login guard's settings, the local domains of
 * the router, the TLS certificate). Connections already open keep what they started with; the queue is not
 * touched. A listener whose address changed is rebound: the new socket is bound before the old one is closed
 * (when both want the same port, the old one is closed first); a removed one stops accepting and its open
 * connections carry on to their end.
 *
 * <p>Everything that can fail is done before anything is changed: the file is parsed and checked, the TLS files
 * are loaded and the new addresses bound. A failure refuses the whole reload with the usual one-line message
 * {@code FILE: KEY: REASON}, logged, and the running configuration stays as it was.
 *
 * <p>What only a restart can change (data_dir, hostname, the queue, delivery, DNS, checks, the HTTP listener,
 * logging, PROXY protocol settings) is reported as a "needs a restart" line and left as it runs; the
 * configuration kept as running has the old values there, so the line comes again until the restart.
 */
public final class Reloader {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    /** The listeners a reload can rebind, in the order Tern opens them. */
    static final List<String> LISTENERS = List.of("smtp", "submission", "submissions", "pop3", "pop3s", "imap",
            "imaps");

    /** Binds one listener (not yet accepting) for {@code listen.NAME}, or fails naming that key. */
    @FunctionalInterface
    interface Opener {
        Listener open(String name, HostPort address) throws StartFailure;
    }

    /**
     * The parts of a running Tern that a reload changes.
     *
     * @param rules     the SMTP rules of a configuration (capture mode's take any recipient)
     * @param listeners the listeners open now, and where to put the new list
     */
    record Parts(SmtpServer smtp, Supplier<Pop3Server> pop3, Router router, ConnectionLimiter limiter, LoginGuard guard,
                 TlsContext tls, Function<Config, SmtpServer.Rules> rules, Supplier<List<Listener>> listeners,
                 Consumer<List<Listener>> replaceListeners, Opener opener) {
    }

    /** Reads the configuration file again. */
    @FunctionalInterface
    interface Source {
        Config read() throws ConfigException;
    }

    private final Parts parts;
    private final Source source;
    private final Clock clock;
    /** One reload at a time, and none once Tern is stopping. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The configuration in force: what a reload applied, with the running values of what needs a restart. */
    private volatile Config running;
    private boolean closed;

    /**
     * @param config the configuration Tern started with; its {@link Config#source()} is read again. Without a
     *               file (the embedded default, or text given to {@link ConfigLoader#parse} by a test or
     *               tern-junit) there is nothing that could have changed: a reload applies {@code config} again
     *               (so TLS files are loaded again) and otherwise reports "no changes".
     */
    Reloader(Config config, Clock clock, Parts parts) {
        // a lambda, not a method reference: ConfigLoader (and Jackson) stay unloaded until a reload
        this(config, clock, parts, config.source() == null ? () -> config
                : () -> ConfigLoader.load(config.source()));
    }

    Reloader(Config config, Clock clock, Parts parts, Source source) {
        this.running = config;
        this.clock = clock;
        this.parts = parts;
        this.source = source;
    }

    /** The configuration in force now. */
    Config running() {
        return running;
    }

    /**
     * Reads the configuration again and applies it. Returns one line per changed area (or the single line
     * "no changes"), each also logged; throws, with the refusal logged, when the new configuration cannot be used.
     */
    public List<String> reload() throws ConfigException {
        lock.lock();
        try {
            if (closed) {
                throw refusal(new ConfigException(running.name(), "", "the server is shutting down"));
            }
            Config read;
            Config next;
            TlsContext tls;
            try {
                if (parts.tls() != null) {
                    parts.tls().awaitFirstLoad(); // tern-junit writes its certificate in the background
                }
                read = source.read();
                next = keepRestartOnly(running, read);
                tls = tls(next, clock); // checks the files the configuration names first
            } catch (ConfigException e) {
                throw refusal(e);
            } catch (StartFailure e) {
                throw refusal(new ConfigException(running.name(), e.key(), e.reason()));
            } catch (IOException e) {
                throw refusal(new ConfigException(running.name(), "", String.valueOf(e.getMessage())));
            }
            Rebinding rebinding;
            try {
                rebinding = rebind(next);
            } catch (StartFailure e) {
                throw refusal(new ConfigException(running.name(), e.key(), e.reason()));
            }
            List<String> changes = changes(running, next, read, tls);
            apply(next, tls, rebinding);
            running = next;
            changes.forEach(line -> log.info("reload: {}", line));
            return changes;
        } finally {
            lock.unlock();
        }
    }

    /** No reload from now on (Tern is stopping); waits for one under way. */
    void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    private static ConfigException refusal(ConfigException e) {
        log.error("reload refused, the running configuration stays: {}", e.getMessage());
        return e;
    }

    // ------------------------------------------------------------------------------------ what the parts hold

    /** The SMTP rules of {@code config}: session settings per listener mode, recipients, senders, time-out. */
    static SmtpServer.Rules smtpRules(Config config, Predicate<String> userExists) {
        var limits = config.limits();
        var sub = config.submission();
        Session.Settings plain = new Session.Settings(config.hostname(), limits.maxMessageSize(),
                limits.maxRecipients(), limits.maxErrors()).enforceSender(sub.enforceSender());
        Map<Session.Mode, Session.Settings> modes = Map.of(
                Session.Mode.MX, plain.startTls(true).auth(config.smtp().auth()),
                Session.Mode.SUBMISSION, plain.startTls(true).auth(true).authRequiresTls(sub.authRequiresTls())
                        .authRequired(true),
                Session.Mode.SUBMISSIONS, plain.auth(true).authRequired(true)); // TLS from the first byte
        RecipientRules rules = new RecipientRules(config.localDomains(), config.aliases(), userExists,
                config.relay().trustedNetworks());
        return new SmtpServer.Rules(modes, rules, rules, limits.commandTimeout());
    }

    static Pop3Server.Settings pop3Settings(Config config) {
        return new Pop3Server.Settings(config.hostname(), config.pop3().authRequiresTls(),
                config.pop3().idleTimeout(), config.limits().maxErrors());
    }

    /** The configured certificate (checked for what can be checked first), or a self-signed one. */
    static TlsContext tls(Config config, Clock clock) throws IOException {
        StartChecks.files(config);
        try {
            return TlsContext.create(config.tls().certificate(), config.tls().privateKey(), config.hostname(),
                    config.dataDir().resolve("tls"), TlsContext.DEFAULT_CHECK_INTERVAL, clock);
        } catch (IOException e) {
            Path key = config.tls().privateKey();
            boolean aboutKey = key != null && String.valueOf(e.getMessage()).startsWith(key.toString());
            throw new StartFailure(aboutKey ? "tls.private_key" : "tls.certificate",
                    String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " "), e);
        }
    }

    /** The addresses of {@code listen.NAME}, for a name of {@link #LISTENERS}. */
    static List<HostPort> addresses(Config config, String name) {
        Config.Listen l = config.listen();
        return switch (name) {
            case "smtp" -> l.smtp();
            case "submission" -> l.submission();
            case "submissions" -> l.submissions();
            case "pop3" -> l.pop3();
            case "pop3s" -> l.pop3s();
            case "imap" -> l.imap();
            case "imaps" -> l.imaps();
            default -> throw new IllegalArgumentException(name);
        };
    }

    // ------------------------------------------------------------------------------------------ listeners

    /**
     * The listeners after the reload, in configuration order ({@code next}), and those to close.
     *
     * @param closedEarly old listeners already closed to free their port for a new one
     */
    private record Rebinding(List<Listener> all, List<Listener> opened, List<Listener> toClose,
                             List<Listener> closedEarly) {
    }

    /** Binds what is new (nothing accepts yet) and keeps what stays; on failure, puts everything back. */
    private Rebinding rebind(Config next) throws StartFailure {
        List<Listener> old = parts.listeners().get();
        Map<String, Listener> byKey = new LinkedHashMap<>();
        for (Listener l : old) {
            byKey.put(key(l.name(), l.configured()), l);
        }
        Set<String> wanted = new HashSet<>();
        for (String name : LISTENERS) {
            for (HostPort hp : addresses(next, name)) {
                wanted.add(key(name, hp));
            }
        }
        List<Listener> toClose = old.stream().filter(l -> !wanted.contains(key(l.name(), l.configured()))).toList();
        List<Listener> opened = new ArrayList<>();
        List<Listener> closedEarly = new ArrayList<>();
        List<Listener> all = new ArrayList<>();
        try {
            for (String name : LISTENERS) {
                for (HostPort hp : addresses(next, name)) {
                    Listener kept = byKey.get(key(name, hp));
                    if (kept != null) {
                        all.add(kept);
                        continue;
                    }
                    Listener fresh;
                    try {
                        fresh = parts.opener().open(name, hp);
                    } catch (StartFailure e) {
                        // the port may be held by a listener this reload closes: free it first, then try again
                        List<Listener> holders = toClose.stream()
                                .filter(l -> !closedEarly.contains(l) && hp.port() != 0
                                        && l.localAddress().getPort() == hp.port()).toList();
                        if (holders.isEmpty()) {
                            throw e;
                        }
                        holders.forEach(Listener::close);
                        closedEarly.addAll(holders);
                        fresh = parts.opener().open(name, hp);
                    }
                    opened.add(fresh);
                    all.add(fresh);
                }
            }
        } catch (StartFailure e) {
            opened.forEach(Listener::close);
            reopen(closedEarly);
            throw e;
        }
        return new Rebinding(List.copyOf(all), opened, toClose, closedEarly);
    }

    /** After a failed reload, binds again the old listeners closed early, so the running set is whole. */
    private void reopen(List<Listener> closedEarly) {
        if (closedEarly.isEmpty()) {
            return;
        }
        List<Listener> now = new ArrayList<>(parts.listeners().get());
        for (Listener l : closedEarly) {
            try {
                Listener again = parts.opener().open(l.name(), l.configured());
                again.start();
                now.set(now.indexOf(l), again);
            } catch (StartFailure e) {
                log.error("reload: could not listen again on {} after the refused reload: {}", l.configured(),
                        e.getMessage());
                now.remove(l);
            }
        }
        parts.replaceListeners().accept(List.copyOf(now));
    }

    private static String key(String name, HostPort hp) {
        return name + " " + hp;
    }

    // ------------------------------------------------------------------------------------------ applying

    private void apply(Config next, TlsContext tls, Rebinding rebinding) {
        parts.tls().adopt(tls);
        parts.limiter().limits(next.limits().maxConnections(), next.limits().maxConnectionsPerIp());
        var auth = next.auth();
        parts.guard().settings(auth.maxFailuresPerIp(), auth.blockTime(), auth.failureDelay());
        if (parts.router() != null) { // none in tern-junit's capture
            parts.router().localDomains(next.localDomains());
        }
        parts.smtp().rules(parts.rules().apply(next));
        parts.pop3().get().settings(pop3Settings(next)); // made now if no one connected yet (tern-junit)
        rebinding.opened().forEach(Listener::start);
        parts.replaceListeners().accept(rebinding.all());
        rebinding.toClose().forEach(Listener::close); // their open connections carry on to their end
    }

    /**
     * {@code next} with the values of {@code running} for what only a restart changes, so that what runs is
     * described truly and the "needs a restart" line comes again at the next reload.
     */
    static Config keepRestartOnly(Config running, Config next) {
        var l = next.listen();
        var r = running.listen();
        return new Config(next.source(), running.hostname(), running.dataDir(), next.localDomains(),
                new Config.Listen(l.smtp(), l.submission(), l.submissions(), l.pop3(), l.pop3s(), l.imap(), l.imaps(),
                        r.http(), r.trustedProxies()),
                next.limits(), next.relay(), next.aliases(), running.queue(), running.delivery(), running.dns(),
                next.tls(), new Config.Smtp(next.smtp().auth(), running.smtp().proxyProtocol()),
                new Config.Submission(next.submission().authRequiresTls(), next.submission().enforceSender(),
                        running.submission().exposeUser(), running.submission().proxyProtocol()),
                next.auth(),
                new Config.Pop3(next.pop3().authRequiresTls(), next.pop3().idleTimeout(),
                        running.pop3().proxyProtocol()),
                running.imap(), running.http(), running.log(), running.checks(), running.defence(), next.name());
    }

    // ------------------------------------------------------------------------------------------ the report

    /**
     * One line per changed area: what {@code after} applies over {@code before}, then what {@code read} (the file
     * as read) changes that needs a restart.
     */
    private List<String> changes(Config before, Config after, Config read, TlsContext tls) {
        List<String> out = new ArrayList<>();
        // applied
        if (!before.localDomains().equals(after.localDomains())) {
            out.add("local_domains = " + after.localDomains() + " (was " + before.localDomains() + ")");
        }
        if (!before.aliases().equals(after.aliases())) {
            out.add("aliases: " + aliasChanges(before.aliases(), after.aliases()));
        }
        record Area(String name, Function<Config, Object> get) {
        }
        for (Area a : List.of(new Area("limits", Config::limits), new Area("relay", Config::relay),
                new Area("smtp", Config::smtp), new Area("submission", Config::submission),
                new Area("auth", Config::auth), new Area("pop3", Config::pop3))) {
            String diff = diff(a.get().apply(before), a.get().apply(after));
            if (!diff.isEmpty()) {
                out.add(a.name() + ": " + diff);
            }
        }
        for (String name : LISTENERS) {
            List<HostPort> was = addresses(before, name);
            List<HostPort> now = addresses(after, name);
            if (!was.equals(now)) {
                out.add("listen." + name + " = " + now + " (was " + was + ")");
            }
        }
        String tlsWas = describe(parts.tls());
        String tlsNow = describe(tls);
        if (!tlsWas.equals(tlsNow)) {
            out.add("tls: " + tlsNow + " (was " + tlsWas + ")");
        }
        // not applied
        for (Area a : List.of(new Area("hostname", Config::hostname), new Area("data_dir", Config::dataDir),
                new Area("queue", Config::queue), new Area("delivery", Config::delivery),
                new Area("dns", Config::dns), new Area("checks", Config::checks), new Area("defences", Config::defence),
                new Area("imap", Config::imap),
                new Area("http", Config::http),
                new Area("listen.http", c -> c.listen().http()),
                new Area("listen.trusted_proxies", c -> c.listen().trustedProxies()),
                new Area("log.format", c -> c.log().json() ? "json" : "text"),
                new Area("smtp.proxy_protocol", c -> c.smtp().proxyProtocol()),
                new Area("submission.expose_user", c -> c.submission().exposeUser()),
                new Area("submission.proxy_protocol", c -> c.submission().proxyProtocol()),
                new Area("pop3.proxy_protocol", c -> c.pop3().proxyProtocol()))) {
            Object was = a.get().apply(before);
            Object now = a.get().apply(read);
            if (!Objects.equals(was, now)) {
                String what = was instanceof Record ? diff(was, now) : "= " + text(now) + " (was " + text(was) + ")";
                out.add(a.name() + (was instanceof Record ? ": " : " ") + what
                        + ": needs a restart; the running value stays");
            }
        }
        return out.isEmpty() ? List.of("no changes") : out;
    }

    /** The certificate file and what it holds: {@code FILE: SUBJECT, serial HEX, valid until INSTANT}. */
    private static String describe(TlsContext tls) {
        var c = tls.loadedCertificate(); // what was served: looking at the files now could load the new one
        return tls.certificateFile() + ": " + c.getSubjectX500Principal().getName() + ", serial "
                + c.getSerialNumber().toString(16) + ", valid until " + c.getNotAfter().toInstant();
    }

    private static String aliasChanges(Map<String, List<String>> was, Map<String, List<String>> now) {
        List<String> parts = new ArrayList<>();
        now.keySet().stream().filter(k -> !was.containsKey(k)).sorted().forEach(k -> parts.add("+" + k));
        was.keySet().stream().filter(k -> !now.containsKey(k)).sorted().forEach(k -> parts.add("-" + k));
        now.keySet().stream().filter(k -> was.containsKey(k) && !was.get(k).equals(now.get(k))).sorted()
                .forEach(k -> parts.add("~" + k));
        return String.join(", ", parts);
    }

    /** The record components that differ, as {@code key = new (was old)}, comma-separated; "" when none. */
    static String diff(Object was, Object now) {
        List<String> out = new ArrayList<>();
        for (RecordComponent rc : was.getClass().getRecordComponents()) {
            try {
                Object a = rc.getAccessor().invoke(was);
                Object b = rc.getAccessor().invoke(now);
                if (!Objects.equals(a, b)) {
                    out.add(snake(rc.getName()) + " = " + text(b) + " (was " + text(a) + ")");
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(", ", out);
    }

    /** {@code maxConnectionsPerIp} → {@code max_connections_per_ip}, as the file spells the keys. */
    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    private static String text(Object v) {
        if (v == null) {
            return "none";
        }
        if (v instanceof Duration d) {
            return d.toString().substring(2).toLowerCase(Locale.ROOT);
        }
        return v.toString();
    }
}
