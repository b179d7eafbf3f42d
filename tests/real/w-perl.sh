# Real-program test: perl with fork, pipes, wait and signals.
set -eu
command -v perl >/dev/null || { echo "no perl"; exit 0; }
perl -e '
use strict; use warnings;
pipe(my $r, my $w) or die;
my @kids;
for my $i (1..4) {
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		close $r;
		syswrite $w, "child $i says " . ($i * $i) . "\n";
		exit $i;
	}
	push @kids, $pid;
}
close $w;
my @lines = <$r>;
print sort @lines;
my %st;
for (@kids) { waitpid($_, 0); $st{$? >> 8}++ }
print join(",", sort keys %st), "\n";
open(my $p, "-|", "echo", "from", "echo") or die;
print scalar <$p>;
close $p;
open(my $q, "|-", "tr a-z A-Z") or die;
print $q "upper via pipe\n";
close $q;
local $SIG{ALRM} = sub { print "alarm\n" };
alarm 1; select(undef, undef, undef, 3); alarm 0;
my $k = fork // die;
if ($k == 0) { sleep 10; exit 0 }
kill "TERM", $k; waitpid($k, 0); print "killed by ", $? & 127, "\n";
print `echo backticks`;
print "system: ", system("sh", "-c", "exit 3") >> 8, "\n";
'
