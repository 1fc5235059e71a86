#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
/* Debian's libcurl4-openssl-dev, found through pkg-config libcurl. */
#include <curl/curl.h>
#endif
