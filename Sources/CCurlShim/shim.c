#include "CCurlShim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* libcurl's functions, bound by load(). The setopt and getinfo pointers stay variadic. */
static struct {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_multi_init) *multi_init;
    __typeof__(curl_multi_setopt) *multi_setopt;
    __typeof__(curl_multi_add_handle) *multi_add_handle;
    __typeof__(curl_multi_remove_handle) *multi_remove_handle;
    __typeof__(curl_multi_perform) *multi_perform;
    __typeof__(curl_multi_poll) *multi_poll;
    __typeof__(curl_multi_wakeup) *multi_wakeup;
    __typeof__(curl_multi_info_read) *multi_info_read;
    __typeof__(curl_multi_strerror) *multi_strerror;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_failure[512];
static const char *load_error = "libcurl was not loaded";

static void load(void) {
    const char *install = "install Debian's libcurl4 (apt-get install libcurl4)";
    void *library = dlopen(CCURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(load_failure, sizeof load_failure, "libcurl could not be loaded (%s); %s",
                 why ? why : CCURL_LIBRARY, install);
        load_error = load_failure;
        return;
    }
#define BIND(field, symbol)                                                                        \
    if ((*(void **)&curl.field = dlsym(library, #symbol)) == NULL) {                              \
        snprintf(load_failure, sizeof load_failure, "%s has no %s; %s", CCURL_LIBRARY, #symbol,   \
                 install);                                                                         \
        load_error = load_failure;                                                                 \
        return;                                                                                    \
    }
    BIND(global_init, curl_global_init)
    BIND(easy_init, curl_easy_init)
    BIND(easy_cleanup, curl_easy_cleanup)
    BIND(easy_strerror, curl_easy_strerror)
    BIND(easy_setopt, curl_easy_setopt)
    BIND(easy_getinfo, curl_easy_getinfo)
    BIND(multi_init, curl_multi_init)
    BIND(multi_setopt, curl_multi_setopt)
    BIND(multi_add_handle, curl_multi_add_handle)
    BIND(multi_remove_handle, curl_multi_remove_handle)
    BIND(multi_perform, curl_multi_perform)
    BIND(multi_poll, curl_multi_poll)
    BIND(multi_wakeup, curl_multi_wakeup)
    BIND(multi_info_read, curl_multi_info_read)
    BIND(multi_strerror, curl_multi_strerror)
    BIND(slist_append, curl_slist_append)
    BIND(slist_free_all, curl_slist_free_all)
#undef BIND
    CURLcode code = curl.global_init(CURL_GLOBAL_ALL);
    if (code != CURLE_OK) {
        snprintf(load_failure, sizeof load_failure, "libcurl did not initialise: %s",
                 curl.easy_strerror(code));
        load_error = load_failure;
        return;
    }
    load_error = NULL;
}

const char *ccurl_load(void) {
    pthread_once(&load_once, load);
    return load_error;
}

CURL *ccurl_easy_init(void) { return curl.easy_init(); }
void ccurl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
const char *ccurl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_data_fn(CURL *handle, CURLoption option, ccurl_data_fn value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_size(CURL *handle, CURLoption option, curl_off_t value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl.easy_getinfo(handle, info, value);
}
CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl.easy_getinfo(handle, info, value);
}

CURLM *ccurl_multi_init(void) { return curl.multi_init(); }
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl.multi_setopt(multi, option, value);
}
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *handle) { return curl.multi_add_handle(multi, handle); }
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *handle) { return curl.multi_remove_handle(multi, handle); }
CURLMcode ccurl_multi_perform(CURLM *multi, int *running) { return curl.multi_perform(multi, running); }
CURLMcode ccurl_multi_poll(CURLM *multi, int timeout_ms) {
    return curl.multi_poll(multi, NULL, 0, timeout_ms, NULL);
}
CURLMcode ccurl_multi_wakeup(CURLM *multi) { return curl.multi_wakeup(multi); }
CURLMsg *ccurl_multi_info_read(CURLM *multi, int *left) { return curl.multi_info_read(multi, left); }
const char *ccurl_multi_strerror(CURLMcode code) { return curl.multi_strerror(code); }

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *line) {
    return curl.slist_append(list, line);
}
void ccurl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURL *ccurl_done_handle(CURLMsg *message, CURLcode *result) {
    if (message == NULL || message->msg != CURLMSG_DONE) return NULL;
    *result = message->data.result;
    return message->easy_handle;
}
