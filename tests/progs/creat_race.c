/* open(O_CREAT) without O_EXCL opens the name whether or not it exists:
 * never EEXIST, even when someone else makes the name between the
 * sandbox's lookup and the gofer's create (issue 5).
 *
 * `creat_race open DIR N`: N opens of DIR/x with O_CREAT, counting the
 * failures by errno. `creat_race race DIR SECONDS`: the host side, which
 * creates and deletes DIR/x as fast as it can. tests/security/
 * volume_creat_race.sh runs the second natively on a volume's host
 * directory while the first runs sandboxed in it. Without arguments
 * (the differential run) it opens a name in /tmp that another thread of
 * the program creates and deletes. */
#include <pthread.h>
#include <time.h>

#include "testlib.h"

static volatile int stop;
static char path[4096];

static void *racer(void *arg)
{
	(void)arg;
	while (!stop) {
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	return NULL;
}

static int opens(long n)
{
	long eexist = 0, other = 0;
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_CREAT | O_RDWR, 0644);
		if (fd >= 0)
			close(fd);
		else if (errno == EEXIST)
			eexist++;
		else if (errno != ENOENT)
			/* ENOENT is Linux's answer too when the name
			 * vanishes at the wrong time, not counted. */
			other++;
	}
	printf("open(O_CREAT) x%ld: EEXIST %ld, other errors %ld\n", n,
	       eexist, other);
	return eexist || other;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "race")) {
		snprintf(path, sizeof(path), "%s/x", argv[2]);
		time_t end = time(NULL) + atoi(argv[3]);
		while (time(NULL) < end) {
			for (int i = 0; i < 1000; i++) {
				int fd = open(path, O_CREAT | O_EXCL |
						    O_WRONLY, 0644);
				if (fd >= 0)
					close(fd);
				unlink(path);
			}
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "open")) {
		snprintf(path, sizeof(path), "%s/x", argv[2]);
		return opens(atol(argv[3]));
	}
	snprintf(path, sizeof(path), "/tmp/creat_race.%d", getpid());
	mkdir(path, 0755);
	strcat(path, "/x");
	pthread_t th;
	pthread_create(&th, NULL, racer, NULL);
	int r = opens(2000);
	stop = 1;
	pthread_join(th, NULL);
	unlink(path);
	*strrchr(path, '/') = 0;
	rmdir(path);
	return r;
}
