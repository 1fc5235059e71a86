#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
/* OpenSSL 3 from Debian's libssl-dev. AWSKit calls the one-shot SHA256() and
 * HMAC(EVP_sha256(), ...) of libcrypto; Probes' TLS probe calls libssl and the X.509
 * functions, with the macros it needs wrapped in CProbesShim. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/err.h>
#endif
