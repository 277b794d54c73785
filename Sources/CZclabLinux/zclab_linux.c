#define _GNU_SOURCE
#include "CZclabLinux.h"

#include <errno.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/errqueue.h>
#include <linux/ethtool.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

ssize_t zcl_splice(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                   size_t len, unsigned int flags) {
    return splice(fd_in, (loff_t *)off_in, fd_out, (loff_t *)off_out, len, flags);
}

ssize_t zcl_tee(int fd_in, int fd_out, size_t len, unsigned int flags) {
    return tee(fd_in, fd_out, len, flags);
}

ssize_t zcl_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                            size_t len, unsigned int flags) {
    return copy_file_range(fd_in, (loff_t *)off_in, fd_out, (loff_t *)off_out, len, flags);
}

ssize_t zcl_vmsplice(int fd, const void *base, size_t len, unsigned int flags) {
    struct iovec vector = { .iov_base = (void *)base, .iov_len = len };
    return vmsplice(fd, &vector, 1, flags);
}

const unsigned int zcl_SPLICE_F_MOVE = SPLICE_F_MOVE;
const unsigned int zcl_SPLICE_F_NONBLOCK = SPLICE_F_NONBLOCK;
const unsigned int zcl_SPLICE_F_MORE = SPLICE_F_MORE;
const int zcl_F_SETPIPE_SZ = F_SETPIPE_SZ;
const int zcl_F_GETPIPE_SZ = F_GETPIPE_SZ;

int zcl_spawn_file_actions_addchdir(void *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np((posix_spawn_file_actions_t *)actions, path);
}

int zcl_signalfd_open(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int zcl_signalfd_read(int fd, int *signo) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) {
        *signo = (int)info.ssi_signo;
        return 1;
    }
    if (n < 0 && errno == EAGAIN) return 0;
    if (n >= 0) errno = EIO;
    return -1;
}

static int ethtool_ioctl(int sock, const char *ifname, void *data) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    ifr.ifr_data = data;
    return ioctl(sock, SIOCETHTOOL, &ifr);
}

/* The feature names of `ifname`'s string set: a calloc'ed ethtool_gstrings
 * (free it), its count in *count; NULL with errno set on failure. */
static struct ethtool_gstrings *feature_names(int sock, const char *ifname, uint32_t *count) {
    struct {
        struct ethtool_sset_info info;
        uint32_t length;
    } sset;
    memset(&sset, 0, sizeof sset);
    sset.info.cmd = ETHTOOL_GSSET_INFO;
    sset.info.sset_mask = 1ULL << ETH_SS_FEATURES;
    if (ethtool_ioctl(sock, ifname, &sset) < 0) return NULL;
    *count = sset.info.sset_mask ? sset.info.data[0] : 0;
    struct ethtool_gstrings *strings = calloc(1, sizeof *strings + (size_t)*count * ETH_GSTRING_LEN);
    if (!strings) return NULL;
    strings->cmd = ETHTOOL_GSTRINGS;
    strings->string_set = ETH_SS_FEATURES;
    strings->len = *count;
    if (ethtool_ioctl(sock, ifname, strings) < 0) {
        int saved = errno;
        free(strings);
        errno = saved;
        return NULL;
    }
    return strings;
}

_Static_assert(ZCL_FEATURE_NAME_LENGTH == ETH_GSTRING_LEN, "feature names are ETH_GSTRING_LEN long");

long zcl_ethtool_get_features(const char *ifname, zcl_device_feature *out, size_t capacity) {
    long result = 0;
    uint32_t count = 0;
    struct ethtool_gstrings *strings = NULL;
    struct ethtool_gfeatures *features = NULL;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -errno;

    strings = feature_names(sock, ifname, &count);
    if (!strings) { result = -errno; goto out; }
    uint32_t blocks = (count + 31) / 32;
    features = calloc(1, sizeof *features + blocks * sizeof(struct ethtool_get_features_block));
    if (!features) { result = -ENOMEM; goto out; }
    features->cmd = ETHTOOL_GFEATURES;
    features->size = blocks;
    if (ethtool_ioctl(sock, ifname, features) < 0) { result = -errno; goto out; }

    size_t named = 0;
    for (uint32_t i = 0; i < count; i++) {
        const char *name = (const char *)strings->data + (size_t)i * ETH_GSTRING_LEN;
        if (name[0] == 0) continue;
        if (named < capacity) {
            struct ethtool_get_features_block *b = &features->features[i / 32];
            uint32_t bit = 1U << (i % 32);
            zcl_device_feature *feature = &out[named];
            memcpy(feature->name, name, ETH_GSTRING_LEN);
            feature->name[ETH_GSTRING_LEN] = 0;
            feature->on = (b->active & bit) != 0;
            feature->fixed = !(b->available & bit) || (b->never_changed & bit);
        }
        named++;
    }
    result = (long)named;
out:
    free(strings);
    free(features);
    close(sock);
    return result;
}

