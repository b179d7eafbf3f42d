/* Sandbox only: attempts to reach outside the sandbox fail. The program is
 * hostile on purpose, so natively (where it would reboot or load modules
 * as root) it refuses to run: it goes on only as pid 1 of a fresh pid
 * namespace whose /proc holds nothing but itself. */
#include <dirent.h>
#include <signal.h>
#include <sys/reboot.h>
#include <linux/reboot.h>
#include "testlib.h"

static int proc_pids(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	if (getpid() != 1 || proc_pids() != 1) {
		tl_say("not pid 1 alone in /proc: not in a sandbox, refusing");
		return 2;
	}
	tl_yes("/proc shows only the sandbox's processes", proc_pids() == 1);
	tl_yes("no host process to signal", kill(2, 0) < 0 && errno == ESRCH);
	tl_yes("no host process 12345", kill(12345, 0) < 0 && errno == ESRCH);
	tl_yes("/proc/2 absent", access("/proc/2", F_OK) < 0);
	tl_yes("/dev/kvm not reachable", open("/dev/kvm", O_RDWR) < 0);
	tl_yes("/dev/mem not reachable", open("/dev/mem", O_RDONLY) < 0);
	tl_yes("/dev/sda not reachable", open("/dev/sda", O_RDONLY) < 0);
	tl_yes("reboot refused", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
					 LINUX_REBOOT_MAGIC2,
					 LINUX_REBOOT_CMD_CAD_OFF, 0) < 0);
	tl_yes("init_module refused", syscall(SYS_init_module, "", 0, "") < 0);
	tl_yes("kexec_load refused", syscall(SYS_kexec_load, 0, 0, 0, 0) < 0);
	tl_yes("ptrace attach to pid 2 fails",
	       syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 2, 0, 0) < 0);
	/* The sentry's own memory is not in the app's address space: the
	 * app's maps hold its own mappings only. */
	char *maps = tl_read_file("/proc/self/maps", NULL);
	tl_yes("no sentry mapping in maps", maps && !strstr(maps, "ringvisor"));
	free(maps);
	/* .. at / stays at /. */
	tl_yes("/.. is /", access("/../../../etc/passwd", R_OK) == 0);
	return tl_done();
}
