// delay-relay: forwards Ethernet frames between two tap devices, each one
// after a set delay, so that hosts made of network namespaces (Scripts/hosts)
// see the latency of a real network. The kernel's own delay (tc's netem) is
// not built into every kernel; this needs only /dev/net/tun.
//
// Usage: delay-relay TAP_A TAP_B DELAY_US
//
// Creates both tap devices (they vanish when it exits), prints "ready" on
// standard output, then forwards every frame read from one to the other
// DELAY_US microseconds after it was read, in order, until SIGTERM or SIGINT.
// A direction holds at most SLOTS frames in flight; when it is full the
// kernel's queue of the tap holds (then drops) the rest, as a network would.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

enum { SLOTS = 4096, FRAME = 2048 };

struct frame {
  uint64_t due;  // CLOCK_MONOTONIC nanoseconds
  size_t length;
  unsigned char data[FRAME];
};

// Frames read from one tap, waiting to be written to the other (a ring).
struct queue {
  struct frame *slots;
  unsigned head;  // next to write
  unsigned count;
};

static volatile sig_atomic_t stopping = 0;
static void on_signal(int signal_number) {
  (void)signal_number;
  stopping = 1;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int open_tap(const char *name) {
  if (strlen(name) >= IFNAMSIZ) {
    fprintf(stderr, "delay-relay: tap name '%s' is longer than %d characters\n", name, IFNAMSIZ - 1);
    exit(2);
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    perror("delay-relay: open /dev/net/tun");
    exit(1);
  }
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &request) < 0) {
    fprintf(stderr, "delay-relay: cannot create tap %s: %s\n", name, strerror(errno));
    exit(1);
  }
  return fd;
}

// Writes the frames of `q` that are due to `out`; stops at the first one not
// due yet or that the device cannot take now. Returns 1 when `out` is full.
static int flush(struct queue *q, int out, uint64_t now) {
  while (q->count > 0) {
    struct frame *f = &q->slots[q->head];
    if (f->due > now) return 0;
    ssize_t written = write(out, f->data, f->length);
    if (written < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
    // Written, or refused for good (the frame is dropped, as a network would).
    q->head = (q->head + 1) % SLOTS;
    q->count--;
  }
  return 0;
}

// Reads every frame waiting on `in` into `q` while it has room.
static void fill(struct queue *q, int in, uint64_t delay_ns) {
  while (q->count < SLOTS) {
    struct frame *f = &q->slots[(q->head + q->count) % SLOTS];
    ssize_t length = read(in, f->data, FRAME);
    if (length <= 0) return;
    f->length = (size_t)length;
    f->due = now_ns() + delay_ns;
    q->count++;
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: delay-relay TAP_A TAP_B DELAY_US\n");
    return 2;
  }
  char *end = NULL;
  unsigned long delay_us = strtoul(argv[3], &end, 10);
  if (end == argv[3] || *end != '\0') {
    fprintf(stderr, "delay-relay: the delay '%s' is not a number of microseconds\n", argv[3]);
    return 2;
  }
  uint64_t delay_ns = (uint64_t)delay_us * 1000u;
  int taps[2] = {open_tap(argv[1]), open_tap(argv[2])};
  struct queue queues[2];
  for (int i = 0; i < 2; i++) {
    queues[i].slots = calloc(SLOTS, sizeof(struct frame));
    queues[i].head = 0;
    queues[i].count = 0;
    if (queues[i].slots == NULL) {
      fprintf(stderr, "delay-relay: out of memory\n");
      return 1;
    }
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  // Wake-ups within a microsecond of when a frame is due, not the default 50 us.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  printf("ready\n");
  fflush(stdout);

  while (!stopping) {
    uint64_t now = now_ns();
    int full[2];
    // queues[i] holds frames read from taps[i], written to taps[1 - i].
    for (int i = 0; i < 2; i++) full[1 - i] = flush(&queues[i], taps[1 - i], now);
    struct pollfd polls[2];
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < 2; i++) {
      polls[i].fd = taps[i];
      polls[i].events = (short)((queues[i].count < SLOTS ? POLLIN : 0) | (full[i] ? POLLOUT : 0));
      polls[i].revents = 0;
      if (queues[i].count > 0 && !full[1 - i] && queues[i].slots[queues[i].head].due < next) {
        next = queues[i].slots[queues[i].head].due;
      }
    }
    struct timespec wait;
    struct timespec *timeout = NULL;
    if (next != UINT64_MAX) {
      uint64_t left = next > now ? next - now : 0;
      wait.tv_sec = (time_t)(left / 1000000000u);
      wait.tv_nsec = (long)(left % 1000000000u);
      timeout = &wait;
    }
    if (ppoll(polls, 2, timeout, NULL) < 0 && errno != EINTR) {
      perror("delay-relay: ppoll");
      return 1;
    }
    for (int i = 0; i < 2; i++) {
      if (polls[i].revents & POLLIN) fill(&queues[i], taps[i], delay_ns);
    }
  }
  return 0;
}
