/* Opening and checking one plugin library. See plugin_lib.h. */
#include "controller/plugin/plugin_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controller/plugin/plugin_conf.h"

#define MAX_CONFIG_KEYS 256
#define MAX_ROW_SIZE 4096

void wp_plugin_error_set(wp_plugin_error *err, wp_plugin_error_code code, const char *instance,
                         const char *path, const char *fmt, ...)
{
    if (!err) return;
    err->code = code;
    int n = snprintf(err->message, sizeof err->message, "plugin %s (%s): ", instance, path);
    if (n < 0 || (size_t)n >= sizeof err->message) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
    va_end(ap);
}

const char *wp_plugin_kind_name(int kind)
{
    switch (kind) {
    case WP_PLUGIN_KIND_HOOK: return "hook";
    case WP_PLUGIN_KIND_RESOLVER: return "digest-resolver";
    case WP_PLUGIN_KIND_HISTORY: return "history-store";
    default: return "unknown";
    }
}

bool wp_plugin_kind_parse(const char *s, wp_plugin_kind *out)
{
    for (int k = WP_PLUGIN_KIND_HOOK; k <= WP_PLUGIN_KIND_HISTORY; k++) {
        if (strcmp(s, wp_plugin_kind_name(k)) == 0) {
            *out = (wp_plugin_kind)k;
            return true;
        }
    }
    return false;
}

const char *wp_plugin_config_type_name(int type)
{
    static const char *const names[] = {"string", "int", "bool", "duration", "size", "list", "map"};
    return type >= 0 && type <= WP_PLUGIN_CONFIG_MAP ? names[type] : "unknown";
}

/* ------------------------------------------------------------ the file */

static const char *file_type_name(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

/* Lowercase hex SHA-256 of the open file into hex[65]; 0 or -1. */
static int sha256_fd(int fd, char hex[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    off_t off = 0;
    while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
        EVP_DigestUpdate(md, buf, (size_t)n);
        off += n;
    }
    unsigned char sum[32];
    unsigned len = 0;
    int ok = n == 0 && EVP_DigestFinal_ex(md, sum, &len) && len == 32;
    EVP_MD_CTX_free(md);
    for (int i = 0; ok && i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    return ok ? 0 : -1;
}

/* The checks on the file itself; returns an open fd or -1 with err set. */
static int open_checked(const char *instance, const char *path, const char *pin, bool skip_perm,
                        wp_plugin_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not hang the controller's start-up. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_FILE, instance, path, "cannot open: %s",
                            strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    char detail[128] = "";
    if (fstat(fd, &st) != 0) {
        why = strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(detail, sizeof detail, "%s, not a regular file", file_type_name(st.st_mode));
        why = detail;
    } else if (!skip_perm && st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(detail, sizeof detail, "owned by uid %u, neither root nor this process (uid %u)",
                 (unsigned)st.st_uid, (unsigned)geteuid());
        why = detail;
    } else if (!skip_perm && (st.st_mode & (S_IWGRP | S_IWOTH))) {
        snprintf(detail, sizeof detail, "writable by group or others (mode %04o); chmod go-w it",
                 (unsigned)(st.st_mode & 07777));
        why = detail;
    } else {
        unsigned char magic[4] = {0};
        if (pread(fd, magic, 4, 0) != 4 || memcmp(magic, "\177ELF", 4) != 0) why = "not an ELF shared object";
    }
    if (!why && pin) {
        char hex[65];
        if (sha256_fd(fd, hex) != 0) {
            why = "cannot compute its SHA-256";
        } else if (strcmp(hex, pin) != 0) {
            snprintf(detail, sizeof detail, "SHA-256 is %.16s..., the configuration pins %.16s...",
                     hex, pin);
            why = detail;
        }
    }
    if (why) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_FILE, instance, path, "%s", why);
        close(fd);
        return -1;
    }
    return fd;
}

/* dlopen the path, then make sure the file mapped is the file we checked
 * and hashed (fd, still open, pins its inode). Not dlopen("/proc/self/fd/N"):
 * the loader recognises libraries by name, and fd numbers are reused, so a
 * second plugin would get the first one's handle. A path without '/' gets
 * "./" so the loader never searches its library path for it. */
