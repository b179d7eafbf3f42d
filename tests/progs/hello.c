/* The smallest program: one write and exit_group(0). The --strace test
 * and the KVM availability probe of the driver run it. */
#include <unistd.h>

int main(void)
{
	return write(1, "hello\n", 6) == 6 ? 0 : 1;
}
