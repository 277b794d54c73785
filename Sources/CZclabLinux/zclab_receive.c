// The receive side's calls that Swift cannot make from <netinet/tcp.h>: the
// kernel's <linux/tcp.h> (which that header clashes with) is included here only.
#include "CZclabLinux.h"

#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#define SAME_FIELD(field) \
    _Static_assert(offsetof(zcl_zerocopy_receive, field) == offsetof(struct tcp_zerocopy_receive, field), #field " moved")
SAME_FIELD(address);
SAME_FIELD(length);
SAME_FIELD(recv_skip_hint);
SAME_FIELD(inq);
SAME_FIELD(err);
SAME_FIELD(copybuf_address);
SAME_FIELD(copybuf_len);
SAME_FIELD(flags);
SAME_FIELD(msg_control);
SAME_FIELD(msg_controllen);
SAME_FIELD(msg_flags);
SAME_FIELD(reserved);
_Static_assert(sizeof(zcl_zerocopy_receive) == sizeof(struct tcp_zerocopy_receive), "struct tcp_zerocopy_receive changed size");

int zcl_tcp_zerocopy_receive(int fd, zcl_zerocopy_receive *zc) {
    socklen_t length = sizeof *zc;
    return getsockopt(fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, zc, &length);
}
