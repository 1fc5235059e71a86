#ifndef CPROBES_TLS_H
#define CPROBES_TLS_H

#include <stddef.h>
#include <stdint.h>

// Wrappers for OpenSSL functionality that Swift cannot call directly: SSL_set_tlsext_host_name,
// BIO_get_mem_data, BIO_set_retry_* and the sk_GENERAL_NAME_* accessors are C macros, and
// GENERAL_NAME is a tagged union. The types are forward-declared so that this header (part of the
// CProbesShim umbrella) does not pull OpenSSL into every importer; Swift sees them as OpaquePointer,
// the same type it uses for SSL * and X509 * from COpenSSL.

struct ssl_st;
struct x509_st;

/// SSL_set_tlsext_host_name (a macro around SSL_ctrl). Returns 1 on success.
int cprobes_ssl_set_sni(struct ssl_st *ssl, const char *name);

/// Attaches `fd` (a connected non-blocking socket) to `ssl` through a BIO that sends with MSG_NOSIGNAL,
/// so a peer reset cannot raise SIGPIPE (OpenSSL's socket BIO uses write()). The BIO never closes `fd`;
/// it is owned by `ssl` and freed by SSL_free. Returns 1 on success, 0 on allocation failure.
int cprobes_ssl_attach_socket(struct ssl_st *ssl, int fd);

/// Writes the subject (which == 0) or issuer (which != 0) of `cert` in RFC 2253 form into `buf`
/// (NUL-terminated, truncated to `cap`). Returns the full length (excluding NUL), or -1 on failure,
/// so callers can retry with a larger buffer when the result is >= cap.
long cprobes_x509_name(struct x509_st *cert, int which, char *buf, size_t cap);

/// Writes the DNS and IP subject alternative names of `cert` into `buf` as lines "DNS:<name>\n" and
/// "IP:<address>\n" (NUL-terminated, truncated to `cap`). Returns the full length as above; 0 if none.
long cprobes_x509_sans(struct x509_st *cert, char *buf, size_t cap);

/// notBefore and notAfter of `cert` as seconds since the Unix epoch (UTC). Returns 1 on success.
int cprobes_x509_validity(struct x509_st *cert, int64_t *not_before, int64_t *not_after);

#endif
