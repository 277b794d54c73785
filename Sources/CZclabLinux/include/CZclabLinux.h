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

/// splice(2). Offsets may be NULL.
ssize_t zcl_splice(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                   size_t len, unsigned int flags);

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

/// Names and states of a network device's features (ETHTOOL_GSTRINGS with
/// ETH_SS_FEATURES and ETHTOOL_GFEATURES) as text, one "name on|off [fixed]"
/// per line, into `buf`. Returns the text length, or -errno.
long zcl_ethtool_features_text(const char *ifname, char *buf, size_t buflen);

/// The symbolic name of an errno value ("EAGAIN"), or NULL (strerrorname_np).
const char *zcl_errno_name(int errnum);

/// The abbreviated name of a signal without "SIG" ("BUS"), or NULL (sigabbrev_np).
const char *zcl_signal_abbrev(int signo);

/// pipe2(2) with O_CLOEXEC.
int zcl_pipe_cloexec(int fds[2]);

/// accept4(2) with SOCK_CLOEXEC, peer address not returned.
int zcl_accept_cloexec(int fd);

/// The RLIMIT_MEMLOCK resource number for getrlimit(2).
extern const int zcl_RLIMIT_MEMLOCK;

#endif
