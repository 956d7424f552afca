#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "clsqm_system.h"

int clsqm_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int clsqm_syncfs(int fd) { return syncfs(fd); }

/* fork() with every signal blocked around it: no handler of this process may run in the child before the child
   has reset its dispositions (the child starts with all signals blocked; the parent gets its mask back). */
static pid_t fork_blocking_signals(void) {
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t pid = fork();
    if (pid != 0) {
        int fork_error = errno;
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        errno = fork_error;
    }
    return pid;
}

#define WATCHDOG_CAPACITY 4096

static void watchdog_loop(int in) {
    /* Fixed storage: no malloc after fork. */
    static pid_t groups[WATCHDOG_CAPACITY];
    int count = 0;
    int value;
    for (;;) {
        ssize_t n = read(in, &value, sizeof value);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof value) break;
        if (value > 0) {
            if (count < WATCHDOG_CAPACITY) groups[count++] = value;
        } else if (value < 0) {
            for (int i = 0; i < count; i++) {
                if (groups[i] == -value) { groups[i] = groups[--count]; break; }
            }
        }
    }
    for (int i = 0; i < count; i++) kill(-groups[i], SIGKILL);
    _exit(0);
}

int clsqm_start_watchdog(int *pid_out) {
    int fds[2];
    /* A socket, not a pipe: send(MSG_NOSIGNAL) to a watchdog that died is an error, not a SIGPIPE. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return -1;
    pid_t pid = fork_blocking_signals();
    if (pid == 0) {
        /* Its own group and no terminal signals: Ctrl-C and `kill -- -PGID` aimed at lsqm must not take the
           watchdog with it; only the pipe's end does. */
        setsid();
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        for (int sig = 1; sig < NSIG; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD) sigaction(sig, &ign, NULL);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* Hold nothing but its end of the socket: a copy of any other descriptor (a child's output pipe, the
           repository lock) would keep it open after lsqm is gone. */
        int in = fds[0];
        if (in != 3) { dup2(in, 3); in = 3; }
        syscall(SYS_close_range, 0, 2, 0);
        syscall(SYS_close_range, 4, ~0U, 0);
        watchdog_loop(in);
    }
    int fork_error = errno;
    close(fds[0]);
    if (pid < 0) {
        close(fds[1]);
        errno = fork_error;
        return -1;
    }
    if (pid_out) *pid_out = pid;
    return fds[1];
}

int clsqm_watchdog_send(int fd, int value) {
    ssize_t n;
    while ((n = send(fd, &value, sizeof value, MSG_NOSIGNAL)) < 0 && errno == EINTR) {}
    return n == (ssize_t)sizeof value ? 0 : -1;
}

unsigned long long clsqm_process_start_time(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "re");
    if (file == NULL) return 0;
    char buffer[4096];
    size_t n = fread(buffer, 1, sizeof buffer - 1, file);
    fclose(file);
    buffer[n] = 0;
    /* The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'. */
    char *p = strrchr(buffer, ')');
    if (p == NULL) return 0;
    /* p+2 is field 3 (state); field 22 is 19 fields further. */
    p += 2;
    for (int field = 3; field < 22 && p != NULL; field++) {
        p = strchr(p, ' ');
        if (p != NULL) p++;
    }
    if (p == NULL) return 0;
    /* A zombie has exited: it is not running. */
    char *state = strrchr(buffer, ')') + 2;
    if (*state == 'Z') return 0;
    return strtoull(p, NULL, 10);
}
