/*
** lsqm_plugin.h — the lsqm plugin ABI, version 1.
**
** An lsqm plugin is a shared library (.so) that exports one C symbol,
**
**     const lsqm_plugin_descriptor *lsqm_plugin_entry(void);
**
** which returns a pointer to a static descriptor. The host dlopen()s the library with
** RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, calls lsqm_plugin_entry(), and checks, before it calls
** anything else:
**
**   1. descriptor->magic      == LSQM_PLUGIN_MAGIC
**   2. descriptor->abi_major  == LSQM_ABI_MAJOR        (a newer or older major is refused)
**   3. descriptor->struct_size >= LSQM_DESCRIPTOR_V1_SIZE
**   4. the kind's function table's struct_size >= the v1 size of that table
**
** A library that fails a check is refused with a reason naming the file; nothing in it is called.
** Libraries are never dlclose()d: Swift (and C++) runtimes cannot be safely unloaded.
**
** VERSIONING (the sqlite3ext.h rule)
**   Every struct in this header starts with its own struct_size and only ever grows at the end.
**   A minor version adds fields at the end; it never reorders, removes or changes a field.
**   - A plugin built against minor N works with a host of minor >= N unchanged.
**   - A plugin that wants a field added in a later minor must check, before using it, that the host's
**     table is large enough: LSQM_HAS_FIELD(host_api, field). Fields past host_api->struct_size are absent.
**   - The host does the same for the plugin's descriptor and function tables.
**   A major version change is a break and is refused by both sides.
**
** DATA
**   Everything crossing the boundary is a NUL-terminated UTF-8 JSON document (schemas below). Byte strings
**   (file contents) travel inside JSON: "content" for UTF-8 text, "content_base64" for anything else.
**   Unknown keys must be ignored by the reader; that is how requests and responses grow compatibly.
**
** MEMORY OWNERSHIP — whoever allocates, frees:
**   - Arguments passed into a call (const char *) are borrowed for the duration of that call only.
**   - Buffers a plugin returns through a `char **` out parameter are allocated by the plugin and released by
**     the host with descriptor->free_buffer(). The plugin may use any allocator it pairs with free_buffer.
**   - Buffers the host returns through a `char **` out parameter (HTTP responses, config values) are
**     allocated by the host and released by the plugin with host_api->free().
**   - Strings in the descriptor (name, version, description, kinds) are static and never freed.
**   - The host_api table and the lsqm_host handle stay valid from create() until destroy() returns.
**
** ERRORS
**   Every call returns an lsqm_status. On anything but LSQM_OK the callee may set *error_json to
**       {"error": "failed to <action>: <cause>", "retryable": true|false}
**   (owned as above). "error" is a sentence for a person; "retryable" says whether the same call may succeed
**   later (a rate limit, a timeout) or not (bad config, bad input).
**
** THREADS
**   The host never calls into one plugin instance from two threads at once. Different instances of the same
**   plugin may be called concurrently, so plugins keep their state in the instance, not in globals.
**   Host API functions may be called from any thread during a call into the plugin.
**
** ISOLATION
**   By default the host runs each plugin inside a worker process (the lsqm binary in a hidden worker mode)
**   that loads the library and calls it through this same ABI. A crash, abort or hang in a plugin is then a
**   recorded failure of that plugin, and the run goes on. A plugin must not assume it shares a process with
**   the host, and must not open network connections itself: HTTP goes through host_api->http_request, so
**   the host alone applies authentication, rate limits, caching, dry-run and redaction.
**   lsqm_plugin_entry() is first called in a worker to describe the library, in either isolation mode; the
**   answer is cached by (path, size, mtime), so entry and library constructors must be cheap and free of side
**   effects. A library that crashes or hangs (30 s) while being described is remembered as refused.
**
** IDENTITY
**   A plugin is known by descriptor->name, never by its file name: log attribution, request budgets, the cache
**   folder and capabilities follow the name. A library whose name is already taken by a plugin found earlier (the
**   built-ins come first) is refused; a deployment may still select it by path.
**
** CAPABILITIES (least privilege; the host checks every http_request, in both isolation modes)
**   source      GET and HEAD only. The host adds the GitHub token on the configured GitHub API host
**               (config key github_api_url) for GET/HEAD. secret:// URLs are refused.
**   normalizer  no HTTP at all.
**   notifier    GET, HEAD, POST, PUT, PATCH. "secret://NAME" resolves only when the deployment config grants
**               NAME to this notifier (config key "grants": {"secrets": ["NAME"]}); the GitHub token is added
**               only for the granted methods ("grants": {"github": ["GET","POST","PATCH"]}) and only under
**               /repos/<repo>/ of the config's "repo" (or "issue_repo"; GETs may also follow GitHub's
**               /repositories/<id>/ pagination links). Built-in SlackNotifier and
**               GitHubIssuesNotifier have those grants by default.
**   every kind  link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::/32) are refused;
**               loopback and private addresses are refused unless a URL the deployment configured (a service
**               endpoint, a *_url key of the plugin's config, a granted secret URL) names that host. Redirects
**               are checked hop by hop. A refused request is LSQM_ERROR with an error object saying why.
**
** LIMITS (what the host accepts back; PluginLimits in LSQMPluginKit)
**   - File paths in responses: relative, no "." or ".." component, no ".git" component anywhere (any case), no
**     backslash, no control characters, no duplicates within one architecture.
**   - A file at most 10 MB (10485760 bytes), an architecture at most 64 MB (all its files), as for tarballs.
**     An architecture that breaks a rule is skipped with the reason; the rest of the response is used.
**   - A source may not return a source_url another source already indexed.
**   - In a worker, one message (a response with its JSON and base64 overhead) at most 256 MB: a larger one is
**     an error at once and the worker is killed. Keep pages small with the request's "limit".
**   - Each call has the deployment's plugin_timeout (default 600 s; `lsqm plugins check` uses at most 120 s);
**     a worker that does not answer in time is killed. Describing a library has 30 s.
**
** CONVENTIONS
**   - Out parameters (*state, *response_json, *error_json, *value_json) are NULL when the call starts; leave
**     them NULL when there is nothing to return.
**   - An optional key without a value is left out of the JSON the host sends (not sent as null); read an absent
**     key and null alike. Plugins should do the same.
**   - The host adds keys to every instance's config_json unless the deployment set them: "github_api_url",
**     "github_raw_url", "terraform_registry_url" (where the remote services live; build URLs from these, never
**     hard-code them, so tests and mirrors work) and "issue_repo" (owner/name, from ISSUE_REPO). Secrets are
**     never in config_json.
**   - A Swift plugin (LSQMPluginKit) must be built with the same Swift toolchain as the lsqm binary that loads
**     it: the Swift runtime is shared with the host in-process and its ABI is not stable across toolchains
**     on Linux. A C plugin needs only this header.
*/
#ifndef LSQM_PLUGIN_H
#define LSQM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LSQM_PLUGIN_MAGIC 0x4C53514Du /* "LSQM" */
#define LSQM_ABI_MAJOR 1
#define LSQM_ABI_MINOR 0

