/* The app's stdio is the caller's: stdin from a file the driver gives,
 * stdout a file, a large write arriving whole. */
#include "testlib.h"

int main(void)
{
	static char buf[1 << 20];
	size_t n = 0;
	ssize_t r;
	unsigned long sum = 0;

	while ((r = read(0, buf + n, sizeof(buf) - n)) > 0)
		n += r;
	tl_val("stdin EOF", r, 0);
	for (size_t i = 0; i < n; i++)
		sum = sum * 33 + (unsigned char)buf[i];
	tl_say("stdin bytes %zu sum %lx", n, sum);
	tl_yes("stdin is not a tty", !isatty(0));
	/* 256 KiB in one write(2): may be split only by the kernel. */
	memset(buf, 'z', 256 << 10);
	for (int i = 1; i <= 4096; i++)
		buf[i * 64 - 1] = '\n';
	size_t off = 0;
	while (off < (256 << 10) && (r = write(1, buf + off, (256 << 10) - off)) > 0)
		off += r;
	tl_val("wrote all", off, 256 << 10);
	tl_val("stderr write", write(2, "to stderr\n", 10), 10);
	tl_err("write to stdin (O_RDONLY file)", write(0, "x", 1), EBADF);
	return tl_done();
}
