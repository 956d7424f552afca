/*
** Thin shims over glibc functions that Swift's Glibc module does not import because they sit behind
** _GNU_SOURCE, and the one piece of process code that neither Swift nor swift-subprocess can do: the watchdog, a
** fork of lsqm that runs no Swift (after fork only async-signal-safe calls are allowed, which Swift cannot
** promise) and kills every child group when lsqm is gone. Children themselves are spawned by swift-subprocess.
*/
#ifndef CLSQM_SYSTEM_H
#define CLSQM_SYSTEM_H
#include <sys/types.h>

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec atomically, so parallel spawns never inherit each other's pipes. */
int clsqm_pipe_cloexec(int fds[2]);

/* syncfs(fd): flush the whole filesystem holding fd, once, instead of fsyncing thousands of files. */
int clsqm_syncfs(int fd);

/*
** Starts the watchdog: a forked copy of this process that runs no Swift, holds only one end of a socket pair, and
** returns the other end (close-on-exec). Write a pgid (as an int, native byte order) to have it remembered,
** -pgid to have it forgotten. When that end closes — this process exited, however it died, kill -9
** included — the watchdog sends SIGKILL to every remembered process group and exits. It reaches the
** children's own children too (terraform's provider, LocalStack's workers), which stay in the group of the child
** that started them. swift-subprocess spawns with posix_spawn, which cannot set PR_SET_PDEATHSIG: this is what
** stops lsqm's children when lsqm dies. The watchdog's pid goes to `pid_out`, so a clean exit can close the
** socket and reap it (nothing outlives lsqm, not even for the moment the watchdog needs to see the socket close).
** Returns -1 with errno set on failure.
*/
int clsqm_start_watchdog(int *pid_out);

/* Sends one value to the watchdog (`send` with MSG_NOSIGNAL). 0 on success, -1 with errno set. */
int clsqm_watchdog_send(int fd, int value);

/* The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or 0 when it is not running.
   Together with the pid it names one process for good: a pid reused later has another start time. */
unsigned long long clsqm_process_start_time(pid_t pid);

#endif
