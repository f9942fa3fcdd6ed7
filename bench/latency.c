/*
 * Latency from the end of DATA to the 250 reply, per message, with S concurrent SMTP sessions: a closed-loop
 * client light enough that its own floor is far under the servers' tails (issue 17: p99 under 5 ms).
 *
 *   cc -O2 -pthread -o latency bench/latency.c
 *   latency --port PORT --sessions S --messages-per-session M [--size BYTES] [--seconds T] [--timeout SEC]
 *           [--warmup W] [--rate R]
 *
 * One platform thread per session, each with its own connection and blocking socket (TCP_NODELAY): it says
 * EHLO once, then sends W warm-up messages (not measured) and M measured ones, one at a time: MAIL, RCPT, DATA,
 * each waiting for its reply, then the content with its <CRLF>.<CRLF> in one write(). The clock
 * (CLOCK_MONOTONIC) is read just before that write and again as soon as the whole final line of the reply has
 * been read. All sessions connect and greet first and start their messages together (a barrier). --seconds T:
 * a session starts no new message after T seconds. --rate R: an open loop instead, R measured messages a second
 * from all sessions together: each session starts its k-th message at k * S / R seconds after its own start
 * (the sessions' starts spread over S / R), or at once when it is late; the load is then the client's, not the
 * server's speed, and a rate under the server's closed-loop rate shows its latency when not saturated. Every
 * read and write has a timeout (30 s) and the whole run stops at --timeout.
 *
 * Prints one JSON line, the fields of bench/latency.py and more: count, p50, p90, p99, p99.9, max and mean in
 * milliseconds, the client's own CPU time (user + system of the whole process, over the measured messages) and
 * context switches per message. Exit status 1 when any session failed (the errors are in the JSON), 2 for bad
 * arguments.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_S 30

static int port, sessions, per_session = 20, warmup, size = 1024;
static double seconds_cap = -1, timeout_s = 120, rate = 0;
static char *body;
static size_t body_len;
static double start_at; /* monotonic seconds: the barrier's release */
static pthread_barrier_t barrier;

struct session {
    pthread_t thread;
    int index;     /* 0 .. sessions - 1: spreads the paced sessions' starts (--rate) */
    double *samples;
    int count;
    char error[200];
    double *kernel; /* per sample: from the write to the reply's arrival in this host's kernel (ms) */
    char buf[4096];
    size_t have;   /* bytes in buf not yet consumed */
    double rx_ts;  /* CLOCK_REALTIME of the last segment read, stamped by the kernel on arrival (SO_TIMESTAMPNS) */
};

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one reply, multi-line or not; returns its code, or -1 with s->error set. */
static int read_reply(struct session *s, int fd) {
    for (;;) {
        char *nl;
        while ((nl = memchr(s->buf, '\n', s->have)) != NULL) {
            size_t len = (size_t)(nl - s->buf) + 1;
            int last = len < 5 || s->buf[3] != '-';
            int code = -1;
            if (len >= 4 && s->buf[0] >= '0' && s->buf[0] <= '9')
                code = (s->buf[0] - '0') * 100 + (s->buf[1] - '0') * 10 + (s->buf[2] - '0');
            if (last && code < 0) {
                snprintf(s->error, sizeof s->error, "bad reply line %.*s", (int)(len > 60 ? 60 : len - 1), s->buf);
            }
            memmove(s->buf, s->buf + len, s->have - len);
            s->have -= len;
            if (last) return code;
        }
        if (s->have == sizeof s->buf) {
            snprintf(s->error, sizeof s->error, "reply line longer than %zu octets", sizeof s->buf);
            return -1;
        }
        struct iovec iov = {s->buf + s->have, sizeof s->buf - s->have};
        union { char space[CMSG_SPACE(sizeof(struct timespec))]; struct cmsghdr align; } control;
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
        ssize_t r = recvmsg(fd, &m, 0);
        if (r < 0 && errno == EINTR) continue;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); r > 0 && c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(c), sizeof ts);
                s->rx_ts = ts.tv_sec + ts.tv_nsec / 1e9;
            }
        }
        if (r <= 0) {
            snprintf(s->error, sizeof s->error, "%s", r == 0 ? "connection closed" : strerror(errno));
            return -1;
        }
        s->have += (size_t)r;
    }
}

static int command(struct session *s, int fd, const char *cmd, int want) {
    if (write_all(fd, cmd, strlen(cmd)) < 0) {
        snprintf(s->error, sizeof s->error, "write: %s", strerror(errno));
        return -1;
    }
    int code = read_reply(s, fd);
    if (code < 0) return -1;
    if (code != want) {
        snprintf(s->error, sizeof s->error, "%.*s-> %d", (int)strcspn(cmd, "\r"), cmd, code);
        return -1;
    }
    return 0;
}

