#!/usr/bin/perl
# A second opinion on the generated corpus from Debian's libsisimai-perl (an older version of the reference
# classifier): prints every row where its reason or hard/soft differs from the situation's answer, then totals.
# Its softbounce (1 soft, 0 hard, -1 not a failure) is turned into the corpus' hardbounce column.
# It is not the truth; the expected answers come from the situations the lab set up.
use strict;
use warnings;
use Sisimai;

my $corpus = shift // 'tests/fixtures/bounces-generated';
open my $tsv, '<', "$corpus/expected.tsv" or die "cannot read $corpus/expected.tsv: $!";
<$tsv>;
my %seen;
my ($rows, $reason_agrees, $hard_agrees, $found) = (0, 0, 0, 0);
printf "%-42s %-28s %-16s %-16s %s\n", 'file', 'recipient', 'expected', 'sisimai', 'hard exp/sis';
while (my $line = <$tsv>) {
    chomp $line;
    my ($file, $recipient, $status, $reason, $hard) = split /\t/, $line, -1;
    $seen{$file} //= Sisimai->make("$corpus/samples/$file", 'delivered' => 1) // [];
    my ($data) = grep { lc $_->recipient->address eq lc $recipient } @{ $seen{$file} };
    $rows++;
    my $theirs = $data ? $data->reason : '(not found)';
    my $their_hard = !$data ? '-' : $data->softbounce == 0 ? '1' : $data->softbounce == 1 ? '0' : '';
    $their_hard = '' if $data && $theirs =~ /^(vacation|delivered|feedback)$/;
    $found++ if $data;
    $reason_agrees++ if $theirs eq $reason;
    $hard_agrees++ if $data && $their_hard eq $hard;
    next if $theirs eq $reason && $their_hard eq $hard;
    printf "%-42s %-28s %-16s %-16s %s/%s\n", $file, $recipient, $reason, $theirs, $hard, $their_hard;
}
printf "rows %d: recipient found %.1f%%, reason agrees %.1f%%, hard/soft agrees %.1f%%\n",
    $rows, 100 * $found / $rows, 100 * $reason_agrees / $rows, 100 * $hard_agrees / $rows;
