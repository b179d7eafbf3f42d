/* getrandom and /dev/urandom give the requested length of fresh bytes. */
#include <sys/random.h>
#include "testlib.h"

int main(void)
{
	unsigned char a[64], b[64], big[100000];

	tl_val("getrandom 64", getrandom(a, sizeof(a), 0), 64);
	tl_val("getrandom 64 again", getrandom(b, sizeof(b), 0), 64);
	tl_yes("two calls differ", memcmp(a, b, sizeof(a)) != 0);
	tl_val("GRND_NONBLOCK", getrandom(a, 16, GRND_NONBLOCK), 16);
	tl_val("GRND_RANDOM", getrandom(a, 16, GRND_RANDOM), 16);
	tl_val("len 0", getrandom(a, 0, 0), 0);
	ssize_t n = getrandom(big, sizeof(big), 0);
	tl_yes("large request returns >0", n > 0 && n <= (ssize_t)sizeof(big));
	int nz = 0;
	for (int i = 0; i < 1000; i++)
		nz += big[i] != 0;
	tl_yes("not all zero", nz > 900);
	tl_err("bad flags", getrandom(a, 16, 0x100), EINVAL);
	tl_err("bad ptr", syscall(SYS_getrandom, TL_BAD1, 16, 0), EFAULT);
	int fd = open("/dev/urandom", O_RDONLY);
	tl_val("read /dev/urandom", read(fd, a, 32), 32);
	tl_val("again", read(fd, b, 32), 32);
	tl_yes("differ", memcmp(a, b, 32) != 0);
	close(fd);
	fd = open("/dev/random", O_RDONLY);
	tl_val("read /dev/random", read(fd, a, 8), 8);
	close(fd);
	return tl_done();
}
