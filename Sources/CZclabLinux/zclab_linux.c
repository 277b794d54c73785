#define _GNU_SOURCE
#include "CZclabLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

ssize_t zcl_splice(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                   size_t len, unsigned int flags) {
    return splice(fd_in, (loff_t *)off_in, fd_out, (loff_t *)off_out, len, flags);
}

const unsigned int zcl_SPLICE_F_MOVE = SPLICE_F_MOVE;
const unsigned int zcl_SPLICE_F_NONBLOCK = SPLICE_F_NONBLOCK;
const unsigned int zcl_SPLICE_F_MORE = SPLICE_F_MORE;
const int zcl_F_SETPIPE_SZ = F_SETPIPE_SZ;
const int zcl_F_GETPIPE_SZ = F_GETPIPE_SZ;

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

long zcl_ethtool_features_text(const char *ifname, char *buf, size_t buflen) {
    long result = 0;
    struct ethtool_sset_info *sset = NULL;
    struct ethtool_gstrings *strings = NULL;
    struct ethtool_gfeatures *features = NULL;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -errno;

    sset = calloc(1, sizeof *sset + sizeof(uint32_t));
    if (!sset) { result = -ENOMEM; goto out; }
    sset->cmd = ETHTOOL_GSSET_INFO;
    sset->sset_mask = 1ULL << ETH_SS_FEATURES;
    if (ethtool_ioctl(sock, ifname, sset) < 0) { result = -errno; goto out; }
    uint32_t count = sset->sset_mask ? sset->data[0] : 0;

    strings = calloc(1, sizeof *strings + (size_t)count * ETH_GSTRING_LEN);
    if (!strings) { result = -ENOMEM; goto out; }
    strings->cmd = ETHTOOL_GSTRINGS;
    strings->string_set = ETH_SS_FEATURES;
    strings->len = count;
    if (ethtool_ioctl(sock, ifname, strings) < 0) { result = -errno; goto out; }

    uint32_t blocks = (count + 31) / 32;
    features = calloc(1, sizeof *features + blocks * sizeof(struct ethtool_get_features_block));
    if (!features) { result = -ENOMEM; goto out; }
    features->cmd = ETHTOOL_GFEATURES;
    features->size = blocks;
    if (ethtool_ioctl(sock, ifname, features) < 0) { result = -errno; goto out; }

    size_t used = 0;
    for (uint32_t i = 0; i < count; i++) {
        char name[ETH_GSTRING_LEN + 1];
        memcpy(name, strings->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
        name[ETH_GSTRING_LEN] = 0;
        if (name[0] == 0) continue;
        struct ethtool_get_features_block *b = &features->features[i / 32];
        uint32_t bit = 1U << (i % 32);
        int on = (b->active & bit) != 0;
        int fixed = !(b->available & bit) || (b->never_changed & bit);
        int n = snprintf(buf + used, buflen > used ? buflen - used : 0, "%s %s%s\n",
                         name, on ? "on" : "off", fixed ? " fixed" : "");
        if (n < 0) { result = -EIO; goto out; }
        if (used + (size_t)n >= buflen) { result = -ENOSPC; goto out; }
        used += (size_t)n;
    }
    result = (long)used;
out:
    free(sset);
    free(strings);
    free(features);
    close(sock);
    return result;
}

const char *zcl_errno_name(int errnum) { return strerrorname_np(errnum); }

const char *zcl_signal_abbrev(int signo) { return sigabbrev_np(signo); }

int zcl_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int zcl_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

const int zcl_RLIMIT_MEMLOCK = RLIMIT_MEMLOCK;
