/* /proc files that real tools read (ps, top, vmstat, free, node): each
 * exists and has Linux's shape. Values differ between the host and the
 * sandbox, so what is printed is the shape: for each line its first word
 * when the file is made of "key value" lines, else its number of fields;
 * loginuid and sessionid have no newline. */
#include <ctype.h>
#include "testlib.h"

static void shape(const char *path, int keys)
{
	size_t len;
	char *buf = tl_read_file(path, &len);
	if (!buf) {
		printf("%s: %s\n", path, tl_errname(errno));
		return;
	}
	printf("%s:", path);
	int fields = 0, inword = 0, atstart = 1;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (keys && atstart) {
			size_t j = i;
			while (j < len && buf[j] != ' ' && buf[j] != '\t' &&
			       buf[j] != '\n')
				j++;
			printf(" %.*s", (int)(j - i), buf + i);
			atstart = 0;
		}
		if (c == '\n') {
			if (!keys)
				printf(" %d", fields + inword);
			fields = inword = 0;
			atstart = 1;
		} else if (isspace((unsigned char)c)) {
			fields += inword;
			inword = 0;
		} else {
			inword = 1;
		}
	}
	printf("%s\n", len && buf[len - 1] != '\n' ? " (no newline)" : "");
	free(buf);
}

/* The keys of smaps' first VMA block (or of smaps_rollup), without
 * ProtectionKey, which Linux shows only on a CPU with protection keys. */
static void smaps_keys(const char *path)
{
	char *buf = tl_read_file(path, NULL);
	if (!buf) {
		printf("%s: %s\n", path, tl_errname(errno));
		return;
	}
	printf("%s:", path);
	char *save, *line = strtok_r(buf, "\n", &save);
	int first = 1;
	for (; line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!first && sp && sp > line && sp[-1] != ':')
			break; /* the next VMA's header */
		first = 0;
		if (!sp || sp[-1] != ':' || !strncmp(line, "ProtectionKey:", 14))
			continue;
		printf(" %.*s", (int)(sp - line), line);
	}
	printf("\n");
	free(buf);
}

