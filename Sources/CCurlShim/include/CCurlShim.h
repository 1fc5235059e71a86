#ifndef CCURLSHIM_H
#define CCURLSHIM_H

/*
 * curl_easy_setopt and curl_multi_setopt are variadic, which Swift cannot call; these
 * wrappers give each argument type its own function. curl_easy_getinfo likewise.
 */

#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*ccurl_data_fn)(char *data, size_t size, size_t count, void *context);

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_data_fn(CURL *handle, CURLoption option, ccurl_data_fn value);
CURLcode ccurl_easy_setopt_size(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/* The finished transfer of a CURLMSG_DONE message, or NULL for other messages. */
CURL *ccurl_done_handle(CURLMsg *message, CURLcode *result);

#endif
