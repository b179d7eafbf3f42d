/* placeholder until hostinet lands */
#include "sentry/net/socket.h"
#include <errno.h>
int inet_create(int family, int type, int protocol, struct socket **out)
{
	(void)family; (void)type; (void)protocol; (void)out;
	return -EAFNOSUPPORT;
}
