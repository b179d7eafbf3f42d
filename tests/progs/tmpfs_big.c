/* Larger files on /tmp: 8 MiB written in odd chunks reads back identical,
 * ftruncate grows with zeros and shrinks, a sparse write leaves a hole,
 * and a directory of 1000 entries lists completely. */
#include "testlib.h"

static unsigned char pat(size_t i)
{
	return (unsigned char)(i * 2654435761u >> 13);
}

int main(void)
{
	const size_t sz = 8 << 20;
	unsigned char *buf = malloc(sz), *back = malloc(sz);
	int fd = open(tl_tmp("big"), O_RDWR | O_CREAT, 0600);
	size_t off = 0;
	struct stat st;

	for (size_t i = 0; i < sz; i++)
		buf[i] = pat(i);
	while (off < sz) {
		size_t chunk = 12345 + off % 7919;
		ssize_t w;

		if (chunk > sz - off)
			chunk = sz - off;
		w = write(fd, buf + off, chunk);
		if (w <= 0)
			break;
		off += w;
	}
	tl_val("written", off, sz);
	fstat(fd, &st);
	tl_val("size", st.st_size, sz);
	tl_val("pread all", pread(fd, back, sz, 0), sz);
	tl_yes("identical", !memcmp(buf, back, sz));
	tl_val("pread across end", pread(fd, back, 100, sz - 10), 10);
	tl_err("ftruncate grow", ftruncate(fd, sz + 100000), 0);
	memset(back, 1, 100000);
	tl_val("read grown part", pread(fd, back, 100000, sz), 100000);
	int z = 1;
	for (int i = 0; i < 100000; i++)
		z &= back[i] == 0;
	tl_yes("grown part zero", z);
	tl_err("ftruncate shrink", ftruncate(fd, 5000), 0);
	tl_val("read after shrink", pread(fd, back, sz, 0), 5000);
	tl_yes("kept prefix", !memcmp(buf, back, 5000));
	tl_err("ftruncate negative", ftruncate(fd, -1), EINVAL);
	tl_val("sparse write at 1 GiB", pwrite(fd, "end", 3, 1 << 30), 3);
	fstat(fd, &st);
	tl_val("sparse size", st.st_size, (1L << 30) + 3);
	tl_yes("sparse file uses little space", st.st_blocks < 1024);
	tl_val("read in hole", pread(fd, back, 10, 1 << 29), 10);
	tl_yes("hole zero", back[0] == 0 && back[9] == 0);
	close(fd);
	unlink(tl_tmp("big"));

	mkdir(tl_tmp("many"), 0755);
	for (int i = 0; i < 1000; i++) {
		char p[64];

		snprintf(p, sizeof(p), "many/entry-%04d", i);
		close(open(tl_tmp(p), O_CREAT | O_WRONLY, 0644));
	}
	DIR *d = opendir(tl_tmp("many"));
	struct dirent *e;
	int count = 0, seen[1000] = { 0 }, dup = 0;
	while (d && (e = readdir(d))) {
		int k;

		if (sscanf(e->d_name, "entry-%d", &k) == 1 && k >= 0 &&
		    k < 1000) {
			dup |= seen[k]++;
			count++;
		}
	}
	closedir(d);
	tl_val("listed", count, 1000);
	tl_yes("no duplicates", !dup);
	tl_cleanup();
	return tl_done();
}