int main(void)
{
	static const char *const kv[] = {
		"/proc/self/io",
	};
	static const char *const fld[] = {
		"/proc/self/oom_score", "/proc/self/oom_score_adj",
		"/proc/self/oom_adj", "/proc/self/personality",
		"/proc/self/setgroups", "/proc/self/uid_map",
		"/proc/self/gid_map", "/proc/self/projid_map",
		"/proc/self/loginuid", "/proc/self/sessionid",
		"/proc/self/cpuset", "/proc/self/timerslack_ns",
		"/proc/self/coredump_filter", "/proc/self/schedstat",
		"/proc/sys/kernel/ostype",
		"/proc/sys/kernel/osrelease", "/proc/sys/kernel/pid_max",
		"/proc/sys/kernel/threads-max", "/proc/sys/kernel/ngroups_max",
		"/proc/sys/kernel/cap_last_cap", "/proc/sys/kernel/overflowuid",
		"/proc/sys/kernel/overflowgid", "/proc/sys/kernel/domainname",
		"/proc/sys/vm/overcommit_memory", "/proc/sys/vm/max_map_count",
		"/proc/sys/fs/file-max", "/proc/sys/fs/nr_open",
		"/proc/sys/fs/pipe-max-size", "/proc/self/arch_status",
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		shape(kv[i], 1);
	for (size_t i = 0; i < sizeof(fld) / sizeof(fld[0]); i++)
		shape(fld[i], 0);

	size_t len;

	smaps_keys("/proc/self/smaps");
	smaps_keys("/proc/self/smaps_rollup");

	/* ns/: one link per namespace kind, "type:[inode]" */
	static const char *const ns[] = {
		"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
		"time", "time_for_children", "user", "uts",
	};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char path[64], target[64], type[32];
		unsigned long ino = 0;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		int ok = n > 0 && sscanf(target, "%31[a-z]:[%lu]", type, &ino) == 2;
		printf("ns/%s: %s %s\n", ns[i], ok ? type : target,
		       ok && ino > 0xEFFFFFF0UL ? "inode" : "?");
	}

	char *v = tl_read_file("/proc/self/mountstats", NULL);
	tl_yes("mountstats device line",
	       v && !strncmp(v, "device ", 7) && strstr(v, " mounted on ") &&
		       strstr(v, " with fstype "));
	free(v);
	v = tl_read_file("/proc/filesystems", NULL);
	tl_yes("filesystems tmpfs and proc",
	       v && strstr(v, "nodev\ttmpfs\n") && strstr(v, "nodev\tproc\n"));
	free(v);
	v = tl_read_file("/proc/self/sched", NULL);
	tl_yes("sched header", v && strstr(v, "(") && strstr(v, "#threads: 1)\n---"));
	free(v);

	/* net/: the tables' headers, exactly (the rows are the host's
	 * sockets natively, none in the sandbox) */
	static const char *const net[] = {
		"dev", "tcp", "tcp6", "udp", "udp6", "unix",
	};
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/net/%s", net[i]);
		v = tl_read_file(path, NULL);
		char *nl = v ? strchr(v, '\n') : NULL;
		if (nl && i == 0)
			nl = strchr(nl + 1, '\n');
		printf("net/%s: [%.*s]\n", net[i], nl ? (int)(nl - v) : 0,
		       nl ? v : "");
		free(v);
	}
	v = tl_read_file("/proc/self/net/dev", NULL);
	tl_yes("self/net/dev has lo", v && strstr(v, "    lo:"));
	free(v);

	/* the values that are the same for an untuned process anywhere */
	v = tl_read_file("/proc/self/oom_score_adj", NULL);
	tl_yes("oom_score_adj 0", v && !strcmp(v, "0\n"));
	free(v);
	v = tl_read_file("/proc/self/coredump_filter", NULL);
	tl_yes("coredump_filter 33", v && !strcmp(v, "00000033\n"));
	free(v);
	v = tl_read_file("/proc/self/personality", NULL);
	tl_yes("personality 0", v && !strcmp(v, "00000000\n"));
	free(v);

	/* Linux prints the autogroup line only for a task whose scheduling
	 * group is an autogroup: a task in a cgroup with the cpu controller
	 * (a CI runner's, a container's) reads an empty file */
	v = tl_read_file("/proc/self/autogroup", &len);
	int ag = -1, nice = 99;
	tl_yes("autogroup empty or one autogroup line",
	       v && (len == 0 ||
		     (sscanf(v, "/autogroup-%d nice %d", &ag, &nice) == 2 &&
		      ag >= 0 && nice >= -20 && nice <= 19 &&
		      strchr(v, '\n') == v + len - 1)));
	free(v);

	/* the host's may list swap areas and its boot options */
	v = tl_read_file("/proc/swaps", NULL);
	tl_yes("swaps header", v && !strncmp(v, "Filename\t\t\t\tType\t\t"
					     "Size\t\tUsed\t\tPriority\n", 39));
	free(v);
	v = tl_read_file("/proc/cmdline", &len);
	tl_yes("cmdline one line", v && len && strchr(v, '\n') == v + len - 1);
	free(v);

	/* vmstat(8) needs these keys */
	v = tl_read_file("/proc/vmstat", &len);
	tl_yes("vmstat read", v != NULL);
	static const char *const need[] = {
		"nr_free_pages ", "pgpgin ", "pgpgout ", "pswpin ", "pswpout ",
		"pgfault ", "pgmajfault ",
	};
	for (size_t i = 0; v && i < sizeof(need) / sizeof(need[0]); i++)
		tl_yes(need[i], strstr(v, need[i]) != NULL);
	free(v);
	return tl_done();
}
