#define _GNU_SOURCE
#include "CZclabUring.h"

#include <errno.h>
#include <stdlib.h>

#ifdef ZCL_HAVE_LIBURING
#include <features.h>
#include <liburing.h>

/* liburing 2.3's copy of the kernel header predates these (Linux 6.2). */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

const int zcl_uring_built_in = 1;

struct zcl_uring {
    struct io_uring ring;
};

zcl_uring *zcl_uring_create(unsigned entries, int *error) {
    zcl_uring *uring = calloc(1, sizeof *uring);
    if (!uring) { *error = ENOMEM; return NULL; }
    int rc = io_uring_queue_init(entries, &uring->ring, 0);
    if (rc < 0) {
        free(uring);
        *error = -rc;
        return NULL;
    }
    return uring;
}

void zcl_uring_destroy(zcl_uring *uring) {
    io_uring_queue_exit(&uring->ring);
    free(uring);
}

int zcl_uring_register_buffer(zcl_uring *uring, void *base, size_t length) {
    struct iovec vector = { .iov_base = base, .iov_len = length };
    return io_uring_register_buffers(&uring->ring, &vector, 1);
}

int zcl_uring_submit(zcl_uring *uring, const zcl_uring_sqe *entry) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&uring->ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_rw(entry->opcode, sqe, entry->fd, (const void *)(uintptr_t)entry->addr, entry->len, entry->off);
    sqe->ioprio = entry->ioprio;
    sqe->msg_flags = entry->op_flags;
    sqe->buf_index = entry->buf_index;
    sqe->user_data = entry->user_data;
    return io_uring_submit(&uring->ring);
}

int zcl_uring_opcode_supported(zcl_uring *uring, uint8_t opcode) {
    struct io_uring_probe *probe = io_uring_get_probe_ring(&uring->ring);
    if (!probe) return -EOPNOTSUPP;  /* before Linux 5.6: no probe */
    int supported = io_uring_opcode_supported(probe, opcode);
    io_uring_free_probe(probe);
    return supported ? 1 : 0;
}

int zcl_uring_next_cqe(zcl_uring *uring, int timeout_ms, zcl_uring_cqe *out) {
    struct __kernel_timespec timeout = { .tv_sec = timeout_ms / 1000, .tv_nsec = (long long)(timeout_ms % 1000) * 1000000 };
    struct io_uring_cqe *cqe = NULL;
    int rc = io_uring_wait_cqe_timeout(&uring->ring, &cqe, &timeout);
    if (rc == -ETIME) return 0;
    if (rc < 0) return rc;
    out->user_data = cqe->user_data;
    out->res = cqe->res;
    out->flags = cqe->flags;
    io_uring_cqe_seen(&uring->ring, cqe);
    return 1;
}

const uint32_t zcl_IORING_CQE_F_MORE = IORING_CQE_F_MORE;
const uint32_t zcl_IORING_CQE_F_NOTIF = IORING_CQE_F_NOTIF;
const unsigned zcl_IORING_SEND_ZC_REPORT_USAGE = IORING_SEND_ZC_REPORT_USAGE;
const uint32_t zcl_IORING_NOTIF_USAGE_ZC_COPIED = IORING_NOTIF_USAGE_ZC_COPIED;

#else /* built without liburing */

const int zcl_uring_built_in = 0;

zcl_uring *zcl_uring_create(unsigned entries, int *error) { (void)entries; *error = ENOSYS; return NULL; }
void zcl_uring_destroy(zcl_uring *uring) { (void)uring; }
int zcl_uring_register_buffer(zcl_uring *uring, void *base, size_t length) {
    (void)uring; (void)base; (void)length;
    return -ENOSYS;
}
int zcl_uring_submit(zcl_uring *uring, const zcl_uring_sqe *entry) {
    (void)uring; (void)entry;
    return -ENOSYS;
}
int zcl_uring_opcode_supported(zcl_uring *uring, uint8_t opcode) {
    (void)uring; (void)opcode;
    return -ENOSYS;
}
int zcl_uring_next_cqe(zcl_uring *uring, int timeout_ms, zcl_uring_cqe *cqe) {
    (void)uring; (void)timeout_ms; (void)cqe;
    return -ENOSYS;
}

/* The kernel's values (include/uapi/linux/io_uring.h), for reports. */
const uint32_t zcl_IORING_CQE_F_MORE = 1U << 1;
const uint32_t zcl_IORING_CQE_F_NOTIF = 1U << 3;
const unsigned zcl_IORING_SEND_ZC_REPORT_USAGE = 1U << 3;
const uint32_t zcl_IORING_NOTIF_USAGE_ZC_COPIED = 1U << 31;

#endif