/* The one symbol a plugin exports. */
#define LSQM_PLUGIN_ENTRY_SYMBOL "lsqm_plugin_entry"

/* True when a versioned struct (anything starting with uint32_t struct_size) has room for `field`. */
#define LSQM_HAS_FIELD(table_ptr, field)                                                                       \
    ((table_ptr) != NULL &&                                                                                    \
     (size_t)(table_ptr)->struct_size >= offsetof(__typeof__(*(table_ptr)), field) + sizeof((table_ptr)->field))

/* ---------------------------------------------------------------------------------------------------------- */
/* Status codes. Append only.                                                                                 */
/* ---------------------------------------------------------------------------------------------------------- */
typedef int32_t lsqm_status;
#define LSQM_OK 0            /* success; *response_json (when the call has one) is set                     */
#define LSQM_ERROR 1         /* the call failed; *error_json describes why                                  */
#define LSQM_CANCELLED 2     /* the plugin saw host_api->is_cancelled() and stopped                         */
#define LSQM_UNSUPPORTED 3   /* the request asked for something this plugin does not do (e.g. a kind)       */

/* ---------------------------------------------------------------------------------------------------------- */
/* Plugin kinds. Append only; a host refuses a kind it does not know.                                         */
/* ---------------------------------------------------------------------------------------------------------- */
typedef uint32_t lsqm_plugin_kind;
#define LSQM_KIND_SOURCE 1     /* finds architectures (descriptor->functions is lsqm_source_functions)       */
#define LSQM_KIND_NORMALIZER 2 /* turns a template kind into Terraform (lsqm_normalizer_functions)          */
#define LSQM_KIND_NOTIFIER 3   /* tells people about a run (lsqm_notifier_functions)                        */

