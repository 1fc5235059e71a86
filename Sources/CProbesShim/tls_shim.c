#include "CProbesTLS.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// See CProbesTLS.h: these wrap OpenSSL macros (SSL_set_tlsext_host_name, BIO_get_mem_data,
// BIO_set_retry_*, sk_GENERAL_NAME_*) and the GENERAL_NAME union, which Swift cannot use directly.

int cprobes_ssl_set_sni(struct ssl_st *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// MARK: Socket BIO without SIGPIPE

static BIO_METHOD *nosig_method = NULL;
static pthread_once_t nosig_once = PTHREAD_ONCE_INIT;

static int nosig_fd(BIO *b) {
    return (int)(intptr_t)BIO_get_data(b);
}

static int nosig_write(BIO *b, const char *buf, int len) {
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0;
    ssize_t n;
    do {
        n = send(nosig_fd(b), buf, (size_t)len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
    return (int)n;
}

static int nosig_read(BIO *b, char *buf, int len) {
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0;
    ssize_t n;
    do {
        n = recv(nosig_fd(b), buf, (size_t)len, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(b);
    return (int)n;
}

static int nosig_puts(BIO *b, const char *str) {
    return nosig_write(b, str, (int)strlen(str));
}

static long nosig_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b; (void)num; (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    default:
        return 0;
    }
}

static int nosig_create(BIO *b) {
    BIO_set_data(b, (void *)(intptr_t)-1);
    return 1;
}

static int nosig_destroy(BIO *b) {
    // The descriptor belongs to the Swift caller; never close it here.
    BIO_set_data(b, NULL);
    BIO_set_init(b, 0);
    return 1;
}

static void nosig_init(void) {
    int index = BIO_get_new_index();
    if (index == -1) return;
    BIO_METHOD *m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "cprobes socket");
    if (m == NULL) return;
    if (!BIO_meth_set_write(m, nosig_write) || !BIO_meth_set_read(m, nosig_read) ||
        !BIO_meth_set_puts(m, nosig_puts) || !BIO_meth_set_ctrl(m, nosig_ctrl) ||
        !BIO_meth_set_create(m, nosig_create) || !BIO_meth_set_destroy(m, nosig_destroy)) {
        BIO_meth_free(m);
        return;
    }
    // Kept for the life of the process (one per process, shared by all connections).
    nosig_method = m;
}

int cprobes_ssl_attach_socket(struct ssl_st *ssl, int fd) {
    pthread_once(&nosig_once, nosig_init);
    if (nosig_method == NULL) return 0;
    BIO *b = BIO_new(nosig_method);
    if (b == NULL) return 0;
    BIO_set_data(b, (void *)(intptr_t)fd);
    BIO_set_init(b, 1);
    SSL_set_bio(ssl, b, b); // one reference, owned by ssl for both directions
    return 1;
}

// MARK: Certificate details

/// Copies `len` bytes of `src` into `buf` (NUL-terminated, truncated to cap) and returns len.
static long copy_out(const char *src, size_t len, char *buf, size_t cap) {
    if (cap > 0) {
        size_t n = len < cap - 1 ? len : cap - 1;
        if (n > 0) memcpy(buf, src, n);
        buf[n] = '\0';
    }
    return (long)len;
}

long cprobes_x509_name(struct x509_st *cert, int which, char *buf, size_t cap) {
    X509_NAME *name = which == 0 ? X509_get_subject_name(cert) : X509_get_issuer_name(cert);
    if (name == NULL) return -1;
    BIO *mem = BIO_new(BIO_s_mem());
    if (mem == NULL) return -1;
    long result = -1;
    if (X509_NAME_print_ex(mem, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *data = NULL;
        long len = BIO_get_mem_data(mem, &data);
        if (len >= 0) result = copy_out(data ? data : "", (size_t)len, buf, cap);
    }
    BIO_free(mem);
    return result;
}

long cprobes_x509_sans(struct x509_st *cert, char *buf, size_t cap) {
    if (cap > 0) buf[0] = '\0';
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) return 0;
    BIO *mem = BIO_new(BIO_s_mem());
    if (mem == NULL) {
        GENERAL_NAMES_free(names);
        return -1;
    }
    int count = sk_GENERAL_NAME_num(names);
    for (int i = 0; i < count; i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        if (gn == NULL) continue;
        if (gn->type == GEN_DNS) {
            const ASN1_IA5STRING *s = gn->d.dNSName;
            BIO_puts(mem, "DNS:");
            BIO_write(mem, ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
            BIO_puts(mem, "\n");
        } else if (gn->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = gn->d.iPAddress;
            const unsigned char *bytes = ASN1_STRING_get0_data(s);
            int len = ASN1_STRING_length(s);
            char text[INET6_ADDRSTRLEN] = {0};
            int ok = 0;
            if (len == 4) ok = inet_ntop(AF_INET, bytes, text, sizeof text) != NULL;
            else if (len == 16) ok = inet_ntop(AF_INET6, bytes, text, sizeof text) != NULL;
            if (ok) {
                BIO_puts(mem, "IP:");
                BIO_puts(mem, text);
                BIO_puts(mem, "\n");
            }
        }
    }
    GENERAL_NAMES_free(names);
    char *data = NULL;
    long len = BIO_get_mem_data(mem, &data);
    long result = len >= 0 ? copy_out(data ? data : "", (size_t)len, buf, cap) : -1;
    BIO_free(mem);
    return result;
}

static int asn1_epoch(const ASN1_TIME *t, int64_t *out) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    *out = (int64_t)timegm(&tm);
    return 1;
}

int cprobes_x509_validity(struct x509_st *cert, int64_t *not_before, int64_t *not_after) {
    return asn1_epoch(X509_get0_notBefore(cert), not_before) && asn1_epoch(X509_get0_notAfter(cert), not_after);
}
