#include "CProbesShim.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

// See CProbesShim.h: <sys/epoll.h> and <sys/eventfd.h> are not part of Swift's Glibc module, and
// struct epoll_event is packed, so Swift calls these unpacked wrappers instead.

int cprobes_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int cprobes_eventfd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

static uint32_t cprobes_to_epoll(uint32_t interest) {
    uint32_t mask = 0;
    if (interest & CPROBES_EV_READ) mask |= EPOLLIN | EPOLLRDHUP;
    if (interest & CPROBES_EV_WRITE) mask |= EPOLLOUT;
    return mask;
}

int cprobes_epoll_ctl(int epfd, int op, int fd, uint32_t interest) {
    struct epoll_event ev;
    ev.events = cprobes_to_epoll(interest);
    ev.data.u64 = 0;
    ev.data.fd = fd;
    int eop;
    switch (op) {
    case 1: eop = EPOLL_CTL_ADD; break;
    case 2: eop = EPOLL_CTL_MOD; break;
    case 3: eop = EPOLL_CTL_DEL; break;
    default: return EINVAL;
    }
    return epoll_ctl(epfd, eop, fd, &ev) == 0 ? 0 : errno;
}

int cprobes_epoll_wait(int epfd, cprobes_event *out, int max, int timeout_ms) {
    if (max <= 0 || out == 0) return 0;
    if (max > 512) max = 512;
    struct epoll_event evs[512];
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        uint32_t e = evs[i].events;
        uint32_t r = 0;
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLPRI)) r |= CPROBES_EV_READ;
        if (e & EPOLLOUT) r |= CPROBES_EV_WRITE;
        if (e & (EPOLLERR | EPOLLHUP)) r |= CPROBES_EV_ERROR;
        out[i].events = r;
        out[i].fd = evs[i].data.fd;
    }
    return n;
}
