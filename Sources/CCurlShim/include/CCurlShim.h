#ifndef CCURLSHIM_H
#define CCURLSHIM_H

/*
 * libcurl, loaded on first use. The binary does not link libcurl: a run that makes no HTTP
 * request never maps it, nor the thirty libraries it brings (nghttp2, ssh, LDAP, Kerberos,
 * GnuTLS...), which cost a third of a trivial run's start. ccurl_load() opens Debian's
 * runtime library (libcurl.so.4, package libcurl4) once and binds the functions below;
 * every other ccurl_ function may be called only after it succeeded.
 *
 * curl.h (from libcurl4-openssl-dev) gives the types and constants only: call curl through
 * these wrappers, never its own names, which would not link. The setopt and getinfo wrappers
 * also give each argument type its own function, as Swift cannot call variadic functions.
 */

#include <curl/curl.h>
#include <stddef.h>

/* The file name ccurl_load opens: the soname of Debian's libcurl4. */
#define CCURL_LIBRARY "libcurl.so.4"

/*
 * Opens libcurl, binds its functions and runs curl_global_init, once per process; safe from
 * any thread. NULL when libcurl is ready, else why it is not (the same text on every call).
 */
const char *ccurl_load(void);

typedef size_t (*ccurl_data_fn)(char *data, size_t size, size_t count, void *context);

CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_data_fn(CURL *handle, CURLoption option, ccurl_data_fn value);
CURLcode ccurl_easy_setopt_size(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLM *ccurl_multi_init(void);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMcode ccurl_multi_perform(CURLM *multi, int *running);
CURLMcode ccurl_multi_poll(CURLM *multi, int timeout_ms);
CURLMcode ccurl_multi_wakeup(CURLM *multi);
CURLMsg *ccurl_multi_info_read(CURLM *multi, int *left);
const char *ccurl_multi_strerror(CURLMcode code);

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *line);
void ccurl_slist_free_all(struct curl_slist *list);

/* The finished transfer of a CURLMSG_DONE message, or NULL for other messages. */
CURL *ccurl_done_handle(CURLMsg *message, CURLcode *result);

#endif
