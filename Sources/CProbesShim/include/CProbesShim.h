#ifndef CPROBES_SHIM_H
#define CPROBES_SHIM_H

#include <stdint.h>

// OpenSSL wrappers (see CProbesTLS.h); included here because this file is the module's umbrella header.
#include "CProbesTLS.h"

// Swift's Glibc module map does not include <sys/epoll.h> or <sys/eventfd.h>, so epoll_create1,
// epoll_ctl, epoll_wait and eventfd are not importable at all. In addition struct epoll_event is
// declared __attribute__((packed)) on x86_64, which Swift cannot lay out reliably. These wrappers
// expose a small, unpacked, ABI-neutral surface instead.

/// Interest/readiness bits used by the wrappers (translated to EPOLL* in shim.c).
#define CPROBES_EV_READ  0x1u  // EPOLLIN | EPOLLRDHUP
#define CPROBES_EV_WRITE 0x2u  // EPOLLOUT
#define CPROBES_EV_ERROR 0x4u  // EPOLLERR | EPOLLHUP (reported only)

/// One readiness event, unpacked (struct epoll_event is packed and unions its data field).
typedef struct cprobes_event {
    uint32_t events; // CPROBES_EV_* bits
    int32_t fd;
} cprobes_event;

/// epoll_create1(EPOLL_CLOEXEC); returns the descriptor or -1 with errno set.
int cprobes_epoll_create(void);

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); returns the descriptor or -1 with errno set.
int cprobes_eventfd(void);

/// epoll_ctl ADD (op 1), MOD (op 2) or DEL (op 3) for `fd` with CPROBES_EV_* `interest`.
/// Returns 0 or a positive errno value.
int cprobes_epoll_ctl(int epfd, int op, int fd, uint32_t interest);

/// epoll_wait into an unpacked array; returns the count, 0 on timeout, or -1 with errno set.
int cprobes_epoll_wait(int epfd, cprobes_event *out, int max, int timeout_ms);

#endif
