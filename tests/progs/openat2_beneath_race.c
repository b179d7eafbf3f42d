/* openat2(2) RESOLVE_BENEATH while another thread moves a directory the
 * walk is in out of the anchor and back: the walk never ends outside the
 * anchor. Linux refuses a scoped ".." that raced with a rename (EAGAIN);
 * the sandbox checked ".." only against the anchor itself, so a walk in
 * a/b, after b was moved to ../out/b, climbed "../.." from there to the
 * anchor's parent and opened ../secret (some escapes per second). */
#include <linux/openat2.h>
#include <pthread.h>
#include <time.h>

#include "testlib.h"

static char in[300], out[300];
static volatile int stop;

static void *renamer(void *arg)
{
	(void)arg;
	while (!stop) {
		rename(in, out);
		rename(out, in);
	}
	return NULL;
}

int main(void)
{
	const char *base = tl_tmpdir();
	char p[400];
	snprintf(p, sizeof(p), "%s/root", base);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/root/a", base);
	mkdir(p, 0700);
	snprintf(in, sizeof(in), "%s/root/a/b", base);
	mkdir(in, 0700);
	snprintf(p, sizeof(p), "%s/out", base);
	mkdir(p, 0700);
	snprintf(out, sizeof(out), "%s/out/b", base);
	snprintf(p, sizeof(p), "%s/secret", base);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	snprintf(p, sizeof(p), "%s/root", base);
	int root = open(p, O_PATH | O_DIRECTORY);

	/* b, then many "." to stay in b a while, then up twice (to the
	 * anchor, were b still there) and "secret", which the anchor has
	 * not. */
	char path[2048] = "a/b";
	for (int i = 0; i < 200; i++)
		strcat(path, "/.");
	strcat(path, "/../../secret");
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
	/* Linux says EAGAIN when any rename on the host raced with a scoped
	 * "..": retry, as openat2(2) tells callers to. */
	long r;
	for (int i = 0; i < 1000; i++) {
		r = syscall(SYS_openat2, root, path, &how, sizeof(how));
		if (r >= 0 || errno != EAGAIN)
			break;
	}
	tl_err("no race: ENOENT", r, ENOENT);

	pthread_t th;
	pthread_create(&th, NULL, renamer, NULL);
	long escapes = 0, tries = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		long fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
		tries++;
		if (fd >= 0) {
			escapes++;
			close((int)fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < 2 && escapes < 10);
	stop = 1;
	pthread_join(th, NULL);
	tl_val("opened outside the anchor while racing", escapes, 0);
	tl_yes("raced at least 100 times", tries >= 100);
	rename(out, in);
	rmdir(in);
	snprintf(p, sizeof(p), "%s/root/a", base);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/root", base);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/out", base);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/secret", base);
	unlink(p);
	rmdir(base);
	return tl_done();
}
