/*
** FileNotifier — an lsqm notifier plugin in plain C, using nothing but lsqm_plugin.h and libc.
**
** Config: {"path": "/where/summary.json"}. notify() writes the run summary it receives to that path
** atomically (write a temp file in the same directory, fsync, rename), unless the summary says dry_run.
** Ownership follows the header: buffers returned to the host are malloc'd here and freed by free_buffer().
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "lsqm_plugin.h"
#include "file_notifier.h"

typedef struct {
    const lsqm_host_api *api;
    lsqm_host *host;
    char *path;
} file_notifier;

/* Returns a malloc'd copy of a printf-style string. */
static char *format(const char *fmt, const char *a, const char *b) {
    size_t n = (size_t)snprintf(NULL, 0, fmt, a, b) + 1;
    char *out = malloc(n);
    if (out) snprintf(out, n, fmt, a, b);
    return out;
}

/* An error object {"error": "...", "retryable": false}. The message must not contain quotes or backslashes:
** callers pass only fixed text and strerror() output. */
static char *error_json(const char *action, const char *cause) {
    char *message = format("failed to %s: %s", action, cause);
    char *json = message ? format("{\"error\":\"%s\",\"retryable\":%s}", message, "false") : NULL;
    free(message);
    return json;
}

/* Finds the string value of "key" in a flat JSON object. Enough for this plugin's one-key config; a path with
** escaped characters is refused rather than misread. */
static char *json_string_value(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *at = strstr(json, pattern);
    if (!at) return NULL;
    at += strlen(pattern);
    while (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r') at++;
    if (*at++ != ':') return NULL;
    while (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r') at++;
    if (*at++ != '"') return NULL;
    const char *end = at;
    while (*end && *end != '"') {
        if (*end == '\\') return NULL;
        end++;
    }
    if (*end != '"') return NULL;
    size_t n = (size_t)(end - at);
    char *value = malloc(n + 1);
    if (!value) return NULL;
    memcpy(value, at, n);
    value[n] = '\0';
    return value;
}

static lsqm_status fn_create(const lsqm_host_api *api, lsqm_host *host, const char *config_json, void **state, char **error_json_out) {
    char *path = config_json ? json_string_value(config_json, "path") : NULL;
    if (!path || !*path) {
        free(path);
        *error_json_out = error_json("configure FileNotifier", "config needs a \\\"path\\\" string (where to write the summary)");
        return LSQM_ERROR;
    }
    file_notifier *self = calloc(1, sizeof *self);
    if (!self) {
        free(path);
        *error_json_out = error_json("create FileNotifier", "out of memory");
        return LSQM_ERROR;
    }
    self->api = api;
    self->host = host;
    self->path = path;
    *state = self;
    return LSQM_OK;
}

static void fn_destroy(void *state) {
    file_notifier *self = state;
    if (!self) return;
    free(self->path);
    free(self);
}

static void fn_free_buffer(char *buffer) { free(buffer); }

static int write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static lsqm_status fn_notify(void *state, const char *request_json, char **response_json, char **error_json_out) {
    file_notifier *self = state;
    /* Dry run: say what would happen, write nothing. */
    if (strstr(request_json, "\"dry_run\":true") || strstr(request_json, "\"dry_run\": true")) {
        *response_json = format("{\"delivered\":false,\"detail\":\"dry run: would write %s%s\"}", self->path, "");
        return LSQM_OK;
    }
    char *temporary = format("%s.tmp-%s", self->path, "lsqm");
    if (!temporary) {
        *error_json_out = error_json("write the summary", "out of memory");
        return LSQM_ERROR;
    }
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, request_json, strlen(request_json)) != 0 || write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
        int saved = errno;
        if (fd >= 0) close(fd);
        unlink(temporary);
        free(temporary);
        *error_json_out = error_json("write the summary", strerror(saved));
        return LSQM_ERROR;
    }
    close(fd);
    if (rename(temporary, self->path) != 0) {
        int saved = errno;
        unlink(temporary);
        free(temporary);
        *error_json_out = error_json("write the summary", strerror(saved));
        return LSQM_ERROR;
    }
    free(temporary);
    if (self->api && self->api->log) self->api->log(self->host, LSQM_LOG_INFO, "wrote the run summary");
    *response_json = format("{\"delivered\":true,\"detail\":\"wrote %s%s\"}", self->path, "");
    return LSQM_OK;
}

static const lsqm_notifier_functions functions = {
    .struct_size = sizeof(lsqm_notifier_functions),
    .notify = fn_notify,
};

static const lsqm_plugin_descriptor descriptor = {
    .magic = LSQM_PLUGIN_MAGIC,
    .abi_major = LSQM_ABI_MAJOR,
    .abi_minor = LSQM_ABI_MINOR,
    .struct_size = sizeof(lsqm_plugin_descriptor),
    .kind = LSQM_KIND_NOTIFIER,
    .name = "FileNotifier",
    .version = "1.0.0",
    .description = "Writes the run summary JSON to a file (plain C)",
    .create = fn_create,
    .destroy = fn_destroy,
    .free_buffer = fn_free_buffer,
    .functions = &functions,
};

LSQM_EXPORT const lsqm_plugin_descriptor *lsqm_plugin_entry(void) { return &descriptor; }
