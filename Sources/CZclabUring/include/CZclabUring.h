// io_uring through liburing, for the zero-copy send requests. The header
// uses plain C types and the kernel's <linux/io_uring.h> only (so Swift sees
// the IORING_OP_* opcodes and flags and builds requests itself); zclab_uring.c includes liburing when the package was built with
// it (ZCL_HAVE_LIBURING, set by Package.swift when liburing-dev is installed)
// and otherwise makes every call fail with ENOSYS. Every symbol is prefixed `zcl_`.
#ifndef CZCLAB_URING_H
#define CZCLAB_URING_H

#include <stddef.h>
#include <stdint.h>
#include <linux/io_uring.h>

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
/// The fields of a submission queue entry (struct io_uring_sqe) that zclab's
/// requests set; the others are zero. Swift fills one per request, with the
/// kernel's own constants (<linux/io_uring.h>, included above).
typedef struct {
    uint8_t opcode;      /* IORING_OP_* */
    uint16_t ioprio;     /* the send requests' own flags: IORING_RECVSEND_*, IORING_SEND_ZC_* */
    int32_t fd;
    uint64_t off;
    uint64_t addr;       /* the buffer, or a struct msghdr * */
    uint32_t len;        /* bytes, or 1 for a message */
    uint32_t op_flags;   /* the union after addr: msg_flags for the send requests */
    uint16_t buf_index;  /* a registered buffer's index, with IORING_RECVSEND_FIXED_BUF */
    uint64_t user_data;
} zcl_uring_sqe;

/// Copies `entry` into the ring's next submission queue entry
/// (io_uring_get_sqe, io_uring_prep_rw) and submits it (io_uring_submit).
/// What `addr` points to must stay valid until the request's result
/// completes. Returns the number submitted or -errno.
int zcl_uring_submit(zcl_uring *ring, const zcl_uring_sqe *entry);
/// Whether this kernel knows `opcode` (IORING_REGISTER_PROBE, through
/// io_uring_get_probe_ring): 1 or 0, or -errno when the kernel cannot say.
int zcl_uring_opcode_supported(zcl_uring *ring, uint8_t opcode);
/// The next completion (io_uring_wait_cqe_timeout, then io_uring_cqe_seen):
/// 1 with *cqe filled, 0 when none came within `timeout_ms`, or -errno.
int zcl_uring_next_cqe(zcl_uring *ring, int timeout_ms, zcl_uring_cqe *cqe);

extern const uint32_t zcl_IORING_CQE_F_MORE;
extern const uint32_t zcl_IORING_CQE_F_NOTIF;
extern const unsigned zcl_IORING_SEND_ZC_REPORT_USAGE;
extern const uint32_t zcl_IORING_NOTIF_USAGE_ZC_COPIED;

#endif