long zcl_ethtool_set_features(const char *ifname, const char *const *names, const int *on, size_t n) {
    long result = 0;
    uint32_t count = 0;
    struct ethtool_gstrings *strings = NULL;
    struct ethtool_sfeatures *features = NULL;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -errno;

    strings = feature_names(sock, ifname, &count);
    if (!strings) { result = -errno; goto out; }
    uint32_t blocks = (count + 31) / 32;
    features = calloc(1, sizeof *features + blocks * sizeof(struct ethtool_set_features_block));
    if (!features) { result = -ENOMEM; goto out; }
    features->cmd = ETHTOOL_SFEATURES;
    features->size = blocks;
    for (size_t k = 0; k < n; k++) {
        uint32_t i = 0;
        while (i < count && strncmp((const char *)strings->data + (size_t)i * ETH_GSTRING_LEN, names[k], ETH_GSTRING_LEN) != 0) i++;
        if (i == count) { result = -ENOENT; goto out; }
        features->features[i / 32].valid |= 1U << (i % 32);
        if (on[k]) features->features[i / 32].requested |= 1U << (i % 32);
    }
    int flags = ethtool_ioctl(sock, ifname, features);
    result = flags < 0 ? -errno : flags;
out:
    free(strings);
    free(features);
    close(sock);
    return result;
}

const long zcl_ETHTOOL_F_UNSUPPORTED = ETHTOOL_F_UNSUPPORTED;
const long zcl_ETHTOOL_F_WISH = ETHTOOL_F_WISH;
const long zcl_ETHTOOL_F_COMPAT = ETHTOOL_F_COMPAT;

const char *zcl_errno_name(int errnum) { return strerrorname_np(errnum); }

const char *zcl_signal_abbrev(int signo) { return sigabbrev_np(signo); }

int zcl_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
int zcl_pipe_cloexec_nonblocking(int fds[2]) { return pipe2(fds, O_CLOEXEC | O_NONBLOCK); }

int zcl_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

const int zcl_RLIMIT_MEMLOCK = RLIMIT_MEMLOCK;

const int zcl_F_SETLEASE = F_SETLEASE;
const int zcl_F_GETLEASE = F_GETLEASE;
const int zcl_F_SETSIG = F_SETSIG;
const int zcl_F_GETSIG = F_GETSIG;
int zcl_fcntl_long(int fd, int cmd, long arg) { return fcntl(fd, cmd, arg); }

int zcl_sigrtmin(void) { return SIGRTMIN; }


#define ZCL_SIGNAL_RECORDS 256
static zcl_signal_record signal_records[ZCL_SIGNAL_RECORDS];
static atomic_int signal_record_count;
static sigjmp_buf guarded_jump;
static volatile sig_atomic_t guarded_active;
static volatile sig_atomic_t lease_signal = -1, lease_fd = -1, lease_action = -1;

void zcl_lease_on_break(int signo, int fd, int action) {
    lease_fd = fd;
    lease_action = action;
    lease_signal = signo;
}

static void record_signal(int signo, const siginfo_t *info) {
    int index = atomic_fetch_add(&signal_record_count, 1);
    if (index >= ZCL_SIGNAL_RECORDS) return;
    zcl_signal_record *record = &signal_records[index];
    record->signo = signo;
    record->code = info->si_code;
    record->addr = (uintptr_t)info->si_addr;
    record->fd = (signo == SIGIO || signo >= SIGRTMIN) ? info->si_fd : -1;
    record->band = (signo == SIGIO || signo >= SIGRTMIN) ? info->si_band : 0;
    record->lease = -1;
    record->lease_action_result = -1;
    if (signo == lease_signal && lease_fd >= 0) {
        record->lease = fcntl(lease_fd, F_GETLEASE);
        if (lease_action != -1) {
            record->lease_action_result = fcntl(lease_fd, F_SETLEASE, (int)lease_action) == 0 ? 0 : errno;
        }
    }
}

static void on_signal(int signo, siginfo_t *info, void *context) {
    (void)context;
    int saved = errno;
    record_signal(signo, info);
    if (signo == SIGBUS || signo == SIGSEGV) {
        if (guarded_active) {
            guarded_active = 0;
            siglongjmp(guarded_jump, 1);
        }
        signal(signo, SIG_DFL);  /* returning would fault again: die of it */
        raise(signo);
    }
    errno = saved;
}