/* Log levels for host_api->log. */
typedef int32_t lsqm_log_level;
#define LSQM_LOG_DEBUG 0
#define LSQM_LOG_INFO 1
#define LSQM_LOG_WARNING 2
#define LSQM_LOG_ERROR 3

/* ---------------------------------------------------------------------------------------------------------- */
/* The host API: what the host offers a plugin instance. Passed to create(); valid until destroy() returns.   */
/* ---------------------------------------------------------------------------------------------------------- */

/* Opaque per-instance handle; pass it back to every host_api function. */
typedef struct lsqm_host lsqm_host;

typedef struct lsqm_host_api {
    uint32_t struct_size; /* sizeof(lsqm_host_api) as the host was built; check with LSQM_HAS_FIELD */
    uint16_t abi_major;   /* == LSQM_ABI_MAJOR */
    uint16_t abi_minor;   /* the host's minor version */

    /* Writes one log line attributed to this plugin. `message` is UTF-8, borrowed. The host adds the
    ** plugin name, timestamp and stage, and redacts secrets. */
    void (*log)(lsqm_host *host, lsqm_log_level level, const char *message);

    /* Performs one HTTP request on the plugin's behalf.
    ** request_json:  {"method": "GET"|"POST"|..., "url": "https://…", "headers": {"name": "value"},
    **                 "body": "utf-8 text" | "body_base64": "…", "cache": true (default: GET is cached by ETag),
    **                 "timeout_seconds": 30}
    ** *response_json (host-owned, free with host_api->free):
    **                {"status": 200, "headers": {"lower-case-name": "value"}, "body": "…" | "body_base64": "…",
    **                 "from_cache": bool}
    ** The host injects credentials for hosts it knows and this plugin is granted (CAPABILITIES above; never
    ** exposing them to the plugin), honours rate limits and retry-after, retries 429/5xx with backoff, answers
    ** 304s from its ETag cache, and in --dry-run records the request and answers {"status": 0, "dry_run": true}.
    ** A request outside the plugin's capabilities is LSQM_ERROR with an error object saying why.
    ** Returns LSQM_OK when any HTTP response arrived (check "status"); LSQM_ERROR with *error_json when no
    ** response could be had (connection refused, budget exhausted, rate limit wait exceeded). */
    lsqm_status (*http_request)(lsqm_host *host, const char *request_json, char **response_json, char **error_json);

    /* Looks up a configuration value for this plugin instance by key ("token_budget", "orgs", …) from the
    ** deployment's config (environment overrides file). *value_json is a host-owned JSON value (free with
    ** host_api->free), or NULL when the key is not set. Returns LSQM_OK in both cases. */
    lsqm_status (*config_get)(lsqm_host *host, const char *key, char **value_json);

    /* A directory this plugin instance may use as a persistent cache (created by the host). Host-owned,
    ** valid until destroy() returns; do not free. */
    const char *(*cache_dir)(lsqm_host *host);

    /* Non-zero once the run is being cancelled (Ctrl-C, timeout). Long calls should poll it and return
    ** LSQM_CANCELLED promptly. */
    int32_t (*is_cancelled)(lsqm_host *host);

    /* Frees a buffer the host returned through an out parameter. NULL is allowed. */
    void (*free)(lsqm_host *host, void *buffer);

    /* --- fields added in later minor versions go here, at the end --- */
} lsqm_host_api;

