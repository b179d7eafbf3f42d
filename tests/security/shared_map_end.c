/* Run as the sandbox's init with two files of a --volume: a child writes
 * "child" through a MAP_SHARED mapping of the first and stays; init
 * writes "init" through one of the second and exits without munmap or
 * msync. The sandbox ends with init (a pid namespace's end): the child is
 * killed. On Linux both stores are in the page cache and reach the file;
 * tests/security/shared_map_end.sh checks the host files. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *map(const char *path)
{
	int fd = open(path, O_RDWR);
	char *m = fd < 0 ? MAP_FAILED
			 : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				fd, 0);
	if (m == MAP_FAILED) {
		perror(path);
		_exit(2);
	}
	return m;
}

int main(int argc, char **argv)
{
	int p[2];
	char c;

	if (argc != 3 || pipe(p) < 0)
		return 2;
	if (fork() == 0) {
		memcpy(map(argv[1]), "child", 5);
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	if (read(p[0], &c, 1) != 1)
		return 2;
	memcpy(map(argv[2]), "init", 4);
	return 0;
}