int zcl_signals_record(const int *signals, int count, int restart) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &action, NULL) != 0) return -1;
    }
    return 0;
}

int zcl_signals_count(void) {
    int count = atomic_load(&signal_record_count);
    return count < ZCL_SIGNAL_RECORDS ? count : ZCL_SIGNAL_RECORDS;
}

int zcl_signals_get(int index, zcl_signal_record *out) {
    if (index < 0 || index >= zcl_signals_count()) return -1;
    *out = signal_records[index];
    return 0;
}

int zcl_guarded_touch(const void *addr, size_t length, zcl_signal_record *fault) {
    int before = atomic_load(&signal_record_count);
    if (sigsetjmp(guarded_jump, 1) != 0) {
        if (before < ZCL_SIGNAL_RECORDS) *fault = signal_records[before];
        return 1;
    }
    guarded_active = 1;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)addr, end = start + length;
    /* The first byte, then the first byte of every following page. */
    for (uintptr_t at = start; at < end; at = (at & ~(page - 1)) + page) (void)*(const volatile unsigned char *)at;
    guarded_active = 0;
    return 0;
}

void zcl_touch_unguarded(const void *addr, size_t length) {
    signal(SIGBUS, SIG_DFL);
    signal(SIGSEGV, SIG_DFL);
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)addr, end = start + length;
    for (uintptr_t at = start; at < end; at = (at & ~(page - 1)) + page) (void)*(const volatile unsigned char *)at;
}

const char *zcl_signal_code_name(int signo, int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TIMER: return "SI_TIMER";
    case SI_MESGQ: return "SI_MESGQ";
    case SI_ASYNCIO: return "SI_ASYNCIO";
    case SI_SIGIO: return "SI_SIGIO";
    case SI_TKILL: return "SI_TKILL";
    }
    if (signo == SIGBUS) {
        switch (code) {
        case BUS_ADRALN: return "BUS_ADRALN";
        case BUS_ADRERR: return "BUS_ADRERR";
        case BUS_OBJERR: return "BUS_OBJERR";
        case BUS_MCEERR_AR: return "BUS_MCEERR_AR";
        case BUS_MCEERR_AO: return "BUS_MCEERR_AO";
        }
    }
    if (signo == SIGSEGV) {
        switch (code) {
        case SEGV_MAPERR: return "SEGV_MAPERR";
        case SEGV_ACCERR: return "SEGV_ACCERR";
        }
    }
    if (signo == SIGIO || signo >= SIGRTMIN) {
        switch (code) {
        case POLL_IN: return "POLL_IN";
        case POLL_OUT: return "POLL_OUT";
        case POLL_MSG: return "POLL_MSG";
        case POLL_ERR: return "POLL_ERR";
        case POLL_PRI: return "POLL_PRI";
        case POLL_HUP: return "POLL_HUP";
        }
    }
    return NULL;
}

int zcl_drop_capability(int cap) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    int word = cap / 32;
    uint32_t bit = 1U << (cap % 32);
    data[word].effective &= ~bit;
    data[word].permitted &= ~bit;
    data[word].inheritable &= ~bit;
    return (int)syscall(SYS_capset, &header, data);
}

const int zcl_SO_EE_ORIGIN_ZEROCOPY = SO_EE_ORIGIN_ZEROCOPY;
const int zcl_SO_EE_CODE_ZEROCOPY_COPIED = SO_EE_CODE_ZEROCOPY_COPIED;

int zcl_read_zerocopy_notification(int fd, zcl_zerocopy_notification *out) {
    char control[256];
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
        return errno == EAGAIN ? 0 : -1;
    }
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
            (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)) {
            struct sock_extended_err err;
            memcpy(&err, CMSG_DATA(cm), sizeof err);
            out->lo = err.ee_info;
            out->hi = err.ee_data;
            out->code = err.ee_code;
            out->origin = err.ee_origin;
            out->error = (int)err.ee_errno;
            return 1;
        }
    }
    errno = ENOMSG;
    return -1;
}

int zcl_die_with_parent(void) {
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    return getppid() == parent && parent != 1 ? 0 : -1;
}

int zcl_epoll_revents(int fd) {
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) return -1;
    struct epoll_event event = { .events = EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP, .data.fd = fd };
    int result = -1;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0) {
        struct epoll_event ready;
        int n = epoll_wait(epoll, &ready, 1, 0);
        if (n >= 0) result = n == 1 ? (int)ready.events : 0;
    }
    int saved = errno;
    close(epoll);
    errno = saved;
    return result;
}

int zcl_unsent_bytes(int fd) {
    int bytes = 0;
    return ioctl(fd, SIOCOUTQ, &bytes) < 0 ? -1 : bytes;
}
