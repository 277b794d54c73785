// Linux calls and constants that Swift's Glibc module does not import.
//
// Swift's Glibc module is built without _GNU_SOURCE, so splice(2), signalfd(2),
// the F_*PIPE_SZ fcntls and linux/ethtool.h are invisible to Swift. This header
// uses plain C types only; zclab_linux.c is compiled with _GNU_SOURCE and does
// the real work. Every symbol is prefixed `zcl_`.
#ifndef CZCLAB_LINUX_H
#define CZCLAB_LINUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// posix_spawn_file_actions_addchdir_np(3) (glibc 2.29, a GNU extension): the
/// child starts in `path`. `actions` is a posix_spawn_file_actions_t *.
int zcl_spawn_file_actions_addchdir(void *actions, const char *path);

/// copy_file_range(2). Offsets may be NULL.
ssize_t zcl_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                            size_t len, unsigned int flags);

/// A MSG_ZEROCOPY completion from the socket's error queue
/// (struct sock_extended_err): the range of send ids [lo, hi] it completes.
typedef struct {
    uint32_t lo;
    uint32_t hi;
    /// ee_code: 0, or SO_EE_CODE_ZEROCOPY_COPIED (1) when the kernel copied.
    int code;
    int origin;
    int error;
} zcl_zerocopy_notification;

/// Reads one notification from the error queue of `fd` without blocking.
/// Returns 1 with `out` set, 0 when the queue is empty, -1 with errno set.
/// Messages that are not MSG_ZEROCOPY completions are returned too (their
/// origin says what they are).
int zcl_read_zerocopy_notification(int fd, zcl_zerocopy_notification *out);

extern const int zcl_SO_EE_ORIGIN_ZEROCOPY;
extern const int zcl_SO_EE_CODE_ZEROCOPY_COPIED;

/// splice(2). Offsets may be NULL.
/// vmsplice(2) of one buffer into the pipe `fd` (the pipe refers to the
/// buffer's pages unless SPLICE_F_GIFT).
ssize_t zcl_vmsplice(int fd, const void *base, size_t len, unsigned int flags);
ssize_t zcl_splice(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                   size_t len, unsigned int flags);
/// tee(2): duplicates up to `len` bytes of the pipe `fd_in` into the pipe
/// `fd_out` without consuming them (both pipes then refer to the same pages).
ssize_t zcl_tee(int fd_in, int fd_out, size_t len, unsigned int flags);

extern const unsigned int zcl_SPLICE_F_MOVE;
extern const unsigned int zcl_SPLICE_F_NONBLOCK;
extern const unsigned int zcl_SPLICE_F_MORE;
extern const int zcl_F_SETPIPE_SZ;
extern const int zcl_F_GETPIPE_SZ;

/// signalfd(2) for the given signals, which it also blocks in the calling
/// thread. Returns the descriptor, or -1 with errno set.
int zcl_signalfd_open(const int *signals, int count);

/// Reads one signalfd_siginfo from `fd`; stores its ssi_signo.
/// Returns 1 on success, 0 if none is pending (EAGAIN), -1 with errno set.
int zcl_signalfd_read(int fd, int *signo);

/// Longest feature name (ETH_GSTRING_LEN, asserted in the .c file).
#define ZCL_FEATURE_NAME_LENGTH 32

/// One feature of a network device as ETHTOOL_GFEATURES reports it.
typedef struct zcl_device_feature {
    /// Its kernel name (ETH_SS_FEATURES string set), NUL-terminated.
    char name[ZCL_FEATURE_NAME_LENGTH + 1];
    /// Active now.
    int on;
    /// The device (or the kernel) does not let it change.
    int fixed;
} zcl_device_feature;

/// The features of `ifname` (ETHTOOL_GSTRINGS with ETH_SS_FEATURES, then
/// ETHTOOL_GFEATURES) into `out`, at most `capacity` of them. Returns how many
/// the device has (more than `capacity`: call again with room for that many),
/// or -errno.
long zcl_ethtool_get_features(const char *ifname, zcl_device_feature *out, size_t capacity);
/// ETHTOOL_SFEATURES: turns the named features of `ifname` on or off. Returns
/// the ioctl's flags (zcl_ETHTOOL_F_*: some request not fully honoured), or
/// -errno (-ENOENT for a name the device does not have).
long zcl_ethtool_set_features(const char *ifname, const char *const *names, const int *on, size_t n);
extern const long zcl_ETHTOOL_F_UNSUPPORTED;
extern const long zcl_ETHTOOL_F_WISH;
extern const long zcl_ETHTOOL_F_COMPAT;

/// The symbolic name of an errno value ("EAGAIN"), or NULL (strerrorname_np).
const char *zcl_errno_name(int errnum);

/// The abbreviated name of a signal without "SIG" ("BUS"), or NULL (sigabbrev_np).
const char *zcl_signal_abbrev(int signo);

/// pipe2(2) with O_CLOEXEC.
int zcl_pipe_cloexec(int fds[2]);

/// pipe2(2) with O_CLOEXEC and O_NONBLOCK on both ends.
int zcl_pipe_cloexec_nonblocking(int fds[2]);

/// accept4(2) with SOCK_CLOEXEC, peer address not returned.
int zcl_accept_cloexec(int fd);

/// The RLIMIT_MEMLOCK resource number for getrlimit(2).
extern const int zcl_RLIMIT_MEMLOCK;

