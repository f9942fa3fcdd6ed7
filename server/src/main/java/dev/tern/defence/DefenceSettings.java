package dev.tern.defence;

import java.time.Duration;
import java.util.List;

/**
 * What the MX's defences do (docs/configuration.md, {@code [checks]}, {@code [limits]}, {@code [submission]}), read
 * by ConfigLoader from config.Keys.
 *
 * @param lists                  the DNS blocklists and allowlists
 * @param greetPause             how long the greeting waits for a client not seen recently ({@code
 *                               checks.greet_pause}); zero: off
 * @param rejectUnauthPipelining refuse a client that sends commands ahead of time where that is not allowed
 *                               ({@code checks.reject_unauth_pipelining}); logged either way
 * @param rates                  the rate limits
 * @param greylisting            greylisting
 */
public record DefenceSettings(Lists lists, Duration greetPause, boolean rejectUnauthPipelining, Rates rates,
                              Greylisting greylisting) {

    /** Every defence off, every limit 0: what a server gets that was given none. */
    public static final DefenceSettings OFF = new DefenceSettings(
            new Lists(List.of(), List.of(), 1, Duration.ofSeconds(5)), Duration.ZERO, false,
            new Rates(0, 0, 0, 0, 0, 0), new Greylisting(false, Duration.ofMinutes(5), Duration.ofDays(35)));

    /**
     * @param blocklists {@code checks.dnsbl}: each listing adds its list's weight to the client's score
     * @param allowlists {@code checks.dnswl}: a listing in any of them skips the blocklists and greylisting
     * @param threshold  {@code checks.dnsbl_threshold}: the score that refuses the client at RCPT
     * @param timeBudget {@code checks.time_budget}: lists that have not answered by then count as not listed
     */
    public record Lists(List<DnsList> blocklists, List<DnsList> allowlists, int threshold, Duration timeBudget) {
        public Lists {
            blocklists = List.copyOf(blocklists);
            allowlists = List.copyOf(allowlists);
        }

        boolean any() {
            return !blocklists.isEmpty() || !allowlists.isEmpty();
        }
    }

    /**
     * Sliding-window limits; 0 turns one off. Per client address (an IPv4 address, an IPv6 /64) on the MX, per
     * authenticated user on every listener.
     */
    public record Rates(int connectionsPerIpPerMinute, int messagesPerIpPerHour, int recipientsPerIpPerHour,
                        int failedRecipientsPerIpPerHour, int messagesPerUserPerHour, int recipientsPerUserPerHour) {
    }

    /**
     * @param on     {@code checks.greylist}
     * @param delay  {@code checks.greylist_delay}: how long an unknown triple must wait before its retry passes
     * @param expiry {@code checks.greylist_expiry}: how long a triple stays known after its last use
     */
    public record Greylisting(boolean on, Duration delay, Duration expiry) {
    }
}
