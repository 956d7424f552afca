/*
** Thin shims over glibc functions that Swift's Glibc module does not import because they sit behind
** _GNU_SOURCE. Nothing here has logic of its own.
*/
#ifndef CLSQM_SYSTEM_H
#define CLSQM_SYSTEM_H
#include <spawn.h>

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec atomically, so parallel spawns never inherit each other's pipes. */
int clsqm_pipe_cloexec(int fds[2]);

/* posix_spawn_file_actions_addchdir_np: the child starts in `path`. */
int clsqm_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/* syncfs(fd): flush the whole filesystem holding fd, once, instead of fsyncing thousands of files. */
int clsqm_syncfs(int fd);

#endif
