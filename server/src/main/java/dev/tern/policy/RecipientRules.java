package dev.tern.policy;

import dev.tern.config.Cidr;
import dev.tern.smtp.Mailbox;
import dev.tern.smtp.RecipientPolicy;
import dev.tern.smtp.SenderPolicy;
import dev.tern.smtp.Reply;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who may send to whom. Mail to a local domain is taken only for addresses that deliver somewhere (a user,
 * an alias, a user's {@code +tag} subaddress, or postmaster, which always exists), so unknown users are
 * refused at RCPT and no bounce is ever sent to a forged sender later. Mail to any other domain is relayed
 * only for trusted networks and authenticated users: Tern is never an open relay.
 */
public final class RecipientRules implements RecipientPolicy, SenderPolicy {
    /** Aliases that point at aliases are followed this deep, and no deeper (a loop ends here). */
    static final int MAX_ALIAS_DEPTH = 10;

    private final List<String> localDomains;
    private final Map<String, List<String>> aliases;
    private final Predicate<String> userExists;
    private final List<Cidr> trustedNetworks;

    /**
     * @param aliases    lower-case address to its targets
     * @param userExists whether a lower-case local address is a user; an {@link UncheckedIOException} from it
     *                   (the users cannot be read now) makes the recipient a temporary failure, 451 4.3.0
     */
    public RecipientRules(List<String> localDomains, Map<String, List<String>> aliases, Predicate<String> userExists,
                          List<Cidr> trustedNetworks) {
        this.localDomains = List.copyOf(localDomains);
        this.aliases = Map.copyOf(aliases);
        this.userExists = userExists;
        this.trustedNetworks = List.copyOf(trustedNetworks);
    }

    @Override
    public Decision recipient(Mailbox to, InetAddress client, boolean authenticated) {
        if (to.domain().isEmpty()) { // <postmaster> with no domain: ours
            return new Decision.Accept(expand("postmaster@" + localDomains.get(0)));
        }
        if (isLocal(to.domain())) {
            String key = to.key();
            List<String> targets;
            try {
                targets = resolveLocal(key);
            } catch (UncheckedIOException e) { // the users cannot be read now: never "no such user"
                if (key.startsWith("postmaster@")) {
                    return new Decision.Accept(List.of(key)); // a user or not, it delivers to its own mailbox
                }
                return new Decision.Reject(Reply.of(451, "4.3.0",
                        "<" + to + ">: Temporary local problem looking up the recipient; try again later"));
            }
            if (targets == null) {
                return new Decision.Reject(Reply.of(550, "5.1.1",
                        "<" + to + ">: Recipient address rejected: no such user here"));
            }
            return new Decision.Accept(targets);
        }
        if (authenticated || isTrusted(client)) {
            return new Decision.Accept(List.of(to.toString()));
        }
        return new Decision.Reject(Reply.of(554, "5.7.1", "<" + to + ">: Relay access denied"));
    }

    /**
     * An authenticated user may send as their own address, a {@code +tag} subaddress of it, or an alias that
     * delivers to them (directly or through other aliases). Nothing else: not another user's address, not a
     * remote address.
     */
    @Override
    public boolean mayUse(String user, String address) {
        String u = user.toLowerCase(Locale.ROOT);
        String a = address.toLowerCase(Locale.ROOT);
        if (a.equals(u)) {
            return true;
        }
        int at = a.lastIndexOf('@');
        int plus = a.indexOf('+');
        if (at > 0 && plus > 0 && plus < at) {
            String base = a.substring(0, plus) + a.substring(at);
            if (base.equals(u)) {
                return true;
            }
            a = aliases.containsKey(a) ? a : base;
        }
        return aliases.containsKey(a) && expand(a).stream().anyMatch(t -> t.equalsIgnoreCase(u));
    }

    public boolean isLocal(String domain) {
        return localDomains.contains(domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean isTrusted(InetAddress client) {
        for (Cidr c : trustedNetworks) {
            if (c.contains(client)) {
                return true;
            }
        }
        return false;
    }

    /** Where mail for a local address goes, or null if it goes nowhere. */
    private List<String> resolveLocal(String key) {
        if (aliases.containsKey(key) || userExists.test(key)) {
            return expand(key);
        }
        int at = key.lastIndexOf('@');
        int plus = key.indexOf('+');
        if (plus > 0 && plus < at) {
            String base = key.substring(0, plus) + key.substring(at);
            if (aliases.containsKey(base) || userExists.test(base)) {
                return expand(base);
            }
        }
        if (key.substring(0, at).equals("postmaster")) {
            return List.of(key); // RFC 5321 4.5.1: postmaster always exists
        }
        return null;
    }

    /**
     * Expands aliases, depth-first. An address that is not an alias is a final target, and so is an alias
     * that names itself; duplicates (in any case) are kept once. An alias met again further down its own
     * chain is a loop and leads nowhere; if nothing is left, the address itself is the target, so mail is
     * never accepted for no one.
     */
    List<String> expand(String address) {
        Map<String, String> out = new LinkedHashMap<>(); // lower-case key → address as written
        expand(address, 0, out, new HashSet<>());
        return out.isEmpty() ? List.of(address.toLowerCase(Locale.ROOT)) : new ArrayList<>(out.values());
    }

    private void expand(String address, int depth, Map<String, String> out, Set<String> chain) {
        String key = address.toLowerCase(Locale.ROOT);
        List<String> targets = aliases.get(key);
        if (targets == null) {
            out.putIfAbsent(key, isLocal(key.substring(key.lastIndexOf('@') + 1)) ? key : address);
            return;
        }
        if (depth >= MAX_ALIAS_DEPTH || !chain.add(key)) {
            return; // a loop, or absurdly deep
        }
        for (String t : targets) {
            if (t.equalsIgnoreCase(key)) {
                out.putIfAbsent(key, key); // an alias that names itself keeps a copy in its own mailbox
            } else {
                expand(t, depth + 1, out, chain);
            }
        }
        chain.remove(key);
    }
}