static void *dlopen_checked(const char *instance, const char *path, int fd, wp_plugin_error *err)
{
    char local[4096];
    const char *load = path;
    if (!strchr(path, '/')) {
        snprintf(local, sizeof local, "./%s", path);
        load = local;
    }
    void *dl = dlopen(load, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        /* dlerror starts with the path; keep only the reason after it. */
        size_t n = strlen(load);
        if (e && strncmp(e, load, n) == 0 && e[n] == ':') e += n + 2;
        wp_plugin_error_set(err, WP_PLUGIN_ERR_LOAD, instance, path, "dlopen failed: %s", e ? e : "unknown error");
        return NULL;
    }
    struct stat checked, now;
    if (fstat(fd, &checked) != 0 || stat(load, &now) != 0 || checked.st_dev != now.st_dev ||
        checked.st_ino != now.st_ino) {
        dlclose(dl);
        wp_plugin_error_set(err, WP_PLUGIN_ERR_FILE, instance, path, "the file changed while it was being loaded");
        return NULL;
    }
    return dl;
}

/* ------------------------------------------------------------ the descriptor */

/* Bytes of the descriptor defined by ABI 1.<minor>. */
static size_t descriptor_size_for_minor(unsigned minor)
{
    return minor == 0 ? offsetof(wp_plugin_descriptor, health) : sizeof(wp_plugin_descriptor);
}

static bool valid_plugin_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

#define REFUSE(...)                                                                       \
    do {                                                                                  \
        wp_plugin_error_set(err, WP_PLUGIN_ERR_ABI, instance, lib->path, __VA_ARGS__);    \
        return false;                                                                     \
    } while (0)

static bool check_version(const char *instance, wp_plugin_lib *lib, const wp_plugin_descriptor *d,
                          wp_plugin_error *err)
{
    if (d->struct_size < 8) REFUSE("descriptor struct_size %u is too small to hold a version", d->struct_size);
    if (d->abi_major != WP_PLUGIN_ABI_MAJOR || d->abi_minor > WP_PLUGIN_ABI_MINOR)
        REFUSE("ABI %u.%u but this controller supports %d.0-%d.%d", d->abi_major, d->abi_minor,
               WP_PLUGIN_ABI_MAJOR, WP_PLUGIN_ABI_MAJOR, WP_PLUGIN_ABI_MINOR);
    size_t want = descriptor_size_for_minor(d->abi_minor);
    if (d->struct_size < want)
        REFUSE("descriptor struct_size %u is smaller than ABI %u.%u's (%zu bytes)", d->struct_size,
               d->abi_major, d->abi_minor, want);
    if (d->struct_size > sizeof(wp_plugin_descriptor))
        REFUSE("descriptor struct_size %u is larger than any ABI %d.x descriptor (at most %zu "
               "bytes) while declaring %u.%u",
               d->struct_size, WP_PLUGIN_ABI_MAJOR, sizeof(wp_plugin_descriptor), d->abi_major,
               d->abi_minor);
    return true;
}

/* Each kind's ops: present, large enough, its function set. */
static bool check_ops(const char *instance, wp_plugin_lib *lib, wp_plugin_error *err)
{
    const wp_plugin_descriptor *d = &lib->desc;
    const uint32_t *size = NULL;
    const void *fn = NULL;
    const char *member = NULL, *fn_name = NULL;
    size_t min = 0;
    switch (d->kind) {
    case WP_PLUGIN_KIND_HOOK:
        member = "hook", fn_name = "on_event", min = sizeof(wp_plugin_hook_ops);
        if (d->hook) size = &d->hook->struct_size, fn = (const void *)d->hook->on_event;
        break;
    case WP_PLUGIN_KIND_RESOLVER:
        member = "resolver", fn_name = "resolve", min = sizeof(wp_plugin_resolver_ops);
        if (d->resolver) size = &d->resolver->struct_size, fn = (const void *)d->resolver->resolve;
        break;
    case WP_PLUGIN_KIND_HISTORY:
        member = "history", fn_name = "append", min = sizeof(wp_plugin_history_ops);
        if (d->history) {
            size = &d->history->struct_size, fn = (const void *)d->history->append;
            if (fn && !d->history->query) fn = NULL, fn_name = "query";
        }
        break;
    default:
        REFUSE("unknown kind %d (expected 1 hook, 2 digest-resolver, 3 history-store)", d->kind);
    }
    if (!size) REFUSE("a %s plugin must set descriptor.%s", wp_plugin_kind_name(d->kind), member);
    if (*size < min || *size > MAX_ROW_SIZE)
        REFUSE("descriptor.%s struct_size %u is not a valid ABI %d.x size (at least %zu bytes)",
               member, *size, WP_PLUGIN_ABI_MAJOR, min);
    if (!fn) REFUSE("descriptor.%s->%s is NULL", member, fn_name);
    return true;
}