static int one_message(struct session *s, int fd, double *took_ms, double *kernel_ms) {
    if (command(s, fd, "MAIL FROM:<bench@client.test>\r\n", 250) < 0) return -1;
    if (command(s, fd, "RCPT TO:<alice@example.test>\r\n", 250) < 0) return -1;
    if (command(s, fd, "DATA\r\n", 354) < 0) return -1;
    s->rx_ts = 0;
    double t0 = now(), t0_real = clock_s(CLOCK_REALTIME);
    if (write_all(fd, body, body_len) < 0) {
        snprintf(s->error, sizeof s->error, "write: %s", strerror(errno));
        return -1;
    }
    int code = read_reply(s, fd);
    double t1 = now();
    if (code < 0) return -1;
    if (code != 250) {
        snprintf(s->error, sizeof s->error, "end of DATA -> %d", code);
        return -1;
    }
    *took_ms = (t1 - t0) * 1000.0;
    *kernel_ms = s->rx_ts > 0 ? (s->rx_ts - t0_real) * 1000.0 : -1;
    return 0;
}

static void *session_main(void *arg) {
    struct session *s = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0), ready = 0;
    if (fd < 0) {
        snprintf(s->error, sizeof s->error, "socket: %s", strerror(errno));
    } else {
        struct timeval tv = {IO_TIMEOUT_S, 0};
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            snprintf(s->error, sizeof s->error, "connect: %s", strerror(errno));
        } else {
            int code = read_reply(s, fd);
            if (code == 220)
                ready = command(s, fd, "EHLO latency.client.test\r\n", 250) == 0;
            else if (code >= 0)
                snprintf(s->error, sizeof s->error, "greeting %d", code);
        }
    }
    pthread_barrier_wait(&barrier); /* every session greeted (or failed) before any message */
    double took, kernel, deadline = start_at + timeout_s, stop_at = seconds_cap >= 0 ? start_at + seconds_cap : deadline;
    for (int i = 0; ready && i < warmup && now() < deadline; i++)
        ready = one_message(s, fd, &took, &kernel) == 0;
    pthread_barrier_wait(&barrier); /* the measured messages start together, after every warm-up */
    double paced = now() + (rate > 0 ? (double)s->index / rate : 0);
    while (ready && s->count < per_session && now() < stop_at && now() < deadline) {
        if (rate > 0) {
            double wait = paced - now();
            if (wait > 0) {
                struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
                nanosleep(&ts, NULL);
            }
            paced += sessions / rate;
        }
        if (one_message(s, fd, &took, &kernel) < 0) break;
        s->kernel[s->count] = kernel;
        s->samples[s->count++] = took;
    }
    if (fd >= 0) {
        if (s->error[0] == 0) command(s, fd, "QUIT\r\n", 221);
        close(fd);
    }
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The same rank as bench/latency.py: the sample at round(p/100 * (n-1)). */
static double pct(const double *s, int n, double p) {
    long i = (long)(p / 100.0 * (n - 1) + 0.5);
    return s[i >= n ? n - 1 : i];
}

static void usage(void) {
    fprintf(stderr, "usage: latency --port PORT --sessions S [--messages-per-session M] [--size BYTES] [--seconds T]"
                    " [--timeout SEC] [--warmup W] [--rate R]\n");
    exit(2);
}

static void json_string(const char *t) {
    putchar('"');
    for (; *t; t++) {
        if (*t == '"' || *t == '\\') printf("\\%c", *t);
        else if ((unsigned char)*t < 0x20) printf("\\u%04x", *t);
        else putchar(*t);
    }
    putchar('"');
}

