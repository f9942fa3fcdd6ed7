package dev.tern.checks.dmarc;

import dev.tern.checks.DkimResult;
import dev.tern.checks.dmarc.DmarcRecord.Alignment;
import dev.tern.checks.dmarc.DmarcRecord.Policy;
import dev.tern.checks.dmarc.DmarcResult.Result;
import dev.tern.checks.spf.SpfResult;
import dev.tern.dns.DnsAnswer;
import dev.tern.dns.DnsLookup;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * DMARC (RFC 7489): finds the policy at {@code _dmarc.<From domain>}, else at {@code _dmarc.<organizational
 * domain>} (6.6.3), checks whether SPF or any passing DKIM signature is aligned with the From domain (relaxed or
 * strict, 3.1), and says what to do: the policy, {@code sp=} for a subdomain, {@code pct=} sampled with the
 * injected random generator (6.6.4).
 *
 * <p>Several From domains (6.6.1): each is evaluated and the strictest outcome decides: a fail (the strictest
 * disposition first), then temperror, permerror, none, pass. No From domain: permerror.
 */
public final class Dmarc {
    private final DnsLookup dns;
    private final PublicSuffixList psl;
    private final RandomGenerator random;

    /** @param random draws the 0–99 number compared with {@code pct=} */
    public Dmarc(DnsLookup dns, PublicSuffixList psl, RandomGenerator random) {
        this.dns = dns;
        this.psl = psl;
        this.random = random;
    }

    /**
     * @param fromDomains the domains of the addresses in the message's From: field(s), as found
     * @param spf         the SPF result (of MAIL FROM, or HELO for {@code <>}); null when SPF was not checked
     * @param dkim        one result per DKIM signature (any order); empty when there were none or DKIM was off
     */
    public DmarcResult evaluate(List<String> fromDomains, SpfResult spf, List<DkimResult> dkim) {
        Set<String> domains = new LinkedHashSet<>();
        for (String d : fromDomains) {
            if (d != null) {
                String l = d.strip().toLowerCase(Locale.ROOT);
                domains.add(l.endsWith(".") ? l.substring(0, l.length() - 1) : l);
            }
        }
        if (domains.isEmpty()) {
            return new DmarcResult(Result.PERMERROR, null, Policy.NONE, Policy.NONE, false, false,
                    "no author domain in From:");
        }
        DmarcResult worst = null;
        for (String d : domains) {
            DmarcResult r = one(d, spf, dkim);
            if (worst == null || rank(r) > rank(worst)) {
                worst = r;
            }
        }
        return worst;
    }

    private static int rank(DmarcResult r) {
        return switch (r.result()) {
            case PASS -> 0;
            case NONE -> 1;
            case PERMERROR -> 2;
            case TEMPERROR -> 3;
            case FAIL -> 4 + r.disposition().ordinal();
        };
    }

    private DmarcResult one(String from, SpfResult spf, List<DkimResult> dkim) {
        String org = psl.organizationalDomain(from);
        if (org == null || !from.contains(".")) {
            return new DmarcResult(Result.PERMERROR, from, Policy.NONE, Policy.NONE, false, false,
                    "'" + from + "' is not a domain name");
        }
        Found found = find("_dmarc." + from);
        boolean atOrg = false;
        if (found.record == null && found.problem == null && !found.several && !found.invalid && !org.equals(from)) {
            found = find("_dmarc." + org);
            atOrg = true;
        }
        if (found.problem != null) {
            return new DmarcResult(Result.TEMPERROR, from, Policy.NONE, Policy.NONE, false, false, found.problem);
        }
        if (found.record == null) {
            return new DmarcResult(Result.NONE, from, Policy.NONE, Policy.NONE, false, false,
                    found.several ? "more than one DMARC record for " + from
                            : found.invalid ? "no valid policy in the DMARC record for " + from
                            : "no DMARC record for " + from);
        }
        DmarcRecord rec = found.record;
        boolean spfAligned = spf != null && spf.result() == SpfResult.Result.PASS
                && aligned(spf.domain(), from, rec.aspf());
        boolean spfTemp = spf != null && spf.result() == SpfResult.Result.TEMPERROR
                && aligned(spf.domain(), from, rec.aspf());
        boolean dkimAligned = false;
        boolean dkimTemp = false;
        for (DkimResult d : dkim) {
            if (d.domain() != null && aligned(d.domain(), from, rec.adkim())) {
                dkimAligned |= d.result() == DkimResult.Result.PASS;
                dkimTemp |= d.result() == DkimResult.Result.TEMPERROR;
            }
        }
        Policy policy = atOrg && !org.equals(from) ? rec.subdomain() : rec.policy();
        if (spfAligned || dkimAligned) {
            return new DmarcResult(Result.PASS, from, policy, Policy.NONE, spfAligned, dkimAligned,
                    (spfAligned ? "SPF" : "DKIM") + " aligned with " + from);
        }
        if (spfTemp || dkimTemp) {
            return new DmarcResult(Result.TEMPERROR, from, policy, Policy.NONE, false, false,
                    "no aligned pass, and an aligned " + (spfTemp ? "SPF" : "DKIM") + " check failed temporarily");
        }
        Policy disposition = policy;
        String sampled = "";
        if (rec.pct() < 100 && random.nextInt(100) >= rec.pct()) {
            disposition = policy.weaker();
            sampled = ", left out by pct=" + rec.pct();
        }
        return new DmarcResult(Result.FAIL, from, policy, disposition, false, false,
                "neither SPF nor DKIM aligned with " + from + " (p=" + policy.token() + sampled + ")");
    }

    /** RFC 7489 3.1.1, 3.1.2: strict = the same name; relaxed = the same organizational domain. */
    boolean aligned(String identifier, String from, Alignment mode) {
        String a = identifier.toLowerCase(Locale.ROOT);
        if (a.endsWith(".")) {
            a = a.substring(0, a.length() - 1);
        }
        if (a.equals(from)) {
            return true;
        }
        if (mode == Alignment.STRICT) {
            return false;
        }
        String orgA = psl.organizationalDomain(a);
        return orgA != null && orgA.equals(psl.organizationalDomain(from));
    }

    private record Found(DmarcRecord record, boolean several, boolean invalid, String problem) {
    }

    private Found find(String name) {
        DnsAnswer<String> txt = dns.txt(name);
        if (txt.isTemporary()) {
            return new Found(null, false, false, "DMARC lookup for " + name + ": " + txt.problem());
        }
        List<String> records = new ArrayList<>();
        for (String t : txt.values()) {
            if (DmarcRecord.isDmarc(t)) {
                records.add(t);
            }
        }
        if (records.size() > 1) {
            return new Found(null, true, false, null);
        }
        if (records.isEmpty()) {
            return new Found(null, false, false, null);
        }
        DmarcRecord r = DmarcRecord.parse(records.get(0));
        return new Found(r, false, r == null, null);
    }
}
