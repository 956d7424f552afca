/*
** Thin shims over glibc functions that Swift's Glibc module does not import because they sit behind
** _GNU_SOURCE, and the one piece of process code that cannot be written in Swift: what a child does between
** fork and exec (only async-signal-safe calls are allowed there, and Swift cannot promise that).
*/
#ifndef CLSQM_SYSTEM_H
#define CLSQM_SYSTEM_H
#include <sys/types.h>

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec atomically, so parallel spawns never inherit each other's pipes. */
int clsqm_pipe_cloexec(int fds[2]);

/* syncfs(fd): flush the whole filesystem holding fd, once, instead of fsyncing thousands of files. */
int clsqm_syncfs(int fd);

/*
** Starts `path` as a child that dies with this process.
**
** The child gets its own process group (so it and everything it starts can be signalled at once), the parent
** death signal SIGKILL (PR_SET_PDEATHSIG: the kernel kills it when the spawning *thread* exits, which is why
** the Swift side calls this from one thread that lives as long as the process), default signal dispositions
** and an empty signal mask, `stdin_fd`/`stdout_fd`/`stderr_fd` as its fds 0/1/2, every other descriptor closed
** on exec, and `directory` (may be NULL) as its working directory.
**
** Returns the child's pid, or -1 with errno set to why it could not be started (fork failed, or the child's
** chdir/exec failed: the child reports its errno over a close-on-exec pipe before exiting).
*/
pid_t clsqm_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                  int stdin_fd, int stdout_fd, int stderr_fd);

/*
** Starts the watchdog: a forked copy of this process that runs no Swift, holds only one end of a socket pair, and
** returns the other end (close-on-exec). Write a pgid (as an int, native byte order) to have it remembered,
** -pgid to have it forgotten. When that end closes — this process exited, however it died, kill -9
** included — the watchdog sends SIGKILL to every remembered process group and exits. This reaches what
** PR_SET_PDEATHSIG cannot: the children's own children (terraform's provider, LocalStack's workers), which stay
** in the group of the child that started them. Returns -1 with errno set on failure.
*/
int clsqm_start_watchdog(void);

/* Sends one value to the watchdog (`send` with MSG_NOSIGNAL). 0 on success, -1 with errno set. */
int clsqm_watchdog_send(int fd, int value);

/* The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or 0 when it is not running.
   Together with the pid it names one process for good: a pid reused later has another start time. */
unsigned long long clsqm_process_start_time(pid_t pid);

#endif
