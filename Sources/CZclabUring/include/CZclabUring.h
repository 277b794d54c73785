// io_uring through liburing, for IORING_OP_SEND_ZC. The header uses plain C
// types only; zclab_uring.c includes liburing when the package was built with
// it (ZCL_HAVE_LIBURING, set by Package.swift when liburing-dev is installed)
// and otherwise makes every call fail with ENOSYS. Every symbol is prefixed `zcl_`.
#ifndef CZCLAB_URING_H
#define CZCLAB_URING_H

#include <stddef.h>
#include <stdint.h>

/// 1 when zclab was built with liburing, 0 when every call below fails with -ENOSYS.
extern const int zcl_uring_built_in;

/// An io_uring instance (struct io_uring), opaque to Swift.
typedef struct zcl_uring zcl_uring;

/// One completion queue entry.
typedef struct {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
} zcl_uring_cqe;

/// io_uring_queue_init with `entries` entries; NULL with *error = errno on failure.
zcl_uring *zcl_uring_create(unsigned entries, int *error);
/// io_uring_queue_exit, and frees the ring.
void zcl_uring_destroy(zcl_uring *ring);
/// io_uring_register_buffers with one buffer (index 0). Returns 0 or -errno.
int zcl_uring_register_buffer(zcl_uring *ring, void *base, size_t length);
/// Queues one IORING_OP_SEND_ZC (io_uring_prep_send_zc, or _fixed with buffer
/// 0 when `fixed`) and submits it. Returns the number submitted or -errno.
int zcl_uring_send_zc(zcl_uring *ring, int fd, const void *buffer, size_t length, int msg_flags,
                      unsigned zc_flags, int fixed, uint64_t user_data);
/// Most iovecs one zcl_uring_sendmsg_zc takes.
#define ZCL_URING_MAX_IOVECS 8
/// Queues one IORING_OP_SENDMSG_ZC (io_uring_prep_sendmsg_zc) of the `count`
/// buffers `bases[i]`, `lengths[i]` as one iovec, and submits it. The message
/// header and the iovec are kept in the ring's handle, so one SENDMSG_ZC may
/// be in flight at a time (until its result completes); the buffers stay the
/// caller's. Returns the number submitted or -errno (-EINVAL past
/// ZCL_URING_MAX_IOVECS).
int zcl_uring_sendmsg_zc(zcl_uring *ring, int fd, const void *const *bases, const size_t *lengths, size_t count,
                         int msg_flags, unsigned zc_flags, uint64_t user_data);
/// The next completion (io_uring_wait_cqe_timeout, then io_uring_cqe_seen):
/// 1 with *cqe filled, 0 when none came within `timeout_ms`, or -errno.
int zcl_uring_next_cqe(zcl_uring *ring, int timeout_ms, zcl_uring_cqe *cqe);

extern const uint32_t zcl_IORING_CQE_F_MORE;
extern const uint32_t zcl_IORING_CQE_F_NOTIF;
extern const unsigned zcl_IORING_SEND_ZC_REPORT_USAGE;
extern const uint32_t zcl_IORING_NOTIF_USAGE_ZC_COPIED;

#endif
