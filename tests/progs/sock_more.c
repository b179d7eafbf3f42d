/* Socket features Python's test_socket uses that the sandbox lacked:
 * UDP-Lite sockets, IPv6 ancillary-data options (RFC 3542), and
 * if_nameindex(3) (a NETLINK_ROUTE dump). Only the loopback interface is
 * looked at: it exists in every network namespace. */
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "testlib.h"

int main(void)
{
	int one = 1;

	tl_err("UDP-Lite socket", tl_fdclose(socket(AF_INET, SOCK_DGRAM,
						    IPPROTO_UDPLITE)), 0);
	int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	tl_err("IPv6 UDP socket", s6, 0);
	tl_err("IPV6_RECVHOPLIMIT", setsockopt(s6, IPPROTO_IPV6,
		IPV6_RECVHOPLIMIT, &one, sizeof(one)), 0);
	tl_err("IPV6_RECVTCLASS", setsockopt(s6, IPPROTO_IPV6,
		IPV6_RECVTCLASS, &one, sizeof(one)), 0);
	close(s6);
	struct if_nameindex *ifs = if_nameindex();
	int lo = 0;
	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		lo |= strcmp(i->if_name, "lo") == 0;
	tl_yes("if_nameindex lists lo", ifs && lo);
	if (ifs)
		if_freenameindex(ifs);
	tl_yes("if_nametoindex lo", if_nametoindex("lo") > 0);
	return tl_done();
}
