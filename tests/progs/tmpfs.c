/* /tmp is writable: files and directories can be made, renamed, removed;
 * link counts and sizes follow. */
#include "testlib.h"

int main(void)
{
	struct stat st;

	tl_err("mkdir", mkdir(tl_tmp("d"), 0750), 0);
	tl_err("mkdir again", mkdir(tl_tmp("d"), 0750), EEXIST);
	stat(tl_tmpdir(), &st);
	tl_say("parent nlink %lu", (unsigned long)st.st_nlink);
	tl_err("create file", tl_write_file(tl_tmp("d/a"), "hello", 5), 0);
	tl_err("rename", rename(tl_tmp("d/a"), tl_tmp("b")), 0);
	tl_err("old name gone", access(tl_tmp("d/a"), F_OK), ENOENT);
	stat(tl_tmp("b"), &st);
	tl_say("renamed size %lld", (long long)st.st_size);
	tl_err("rmdir empty dir", rmdir(tl_tmp("d")), 0);
	tl_err("rmdir missing", rmdir(tl_tmp("d")), ENOENT);
	tl_err("rmdir a file", rmdir(tl_tmp("b")), ENOTDIR);
	mkdir(tl_tmp("e"), 0700);
	tl_write_file(tl_tmp("e/x"), "", 0);
	tl_err("rmdir non-empty", rmdir(tl_tmp("e")), ENOTEMPTY);
	tl_err("unlink a dir", unlink(tl_tmp("e")), EISDIR);
	tl_err("truncate", truncate(tl_tmp("b"), 2), 0);
	stat(tl_tmp("b"), &st);
	tl_say("truncated size %lld", (long long)st.st_size);
	int fd = open(tl_tmp("b"), O_RDWR);
	tl_err("unlink open file", unlink(tl_tmp("b")), 0);
	char buf[8] = { 0 };
	tl_val("still readable", read(fd, buf, 8), 2);
	tl_say("content [%s]", buf);
	fstat(fd, &st);
	tl_say("nlink after unlink %lu", (unsigned long)st.st_nlink);
	close(fd);
	tl_err("mkdir in missing dir", mkdir(tl_tmp("no/x"), 0700), ENOENT);
	char longname[300];
	memset(longname, 'n', 299);
	longname[299] = 0;
	tl_err("name too long", mkdir(tl_tmp(longname), 0700), ENAMETOOLONG);
	tl_cleanup();
	return tl_done();
}
