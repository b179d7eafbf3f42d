/* /proc/self/status: Name, State, Pid/Tgid agreement, Uid line. */
#include "testlib.h"

static const char *field(const char *buf, const char *name)
{
	static char v[256];
	const char *p = strstr(buf, name);

	if (!p || (p != buf && p[-1] != '\n'))
		return NULL;
	p += strlen(name);
	while (*p == ' ' || *p == '\t')
		p++;
	snprintf(v, sizeof(v), "%.*s", (int)strcspn(p, "\n"), p);
	return v;
}

int main(void)
{
	char *s = tl_read_file("/proc/self/status", NULL);
	const char *v;
	char want[32];

	if (!tl_yes("read status", s != NULL))
		return tl_done();
	v = field(s, "Name:");
	tl_say("Name: %s", v ? v : "(none)");
	v = field(s, "State:");
	tl_yes("State R", v && v[0] == 'R');
	snprintf(want, sizeof(want), "%d", (int)getpid());
	v = field(s, "Pid:");
	tl_yes("Pid matches getpid", v && !strcmp(v, want));
	v = field(s, "Tgid:");
	tl_yes("Tgid matches getpid", v && !strcmp(v, want));
	snprintf(want, sizeof(want), "%d", (int)getppid());
	v = field(s, "PPid:");
	tl_yes("PPid matches getppid", v && !strcmp(v, want));
	v = field(s, "Uid:");
	tl_yes("Uid starts with getuid", v && atoi(v) == (int)getuid());
	v = field(s, "Threads:");
	tl_yes("Threads 1", v && !strcmp(v, "1"));
	free(s);
	/* The Name is the first 15 bytes of the program's name, as comm. */
	s = tl_read_file("/proc/self/comm", NULL);
	tl_say("comm: %s", s ? strtok(s, "\n") : "(none)");
	free(s);
	return tl_done();
}
