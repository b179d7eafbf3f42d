/* set_tid_address returns the tid; set_robust_list checks its length. */
#include <linux/futex.h>
#include "testlib.h"

int main(void)
{
	static int word;
	static struct robust_list_head head;

	tl_yes("set_tid_address returns tid",
	       syscall(SYS_set_tid_address, &word) == syscall(SYS_gettid));
	tl_yes("NULL accepted",
	       syscall(SYS_set_tid_address, NULL) == syscall(SYS_gettid));
	head.list.next = &head.list;
	tl_err("set_robust_list", syscall(SYS_set_robust_list, &head,
					  sizeof(head)), 0);
	tl_err("set_robust_list bad len",
	       syscall(SYS_set_robust_list, &head, sizeof(head) + 1), EINVAL);
	void *h = NULL;
	size_t len = 0;
	tl_err("get_robust_list", syscall(SYS_get_robust_list, 0, &h, &len),
	       0);
	tl_yes("get returns what was set", h == &head && len == sizeof(head));
	return tl_done();
}