/* ---------------------------------------------------------------------------------------------------------- */
/* Kind-specific function tables. Each starts with struct_size and grows only at the end.                     */
/* All calls: state is what create() returned; request_json is borrowed; *response_json and *error_json are   */
/* plugin-owned (free with descriptor->free_buffer).                                                          */
/* ---------------------------------------------------------------------------------------------------------- */

/* SOURCE — finds architectures.
**
** discover request_json:
**   {"known_source_urls": ["…"],   source URLs already indexed: skip them without downloading when you can
**    "known_hashes": ["sha256…"],  content hashes already indexed
**    "cursor": null | "…",         null on the first call; the previous response's next_cursor after that
**    "limit": 100,                 at most this many architectures per response
**    "dry_run": false}
** *response_json:
**   {"architectures": [
**      {"source_url": "https://… or file://…",   stable identity of where it came from
**       "name": "human name",
**       "kind": "terraform"|"cloudformation"|"sam"|"serverless"|null,  null: let the host detect it
**       "files": [{"path": "relative/path", "content": "utf-8"} | {"path": "…", "content_base64": "…"}],
**       "metadata": {…}}],                      free-form provenance (repo, commit, license, …)
**    "skipped": [{"source_url": "…", "reason": "…"}],   what was seen and deliberately not returned
**    "warnings": ["…"],
**    "next_cursor": null | "…",                 non-null: call again with this cursor for more
**    "already_known": 0}                       optional (ABI 1.x, added later): how many this page passed over
**                                              because their source_url was in known_source_urls
*/
typedef struct lsqm_source_functions {
    uint32_t struct_size;
    lsqm_status (*discover)(void *state, const char *request_json, char **response_json, char **error_json);
} lsqm_source_functions;

/* NORMALIZER — turns one architecture of a template kind into Terraform.
**
** `kinds` is a static comma-separated list of the kinds this normalizer accepts, e.g. "cloudformation,sam".
**
** normalize request_json:
**   {"kind": "sam", "name": "…", "source_url": "…",
**    "files": [{"path": "…", "content": "…"} | {"path": "…", "content_base64": "…"}]}
** *response_json:
**   {"files": [{"path": "main.tf", "content": "…"} | {"path": "lambda/x.zip", "content_base64": "…"}],
**    "normalization": {"status": "full"|"partial"|"needs_input"|"failed",
**                      "unsupported": [{"resource": "LogicalId", "type": "AWS::X::Y", "reason": "…"}],
**                      "warnings": ["…"],
**                      "inputs": [{"parameter": "KeyName", "value": "…"|null, "how": "…"}]}}
** "inputs" is optional (older normalizers leave it out): every value the normalizer invented for an input the
** template expects from its deployer, and (value null) what only the template's author can give. "needs_input"
** means such a value is missing: the host indexes the architecture with the reason and never deploys it.
** A template that cannot be translated at all is LSQM_OK with status "failed" and the reasons, not an error:
** an error is for the plugin itself failing.
*/
typedef struct lsqm_normalizer_functions {
    uint32_t struct_size;
    const char *kinds;
    lsqm_status (*normalize)(void *state, const char *request_json, char **response_json, char **error_json);
} lsqm_normalizer_functions;

