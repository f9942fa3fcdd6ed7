package dev.tern.log;

import java.util.List;
import java.util.Objects;

/** For tests outside this package: the addresses the documented fail2ban filter finds in some log lines. */
public final class Fail2banProbe {
    private Fail2banProbe() {
    }

    public static List<String> banned(List<String> lines) {
        Fail2ban f = Fail2ban.documented();
        return lines.stream().map(f::host).filter(Objects::nonNull).toList();
    }
}
