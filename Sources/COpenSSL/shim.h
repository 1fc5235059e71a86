#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
/* OpenSSL 3's libcrypto from Debian's libssl-dev. AWSKit calls only the one-shot
 * SHA256() and HMAC(EVP_sha256(), ...) functions, which import into Swift as they are. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#endif
