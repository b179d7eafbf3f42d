/* splice(2), tee(2), vmsplice(2) and sync_file_range(2): data moved
 * between pipes and files, offsets, partial transfers and Linux's errors. */
#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "testlib.h"

static void fill(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		tl_fail("write");
}

static void drain_say(const char *what, int fd)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		tl_fail(what);
		return;
	}
	buf[n] = 0;
	printf("%s: \"%s\"\n", what, buf);
}

static int late_fd;

static void *late_writer(void *arg)
{
	(void)arg;
	usleep(50000);
	if (write(late_fd, "late", 4) != 4)
		tl_fail("late write");
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Blocking: a splice or tee waits for a writer; a signal interrupts it
 * (EINTR without SA_RESTART); SIGPIPE kills by default. */
static void blocking(int f)
{
	int p[2], q[2];
	pthread_t th;
	char buf[16];
	if (pipe(p) || pipe(q))
		exit(1);
	late_fd = p[1];
	pthread_create(&th, NULL, late_writer, NULL);
	loff_t off = 100;
	tl_val("blocked splice", splice(p[0], NULL, f, &off, 100, 0), 4);
	pthread_join(th, NULL);
	pthread_create(&th, NULL, late_writer, NULL);
	tl_val("blocked tee", tee(p[0], q[1], 100, 0), 4);
	pthread_join(th, NULL);
	tl_val("tee copy", read(q[0], buf, sizeof(buf)), 4);
	tl_val("tee source", read(p[0], buf, sizeof(buf)), 4);

	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	tl_err("interrupted", splice(p[0], NULL, f, &off, 100, 0), EINTR);
	alarm(0);

	/* An empty pipe takes 65536 bytes, a vmsplice of more is partial
	 * (page-aligned: Linux fills one slot per page of the buffer). */
	static char z[70000] __attribute__((aligned(4096)));
	struct iovec v = {z, sizeof(z)};
	tl_val("vmsplice partial", vmsplice(q[1], &v, 1, 0), 65536);

	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		int r[2];
		if (pipe(r))
			_exit(1);
		close(r[0]);
		loff_t o = 0;
		splice(f, &o, r[1], NULL, 1, 0);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	tl_yes("SIGPIPE kills", WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

int main(void)
{
	int p[2], q[2];
	const char *fpath = tl_tmp("f");
	char buf[128];
	loff_t off;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) || pipe(q))
		return 1;
	if (tl_write_file(fpath, "0123456789abcdef", 16))
		return 1;
	int f = open(fpath, O_RDWR);

	/* file -> pipe, file position advances */
	tl_val("file->pipe", splice(f, NULL, p[1], NULL, 4, 0), 4);
	tl_val("pos after", lseek(f, 0, SEEK_CUR), 4);
	drain_say("pipe got", p[0]);
	/* with an offset: the file position stays, *off advances */
	off = 10;
	tl_val("file->pipe off", splice(f, &off, p[1], NULL, 100, 0), 6);
	tl_val("off after", off, 16);
	tl_val("pos unchanged", lseek(f, 0, SEEK_CUR), 4);
	drain_say("pipe got", p[0]);
	/* at EOF: 0 */
	off = 16;
	tl_val("file->pipe eof", splice(f, &off, p[1], NULL, 10, 0), 0);

	/* pipe -> file at an offset, partial (only what the pipe holds) */
	fill(p[1], "XYZ");
	off = 2;
	tl_val("pipe->file", splice(p[0], NULL, f, &off, 100, 0), 3);
	tl_val("off after", off, 5);
	tl_val("pread", pread(f, buf, 16, 0), 16);
	buf[16] = 0;
	printf("file now: \"%s\"\n", buf);
	/* pipe -> file at the position */
	fill(p[1], "tail");
	lseek(f, 0, SEEK_END);
	tl_val("pipe->file pos", splice(p[0], NULL, f, NULL, 2, 0), 2);
	drain_say("left in pipe", p[0]);

	/* pipe -> pipe */
	fill(p[1], "hello");
	tl_val("pipe->pipe", splice(p[0], NULL, q[1], NULL, 3, 0), 3);
	drain_say("q got", q[0]);
	drain_say("p kept", p[0]);

	/* tee leaves the source's data in place */
	fill(p[1], "teedata");
	tl_val("tee", tee(p[0], q[1], 100, 0), 7);
	drain_say("tee copy", q[0]);
	drain_say("tee source", p[0]);

	/* errors */
	errno = 0;
	tl_val("zero len", splice(-1, NULL, -1, NULL, 0, 0), 0);
	tl_err("bad flags", splice(p[0], NULL, q[1], NULL, 1, 0x100), EINVAL);
	tl_err("bad fd", splice(99, NULL, p[1], NULL, 1, 0), EBADF);
	tl_err("bad out fd", splice(f, NULL, 99, NULL, 1, 0), EBADF);
	int g = open(fpath, O_RDONLY);
	tl_err("no pipe", splice(f, NULL, f, NULL, 1, 0), EINVAL);
	tl_err("no pipe rdonly out", splice(f, NULL, g, NULL, 1, 0), EBADF);
	off = 0;
	tl_err("off on pipe in", splice(p[0], &off, f, NULL, 1, 0), ESPIPE);
	tl_err("off on pipe out", splice(f, NULL, p[1], &off, 1, 0), ESPIPE);
	tl_err("off bad ptr", splice(f, (loff_t *)TL_BAD1, p[1], NULL, 1, 0),
	       EFAULT);
	off = -1;
	tl_err("negative off", splice(f, &off, p[1], NULL, 1, 0), EINVAL);
	tl_err("write end as in", splice(p[1], NULL, f, NULL, 1, 0), EBADF);
	tl_err("rdonly file out", splice(p[0], NULL, g, NULL, 1, 0), EBADF);
	tl_err("same pipe", splice(p[0], NULL, p[1], NULL, 1, 0), EINVAL);
	tl_err("nonblock empty", splice(p[0], NULL, f, NULL, 1,
					SPLICE_F_NONBLOCK), EAGAIN);
	int ap = open(fpath, O_WRONLY | O_APPEND);
	fill(p[1], "a");
	tl_err("append out", splice(p[0], NULL, ap, NULL, 1, 0), EINVAL);
	close(ap);
	drain_say("after append", p[0]);
	tl_err("tee same", tee(p[0], p[1], 1, 0), EINVAL);
	tl_err("tee file", tee(f, p[1], 1, 0), EINVAL);
	tl_err("tee bad flags", tee(p[0], q[1], 1, 0x100), EINVAL);
	tl_val("tee zero", tee(p[0], q[1], 0, 0), 0);
	tl_err("tee nonblock", tee(p[0], q[1], 1, SPLICE_F_NONBLOCK), EAGAIN);

	/* a full pipe: SPLICE_F_NONBLOCK gives EAGAIN, a partial fill first */
	int big = open(tl_tmp("big"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	static char z[100000];
	if (write(big, z, sizeof(z)) != sizeof(z))
		tl_fail("write big");
	off = 0;
	tl_val("fill pipe", splice(big, &off, q[1], NULL, sizeof(z), 0),
	       65536);
	tl_err("full nonblock", splice(big, &off, q[1], NULL, 1,
				       SPLICE_F_NONBLOCK), EAGAIN);
	tl_err("vmsplice full", ({
		       struct iovec v = {z, 10};
		       vmsplice(q[1], &v, 1, SPLICE_F_NONBLOCK);
	       }), EAGAIN);
	/* pipe -> file of a full pipe moves all of it */
	off = 0;
	tl_val("drain to file", splice(q[0], NULL, big, &off, sizeof(z), 0),
	       65536);
	close(big);

	/* no reader: EPIPE */
	int r[2];
	if (pipe(r))
		return 1;
	close(r[0]);
	off = 0;
	tl_err("no reader", splice(f, &off, r[1], NULL, 1, 0), EPIPE);
	close(r[1]);
	/* no writer, empty: 0 */
	if (pipe(r))
		return 1;
	close(r[1]);
	tl_val("no writer", splice(r[0], NULL, f, NULL, 5, 0), 0);
	tl_val("tee no writer", tee(r[0], q[1], 5, 0), 0);
	close(r[0]);

	/* socket <-> pipe */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	fill(p[1], "sockdata");
	tl_val("pipe->sock", splice(p[0], NULL, sv[0], NULL, 100, 0), 8);
	tl_val("sock->pipe", splice(sv[1], NULL, q[1], NULL, 100, 0), 8);
	drain_say("via socket", q[0]);
	off = 0;
	tl_err("sock off", splice(sv[1], &off, q[1], NULL, 1, 0), EINVAL);

	/* vmsplice */
	struct iovec v[2] = {{(void *)"vm", 2}, {(void *)"splice", 6}};
	tl_val("vmsplice in", vmsplice(p[1], v, 2, 0), 8);
	char rb[4];
	struct iovec rv = {rb, 4};
	tl_val("vmsplice out", vmsplice(p[0], &rv, 1, 0), 4);
	printf("vmsplice read: \"%.4s\"\n", rb);
	drain_say("vmsplice rest", p[0]);
	tl_err("vmsplice file", vmsplice(f, v, 1, 0), EBADF);
	tl_err("vmsplice flags", vmsplice(p[1], v, 1, 0x100), EINVAL);
	tl_err("vmsplice efault", vmsplice(p[1], (struct iovec *)TL_BAD1, 1, 0),
	       EFAULT);
	tl_err("vmsplice nr", vmsplice(p[1], v, 5000, 0), EINVAL);
	tl_val("vmsplice zero", vmsplice(p[1], v, 0, 0), 0);
	tl_err("vmsplice empty nonblock", vmsplice(p[0], &rv, 1,
						   SPLICE_F_NONBLOCK), EAGAIN);

	/* sync_file_range */
	tl_err("sfr", sync_file_range(f, 0, 0, SYNC_FILE_RANGE_WRITE), 0);
	tl_err("sfr all flags", sync_file_range(f, 0, 10,
		SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
		SYNC_FILE_RANGE_WAIT_AFTER), 0);
	tl_err("sfr none", sync_file_range(f, 5, 10, 0), 0);
	tl_err("sfr flags", sync_file_range(f, 0, 0, 8), EINVAL);
	tl_err("sfr neg off", sync_file_range(f, -1, 0, 0), EINVAL);
	tl_err("sfr neg len", sync_file_range(f, 0, -1, 0), EINVAL);
	tl_err("sfr overflow", sync_file_range(f, 1, INT64_MAX, 0), EINVAL);
	tl_err("sfr pipe", sync_file_range(p[0], 0, 0, 0), ESPIPE);
	tl_err("sfr badfd", sync_file_range(99, 0, 0, 0), EBADF);
	tl_err("sfr rdonly", sync_file_range(g, 0, 0, SYNC_FILE_RANGE_WRITE),
	       0);
	int d = open(tl_tmpdir(), O_RDONLY | O_DIRECTORY);
	tl_err("sfr dir", sync_file_range(d, 0, 0, 0), 0);
	close(d);
	int op = open(fpath, O_PATH);
	tl_err("sfr O_PATH", sync_file_range(op, 0, 0, 0), EBADF);
	close(op);

	/* sendfile and copy_file_range share splice's plumbing. */
	int h = open(tl_tmp("h"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	lseek(f, 0, SEEK_SET);
	tl_val("sendfile pos", sendfile(h, f, NULL, 4), 4);
	tl_val("sendfile in pos", lseek(f, 0, SEEK_CUR), 4);
	off = 10;
	tl_val("sendfile off", sendfile(h, f, &off, 100), 8);
	tl_val("sendfile off after", off, 18);
	tl_val("sendfile in pos kept", lseek(f, 0, SEEK_CUR), 4);
	tl_val("sendfile eof", sendfile(h, f, &off, 100), 0);
	tl_err("sendfile bad fd", sendfile(h, 99, NULL, 1), EBADF);
	fill(p[1], "piped");
	tl_val("sendfile to pipe", sendfile(q[1], f, NULL, 3), 3);
	drain_say("sendfile pipe", q[0]);
	loff_t oi = 0, oo = 100;
	tl_val("cfr offsets", copy_file_range(f, &oi, h, &oo, 5, 0), 5);
	tl_val("cfr oi", oi, 5);
	tl_val("cfr oo", oo, 105);
	tl_val("cfr pos", copy_file_range(f, NULL, h, NULL, 2, 0), 2);
	tl_err("cfr flags", copy_file_range(f, NULL, h, NULL, 2, 1), EINVAL);
	tl_err("cfr pipe", copy_file_range(p[0], NULL, h, NULL, 2, 0), EINVAL);
	tl_err("cfr rdonly out", copy_file_range(f, NULL, g, NULL, 2, 0),
	       EBADF);
	oi = 0;
	oo = 2;
	tl_err("cfr overlap", copy_file_range(f, &oi, f, &oo, 5, 0), EINVAL);
	/* Linux's order: a wrap (pos + count < pos, unsigned) is EOVERFLOW,
	 * a negative position EINVAL, a source offset past its end 0 bytes,
	 * a destination at the largest offset EFBIG. */
	oi = -1;
	oo = 0;
	tl_err("cfr in -1", copy_file_range(f, &oi, h, &oo, 5, 0), EOVERFLOW);
	oi = -4096;
	tl_err("cfr in -4096", copy_file_range(f, &oi, h, &oo, 5, 0), EINVAL);
	oi = -1;
	tl_err("cfr in -1 count 0", copy_file_range(f, &oi, h, &oo, 0, 0),
	       EINVAL);
	oi = INT64_MAX;
	tl_val("cfr in at INT64_MAX", copy_file_range(f, &oi, h, &oo, 5, 0),
	       0);
	oi = 0;
	oo = -1;
	tl_err("cfr out -1", copy_file_range(f, &oi, h, &oo, 5, 0), EOVERFLOW);
	oo = INT64_MAX;
	tl_err("cfr out at INT64_MAX", copy_file_range(f, &oi, h, &oo, 5, 0),
	       EFBIG);
	tl_val("h size", lseek(h, 0, SEEK_END), 105);
	tl_val("h pread", pread(h, buf, 14, 0), 14);
	buf[14] = 0;
	printf("h: \"%s\"\n", buf);
	drain_say("piped left", p[0]);
	close(h);

	/* rw_verify_area(): a range ending past INT64_MAX is EINVAL for
	 * every positioned transfer, whatever the filesystem. */
	struct iovec hv = {buf, 100};
	tl_err("pread huge", pread(f, buf, 100, INT64_MAX - 1), EINVAL);
	tl_err("pwrite huge", pwrite(f, buf, 100, INT64_MAX - 1), EINVAL);
	tl_err("preadv huge", preadv(f, &hv, 1, INT64_MAX - 1), EINVAL);
	tl_err("pwritev huge", pwritev(f, &hv, 1, INT64_MAX - 1), EINVAL);
	tl_val("pread near", pread(f, buf, 100, INT64_MAX - 100), 0);
	off = INT64_MAX - 1;
	tl_err("sendfile huge", sendfile(q[1], f, &off, 100), EINVAL);
	tl_err("splice in huge", splice(f, &off, q[1], NULL, 100, 0), EINVAL);
	fill(p[1], "hv");
	tl_err("splice out huge", splice(p[0], NULL, f, &off, 100, 0), EINVAL);
	drain_say("hv left", p[0]);

	blocking(f);
	close(f);
	close(g);
	tl_cleanup();
	return tl_done();
}
