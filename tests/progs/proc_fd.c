/* /proc/self/fd lists the open descriptors and follows open/close; its
 * links name the files. */
#include "testlib.h"

static int listed(int want)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) == want)
			found = 1;
	if (d)
		closedir(d);
	return found;
}

int main(void)
{
	char link[4096];
	ssize_t n;

	tl_yes("0 listed", listed(0));
	tl_yes("1 listed", listed(1));
	tl_yes("2 listed", listed(2));
	int fd = open("/etc/passwd", O_RDONLY);
	int hi = dup2(fd, 42);
	tl_yes("42 listed after dup2", hi == 42 && listed(42));
	n = readlink("/proc/self/fd/42", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	tl_say("fd 42 -> %s", link);
	close(42);
	tl_yes("42 gone after close", !listed(42));
	int p[2];
	pipe(p);
	n = readlink("/proc/self/fd/" "3", link, sizeof(link) - 1);
	tl_yes("fd/3 is a link", n > 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", p[0]);
	char tgt[4096];
	n = readlink(link, tgt, sizeof(tgt) - 1);
	memcpy(link, tgt, n > 0 ? n : 0);
	link[n > 0 ? n : 0] = 0;
	tl_yes("pipe link is pipe:[N]", !strncmp(link, "pipe:[", 6));
	struct stat st;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	tl_err("stat through fd link", stat(link, &st), 0);
	tl_yes("is regular", S_ISREG(st.st_mode));
	tl_err("open through fd link", tl_fdclose(open(link, O_RDONLY)), 0);
	tl_err("missing fd", access("/proc/self/fd/999", F_OK), ENOENT);
	return tl_done();
}