static bool check_descriptor(const char *instance, wp_plugin_lib *lib, const wp_plugin_descriptor *d,
                             wp_plugin_error *err)
{
    if (!check_version(instance, lib, d, err)) return false;
    memcpy(&lib->desc, d, d->struct_size); /* the rest stays zero: absent */
    d = &lib->desc;
    if (!d->name || !valid_plugin_name(d->name))
        REFUSE("descriptor name %s%s%s is not 1-63 of [a-z0-9-]", d->name ? "\"" : "",
               d->name ? d->name : "(NULL)", d->name ? "\"" : "");
    if (!d->create || !d->destroy)
        REFUSE("descriptor has no %s (required)", d->create ? "destroy" : "create");
    if (d->flags & ~(WP_PLUGIN_FLAG_THREAD_SAFE | WP_PLUGIN_FLAG_NO_UNLOAD))
        REFUSE("descriptor flags 0x%x include bits this controller does not know", d->flags);
    return check_ops(instance, lib, err);
}

/* Copies the key rows (reading min(row size, ours) of each) and checks them. */
static bool copy_keys(const char *instance, wp_plugin_lib *lib, wp_plugin_error *err)
{
    const wp_plugin_descriptor *d = &lib->desc;
    if (d->n_config_keys == 0) return true;
    if (d->n_config_keys > MAX_CONFIG_KEYS)
        REFUSE("descriptor declares %u config keys (at most %d)", d->n_config_keys, MAX_CONFIG_KEYS);
    if (!d->config_keys) REFUSE("descriptor declares %u config keys but config_keys is NULL", d->n_config_keys);
    if (d->config_key_size < sizeof(wp_plugin_config_key) || d->config_key_size > MAX_ROW_SIZE)
        REFUSE("config_key_size %u is not a valid ABI %d.x row size (at least %zu bytes)",
               d->config_key_size, WP_PLUGIN_ABI_MAJOR, sizeof(wp_plugin_config_key));
    lib->keys = calloc(d->n_config_keys, sizeof *lib->keys);
    if (!lib->keys) REFUSE("out of memory");
    lib->n_keys = d->n_config_keys;
    const char *row = (const char *)d->config_keys;
    for (size_t i = 0; i < lib->n_keys; i++, row += d->config_key_size)
        memcpy(&lib->keys[i], row, sizeof(wp_plugin_config_key));
    char why[256];
    if (wp_plugin_conf_check_keys(lib->keys, lib->n_keys, why, sizeof why) != 0) REFUSE("%s", why);
    return true;
}

wp_plugin_lib *wp_plugin_lib_open(const char *instance, const char *path, const char *sha256_pin,
                                  bool skip_file_checks, wp_plugin_error *err)
{
    int fd = open_checked(instance, path, sha256_pin, skip_file_checks, err);
    if (fd < 0) return NULL;
    wp_plugin_lib *lib = calloc(1, sizeof *lib);
    if (!lib || !(lib->path = strdup(path))) {
        free(lib);
        close(fd);
        wp_plugin_error_set(err, WP_PLUGIN_ERR_LOAD, instance, path, "out of memory");
        return NULL;
    }
    lib->dl = dlopen_checked(instance, path, fd, err);
    close(fd);
    if (!lib->dl) goto fail;
    wp_plugin_entry_fn entry;
    *(void **)&entry = dlsym(lib->dl, WP_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_LOAD, instance, path,
                            "no entry point %s in the library (export it with WP_PLUGIN_EXPORT)",
                            WP_PLUGIN_ENTRY_SYMBOL);
        goto fail;
    }
    const wp_plugin_descriptor *d = entry(WP_PLUGIN_ABI_MAJOR, WP_PLUGIN_ABI_MINOR);
    if (!d) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_ABI, instance, path,
                            "%s returned NULL (the plugin refused to load)", WP_PLUGIN_ENTRY_SYMBOL);
        goto fail;
    }
    if (!check_descriptor(instance, lib, d, err) || !copy_keys(instance, lib, err)) goto fail;
    return lib;
fail:
    wp_plugin_lib_close(lib, true);
    return NULL;
}

void wp_plugin_lib_close(wp_plugin_lib *lib, bool unload)
{
    if (!lib) return;
    if (lib->dl && unload && !(lib->desc.flags & WP_PLUGIN_FLAG_NO_UNLOAD)) dlclose(lib->dl);
    free(lib->keys);
    free(lib->path);
    free(lib);
}
