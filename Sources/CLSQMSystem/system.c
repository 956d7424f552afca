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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "clsqm_system.h"

int clsqm_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int clsqm_syncfs(int fd) { return syncfs(fd); }

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Makes `fd` the child's descriptor `target`. When it already is (lsqm started with that descriptor closed, so
   open() reused the number), dup2 would do nothing and leave it close-on-exec: clear the flag instead. */
static int move_fd(int fd, int target) {
    if (fd == target) return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

/* In the child, between fork and exec: async-signal-safe calls only (the parent has other threads, whose
   locks the child inherits held). Reports errno over `report` and exits on any failure. */
static void child_exec(pid_t parent, int report, const char *path, char *const argv[], char *const envp[],
                       const char *directory, int in_fd, int out_fd, int err_fd) {
    int error = 0;
    setpgid(0, 0);
    /* Die with the parent. If the parent died before prctl took effect, the child was already reparented and
       would never get the signal: check and leave. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) { error = errno; goto fail; }
    if (getppid() != parent) _exit(127);
    /* Handlers and ignored signals must not leak into the program (an ignored SIGINT or SIGPIPE would change
       how terraform or pytest behave). */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (move_fd(in_fd, 0) < 0 || move_fd(out_fd, 1) < 0 || move_fd(err_fd, 2) < 0) { error = errno; goto fail; }
    /* Descriptors this process opened without O_CLOEXEC (libraries, Foundation) stay out of the child. */
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (directory != NULL && chdir(directory) != 0) { error = errno; goto fail; }
    execve(path, argv, envp);
    error = errno;
fail:
    while (write(report, &error, sizeof error) < 0 && errno == EINTR) {}
    _exit(127);
}

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

pid_t clsqm_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                  int stdin_fd, int stdout_fd, int stderr_fd) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    pid_t parent = getpid();
    pid_t pid = fork_blocking_signals();
    if (pid == 0) {
        close(report[0]);
        child_exec(parent, report[1], path, argv, envp, directory, stdin_fd, stdout_fd, stderr_fd);
    }
    int fork_error = errno;
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        errno = fork_error;
        return -1;
    }
    /* Also set the group from this side, so it is in place before anyone signals it. */
    setpgid(pid, pid);
    int child_error = 0;
    ssize_t n;
    while ((n = read(report[0], &child_error, sizeof child_error)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n == (ssize_t)sizeof child_error) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        errno = child_error;
        return -1;
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

int clsqm_start_watchdog(void) {
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