static void make_body(void) {
    static const char line[] = "Latency test line of text, a fixed and boring seventy-six octets long....\r\n";
    static const char head[] = "From: <bench@client.test>\r\nTo: <alice@example.test>\r\nSubject: latency\r\n\r\n";
    size_t n = (size_t)size / (sizeof line - 1);
    if (n < 1) n = 1;
    body_len = sizeof head - 1 + n * (sizeof line - 1) + 3;
    body = malloc(body_len);
    char *p = body;
    memcpy(p, head, sizeof head - 1);
    p += sizeof head - 1;
    for (size_t i = 0; i < n; i++, p += sizeof line - 1) memcpy(p, line, sizeof line - 1);
    memcpy(p, ".\r\n", 3);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *k = argv[i], *v = argv[++i];
        if (!strcmp(k, "--port")) port = atoi(v);
        else if (!strcmp(k, "--sessions")) sessions = atoi(v);
        else if (!strcmp(k, "--messages-per-session")) per_session = atoi(v);
        else if (!strcmp(k, "--size")) size = atoi(v);
        else if (!strcmp(k, "--seconds")) seconds_cap = atof(v);
        else if (!strcmp(k, "--timeout")) timeout_s = atof(v);
        else if (!strcmp(k, "--warmup")) warmup = atoi(v);
        else if (!strcmp(k, "--rate")) rate = atof(v);
        else usage();
    }
    if (port <= 0 || port > 65535 || sessions <= 0 || per_session <= 0 || size <= 0 || warmup < 0) usage();
    make_body();
    struct session *all = calloc((size_t)sessions, sizeof *all);
    pthread_barrier_init(&barrier, NULL, (unsigned)sessions + 1);
    for (int i = 0; i < sessions; i++) {
        all[i].index = i;
        all[i].samples = calloc((size_t)per_session, sizeof(double));
        all[i].kernel = calloc((size_t)per_session, sizeof(double));
        pthread_create(&all[i].thread, NULL, session_main, &all[i]);
    }
    start_at = now();
    pthread_barrier_wait(&barrier); /* greeted */
    pthread_barrier_wait(&barrier); /* warmed up */
    double t0 = now();
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    for (int i = 0; i < sessions; i++) pthread_join(all[i].thread, NULL);
    getrusage(RUSAGE_SELF, &r1);
    double wall = now() - t0;

    int n = 0, errors = 0;
    for (int i = 0; i < sessions; i++) n += all[i].count;
    size_t room = sizeof(double) * (size_t)(n ? n : 1);
    double *s = malloc(room), *arrive = malloc(room), *wake = malloc(room), sum = 0;
    int stamped = 0;
    for (int i = 0, k = 0; i < sessions; i++) {
        for (int j = 0; j < all[i].count; j++) {
            sum += (s[k++] = all[i].samples[j]);
            if (all[i].kernel[j] >= 0) {
                arrive[stamped] = all[i].kernel[j];
                wake[stamped++] = all[i].samples[j] - all[i].kernel[j];
            }
        }
    }
    qsort(s, (size_t)n, sizeof *s, cmp);
    qsort(arrive, (size_t)stamped, sizeof *arrive, cmp);
    qsort(wake, (size_t)stamped, sizeof *wake, cmp);
    double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6
                 + (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    long csw = (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw);

    printf("{\"sessions\": %d, \"client\": \"c\", \"count\": %d, \"errors\": [", sessions, n);
    for (int i = 0; i < sessions; i++) {
        if (!all[i].error[0]) continue;
        if (errors < 3) {
            if (errors) printf(", ");
            json_string(all[i].error);
        }
        errors++;
    }
    printf("], \"error_count\": %d", errors);
    if (n) {
        printf(", \"p50_ms\": %.4f, \"p90_ms\": %.4f, \"p99_ms\": %.4f, \"p999_ms\": %.4f, \"max_ms\": %.4f,"
               " \"mean_ms\": %.4f",
               pct(s, n, 50), pct(s, n, 90), pct(s, n, 99), pct(s, n, 99.9), s[n - 1], sum / n);
        printf(", \"client_cpu_ms_per_msg\": %.4f, \"client_ctx_switches_per_msg\": %.2f", cpu * 1000 / n,
               (double)csw / n);
    } else {
        printf(", \"p50_ms\": null, \"p90_ms\": null, \"p99_ms\": null, \"p999_ms\": null, \"max_ms\": null,"
               " \"mean_ms\": null, \"client_cpu_ms_per_msg\": null, \"client_ctx_switches_per_msg\": null");
    }
    /* the time split where the reply arrived in the kernel: before, the server and the loopback; after, this
       client waking up and reading it (the client's own floor) */
    if (stamped) {
        printf(", \"stamped\": %d, \"arrival_p50_ms\": %.4f, \"arrival_p99_ms\": %.4f, \"arrival_p999_ms\": %.4f,"
               " \"arrival_max_ms\": %.4f, \"client_wake_p50_ms\": %.4f, \"client_wake_p99_ms\": %.4f,"
               " \"client_wake_p999_ms\": %.4f, \"client_wake_max_ms\": %.4f",
               stamped, pct(arrive, stamped, 50), pct(arrive, stamped, 99), pct(arrive, stamped, 99.9),
               arrive[stamped - 1], pct(wake, stamped, 50), pct(wake, stamped, 99), pct(wake, stamped, 99.9),
               wake[stamped - 1]);
    }
    printf(", \"warmup_per_session\": %d, \"rate\": %.1f, \"wall_s\": %.3f}\n", warmup, rate, wall);
    return errors ? 1 : 0;
}