/* NOTIFIER — tells people about a finished run.
**
** notify request_json (the run summary):
**   {"run_id": "…", "started_at": "ISO-8601", "finished_at": "…", "dry_run": false,
**    "counts": {"total": n, "passed": n, "partial": n, "failed": n, "timeout": n, "error": n},
**    "pass_rate": 0.0-1.0, "previous_pass_rate": null | 0.0-1.0,
**    "new_architectures": [{"arch": "hash", "name": "…", "source_url": "…"}],
**    "regressions": [{"arch": "hash", "name": "…", "source_url": "…", "services": ["s3"],
**                     "previous_run_id": "…", "status": "FAILED", "failed_step": "apply", "log_excerpt": "…",
**                     "ongoing": false,                   ongoing: reported in an earlier run and still open
**                     "checked": true,                    checked: false when this run could not check it (ERROR week)
**                     "signatures": ["test test_app.py::test_x: emulator sqs:SendMessage InternalError"]}],
**                                                         every open regression, not only new ones; one per architecture
**    "resolved": [{"arch": "hash", "name": "…", "opened_run_id": "…", "signatures": ["…"]}],
**                                                         architectures whose open regressions all passed again (optional)
**    "report_url": null | "…"}
** *response_json: {"delivered": true, "detail": "…"}   (may be left NULL on success)
*/
typedef struct lsqm_notifier_functions {
    uint32_t struct_size;
    lsqm_status (*notify)(void *state, const char *request_json, char **response_json, char **error_json);
} lsqm_notifier_functions;

/* ---------------------------------------------------------------------------------------------------------- */
/* The descriptor.                                                                                            */
/* ---------------------------------------------------------------------------------------------------------- */
typedef struct lsqm_plugin_descriptor {
    uint32_t magic;       /* LSQM_PLUGIN_MAGIC */
    uint16_t abi_major;   /* LSQM_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;   /* LSQM_ABI_MINOR the plugin was built against */
    uint32_t struct_size; /* sizeof(lsqm_plugin_descriptor) as the plugin was built */
    lsqm_plugin_kind kind;

    const char *name;        /* unique plugin name, [A-Za-z0-9_.-]+, static */
    const char *version;     /* the plugin's own version, e.g. "1.2.0", static */
    const char *description; /* one line for `lsqm plugins list`, static, may be NULL */

    /* Creates an instance. config_json is this instance's settings from the deployment config
    ** (an object, "{}" when none). On LSQM_OK, *state is the instance (may be NULL if the plugin keeps none).
    ** `api` and `host` stay valid until destroy(state) returns. */
    lsqm_status (*create)(const lsqm_host_api *api, lsqm_host *host, const char *config_json, void **state,
                          char **error_json);

    /* Destroys an instance created by create(). Called exactly once per successful create. */
    void (*destroy)(void *state);

    /* Frees a buffer this plugin returned through an out parameter. NULL is allowed. */
    void (*free_buffer)(char *buffer);

    /* The kind's function table: lsqm_source_functions, lsqm_normalizer_functions or
    ** lsqm_notifier_functions. Static; starts with its own struct_size. */
    const void *functions;

    /* --- fields added in later minor versions go here, at the end --- */
} lsqm_plugin_descriptor;

/* Sizes of the v1 structs: the minimum a host accepts. Never change these. */
#define LSQM_DESCRIPTOR_V1_SIZE (offsetof(lsqm_plugin_descriptor, functions) + sizeof(void *))
#define LSQM_HOST_API_V1_SIZE (offsetof(lsqm_host_api, free) + sizeof(void *))
#define LSQM_SOURCE_FUNCTIONS_V1_SIZE (offsetof(lsqm_source_functions, discover) + sizeof(void *))
#define LSQM_NORMALIZER_FUNCTIONS_V1_SIZE (offsetof(lsqm_normalizer_functions, normalize) + sizeof(void *))
#define LSQM_NOTIFIER_FUNCTIONS_V1_SIZE (offsetof(lsqm_notifier_functions, notify) + sizeof(void *))

/* The entry point's type. A plugin defines:
**     LSQM_EXPORT const lsqm_plugin_descriptor *lsqm_plugin_entry(void) { return &my_descriptor; }
*/
typedef const lsqm_plugin_descriptor *(*lsqm_plugin_entry_fn)(void);

#if defined(__GNUC__) || defined(__clang__)
#define LSQM_EXPORT __attribute__((visibility("default")))
#else
#define LSQM_EXPORT
#endif

#ifdef __cplusplus
}
#endif
#endif /* LSQM_PLUGIN_H */
