#!/usr/bin/perl
# Mail::DKIM's side of the 12-dkim scenario: verify.pl PORT FILE N verifies every signature of FILE with keys
# from the DNS server on 127.0.0.1:PORT; exit 0 when N signatures pass and no other fails. A signature whose
# algorithm this Mail::DKIM does not know (ed25519-sha256 before Mail::DKIM has it) is reported and not counted.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS;

my ($port, $file, $want) = @ARGV;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port,
    udp_timeout => 5, tcp_timeout => 5, retry => 2));
my $dkim = Mail::DKIM::Verifier->new();
open(my $fh, '<:raw', $file) or die "$file: $!";
while (read($fh, my $buf, 65536)) {
    $dkim->PRINT($buf);
}
$dkim->CLOSE;
my ($passed, $ok) = (0, 1);
for my $sig ($dkim->signatures) {
    printf "Mail::DKIM: %s %s: %s%s\n", $sig->algorithm, $sig->selector, $sig->result,
        $sig->result_detail ne $sig->result ? ' (' . $sig->result_detail . ')' : '';
    if ($sig->result eq 'pass') {
        $passed++;
    } elsif (($sig->result_detail || '') !~ /unsupported algorithm/) {
        $ok = 0;
    }
}
exit($ok && $passed == $want ? 0 : 1);