/// A signal as its SA_SIGINFO handler saw it.
typedef struct {
    int signo;
    int code;
    /// si_addr (SIGBUS, SIGSEGV).
    uintptr_t addr;
    /// si_fd and si_band (SIGIO, lease signals).
    int fd;
    long band;
    /// For the lease signal: F_GETLEASE in the handler, before it acts
    /// (F_RDLCK, F_WRLCK, F_UNLCK); -1 otherwise.
    int lease;
    /// For the lease signal: what F_SETLEASE in the handler returned (0 or
    /// errno), or -1 when the handler was told to leave the lease alone.
    int lease_action_result;
} zcl_signal_record;

/// Installs an SA_SIGINFO handler for each of `signals` that records the
/// signal (up to 256 records) and returns. SA_RESTART when `restart` is set.
/// SIGBUS and SIGSEGV outside `zcl_guarded_touch` are recorded, then the
/// default action is restored and the signal raised again (the process dies
/// of it, as it would have).
int zcl_signals_record(const int *signals, int count, int restart);

/// Makes the handler of `signo` treat it as the break of the lease on `fd`:
/// note F_GETLEASE, then F_SETLEASE `action` (F_UNLCK to release, F_RDLCK to
/// downgrade) unless `action` is -1 (leave it: the kernel breaks it when
/// lease-break-time runs out).
void zcl_lease_on_break(int signo, int fd, int action);

/// How many signals were recorded so far.
int zcl_signals_count(void);

/// Copies record `index`; 0 on success, -1 if there is none.
int zcl_signals_get(int index, zcl_signal_record *out);

/// Reads the byte at `addr` and the first byte of every following page up to
/// `addr + length`, from user space.
/// Returns 0 if all could be read; 1 if a SIGBUS or SIGSEGV stopped it, the
/// signal then described in `fault` (and recorded).
int zcl_guarded_touch(const void *addr, size_t length, zcl_signal_record *fault);

/// Reads the first byte of every page in [addr, addr + length) with SIGBUS
/// and SIGSEGV back at their default disposition: a fault kills the caller,
/// as it would kill a program that installed no handler.
void zcl_touch_unguarded(const void *addr, size_t length);

/// The si_code name for a signal ("BUS_ADRERR", "SI_USER", "POLL_MSG"...).
const char *zcl_signal_code_name(int signo, int code);

extern const int zcl_F_SETLEASE;
extern const int zcl_F_GETLEASE;
extern const int zcl_F_SETSIG;
extern const int zcl_F_GETSIG;
/// fcntl with a long argument (the kernel reads an unsigned long: -1 is ULONG_MAX).
int zcl_fcntl_long(int fd, int cmd, long arg);

/// Removes capability `cap` (e.g. 28, CAP_LEASE) from this thread's
/// effective, permitted and inheritable sets (capget/capset). 0 or -1/errno.
int zcl_drop_capability(int cap);

/// Asks for SIGKILL when the parent process dies (prctl PR_SET_PDEATHSIG),
/// and returns -1 if the parent is already gone.
int zcl_die_with_parent(void);

/// SIGRTMIN as this process sees it (glibc reserves the first few).
int zcl_sigrtmin(void);

/// The events epoll_wait(2) reports at once for `fd` (asked: EPOLLIN,
/// EPOLLOUT, EPOLLPRI, EPOLLRDHUP; EPOLLERR and EPOLLHUP always), 0 if none,
/// or -1 with errno set.
int zcl_epoll_revents(int fd);

/// ioctl SIOCOUTQ: bytes in the socket's send queue not yet acknowledged, or -1.
int zcl_unsent_bytes(int fd);

/// struct tcp_zerocopy_receive (<linux/tcp.h>, 4.18; copybuf 5.11; msg_* 5.14),
/// field for field: zclab_receive.c asserts the layouts are the same.
typedef struct {
    uint64_t address;          /* in: the mapping of the socket */
    uint32_t length;           /* in: bytes to map; out: bytes mapped */
    uint32_t recv_skip_hint;   /* out: bytes to read by copy before the next mappable ones */
    uint32_t inq;              /* out: bytes left in the receive queue */
    int32_t err;               /* out: a pending socket error */
    uint64_t copybuf_address;  /* in: a buffer for what cannot be mapped */
    int32_t copybuf_len;       /* in: its size; out: bytes copied, or -errno */
    uint32_t flags;
    uint64_t msg_control;
    uint64_t msg_controllen;
    uint32_t msg_flags;
    uint32_t reserved;
} zcl_zerocopy_receive;

/// getsockopt(fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, zc, sizeof *zc): maps
/// whole pages of the receive queue at zc->address. 0, or -1 with errno set.
int zcl_tcp_zerocopy_receive(int fd, zcl_zerocopy_receive *zc);

/// One IORING_REGISTER_ZCRX_IFQ of RX queue `rx_queue` of interface
/// `ifindex` (in this network namespace) on a fresh ring set up as zcrx needs
/// it (CQE32, SINGLE_ISSUER, DEFER_TASKRUN), with a valid area and refill
/// region; the ring is closed after. 0 when the queue registered, the errno
/// of the registration, or -errno when io_uring_setup refused the ring.
int zcl_zcrx_register(unsigned ifindex, unsigned rx_queue);

#endif
