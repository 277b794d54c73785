// io_uring zero-copy receive (zcrx, IORING_REGISTER_ZCRX_IFQ, Linux 6.15):
// one registration attempt with raw syscalls, for the probe that tells what
// a kernel or an interface lacks. The 6.15+ uapi structs are declared here
// with zcl_ names (the build's <linux/io_uring.h> may predate them), their
// sizes and offsets asserted against include/uapi/linux/io_uring.h.
#include "CZclabLinux.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum {
    ZCL_SETUP_CQE32 = 1u << 11,
    ZCL_SETUP_SINGLE_ISSUER = 1u << 12,
    ZCL_SETUP_DEFER_TASKRUN = 1u << 13,
    ZCL_REGISTER_ZCRX_IFQ = 32,
    ZCL_MEM_REGION_TYPE_USER = 1,
};

struct zcl_uring_params {  /* struct io_uring_params */
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
    uint8_t sq_off[40], cq_off[40];
};
struct zcl_region_desc {   /* struct io_uring_region_desc */
    uint64_t user_addr, size;
    uint32_t flags, id;
    uint64_t mmap_offset, resv[4];
};
struct zcl_area_reg {      /* struct io_uring_zcrx_area_reg */
    uint64_t addr, len, rq_area_token;
    uint32_t flags, dmabuf_fd;
    uint64_t resv2[2];
};
struct zcl_zcrx_offsets {  /* struct io_uring_zcrx_offsets */
    uint32_t head, tail, rqes, resv2;
    uint64_t resv[2];
};
struct zcl_ifq_reg {       /* struct io_uring_zcrx_ifq_reg */
    uint32_t if_idx, if_rxq, rq_entries, flags;
    uint64_t area_ptr, region_ptr;
    struct zcl_zcrx_offsets offsets;
    uint32_t zcrx_id, resv2;
    uint64_t resv[3];
};
_Static_assert(sizeof(struct zcl_uring_params) == 120, "struct io_uring_params is 120 bytes");
_Static_assert(sizeof(struct zcl_region_desc) == 64, "struct io_uring_region_desc is 64 bytes");
_Static_assert(sizeof(struct zcl_area_reg) == 48, "struct io_uring_zcrx_area_reg is 48 bytes");
_Static_assert(sizeof(struct zcl_zcrx_offsets) == 32, "struct io_uring_zcrx_offsets is 32 bytes");
_Static_assert(sizeof(struct zcl_ifq_reg) == 96, "struct io_uring_zcrx_ifq_reg is 96 bytes");
_Static_assert(offsetof(struct zcl_ifq_reg, offsets) == 32, "zcrx offsets at 32");
_Static_assert(offsetof(struct zcl_ifq_reg, zcrx_id) == 64, "zcrx_id at 64");

int zcl_zcrx_register(unsigned ifindex, unsigned rx_queue) {
    struct zcl_uring_params params;
    memset(&params, 0, sizeof params);
    params.flags = ZCL_SETUP_CQE32 | ZCL_SETUP_SINGLE_ISSUER | ZCL_SETUP_DEFER_TASKRUN;
    int ring = (int)syscall(__NR_io_uring_setup, 8, &params);
    if (ring < 0) return -errno;  /* negative: io_uring_setup refused */
    const size_t page = (size_t)sysconf(_SC_PAGESIZE), area_length = 16 * page;
    void *area = mmap(NULL, area_length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *refill = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int result = ENOMEM;
    if (area != MAP_FAILED && refill != MAP_FAILED) {
        struct zcl_region_desc region = {.user_addr = (uintptr_t)refill, .size = page, .flags = ZCL_MEM_REGION_TYPE_USER};
        struct zcl_area_reg area_reg = {.addr = (uintptr_t)area, .len = area_length};
        struct zcl_ifq_reg reg = {
            .if_idx = ifindex, .if_rxq = rx_queue, .rq_entries = 64,
            .area_ptr = (uintptr_t)&area_reg, .region_ptr = (uintptr_t)&region};
        result = syscall(__NR_io_uring_register, ring, ZCL_REGISTER_ZCRX_IFQ, &reg, 1) < 0 ? errno : 0;
    }
    close(ring);  /* releases a registered queue too */
    if (area != MAP_FAILED) munmap(area, area_length);
    if (refill != MAP_FAILED) munmap(refill, page);
    return result;
}
