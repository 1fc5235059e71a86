"""SigV4 verification of a received request, shared by the loopback test servers.

Used by kafka_test_server.py (the MSK stand-in) and sigv4_proxy.py (the signature-checking
proxy in front of moto). botocore recomputes the signature; this module only rebuilds the
request as the client held it when it signed, with the headers the client listed.

    result = verify(method, target, headers, body, keys, max_skew)
    if not result.ok:
        print(result.code, result.message)

Header form (Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...)
and presigned query form (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
X-Amz-SignedHeaders, X-Amz-Signature) are both checked. The Date header in place of
X-Amz-Date, chunked (aws-chunked) payload signing and SigV4a are not supported: they fail.
"""
import datetime
import hashlib
import hmac
import re
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

# The error codes AWS gives for each kind of failure.
MISSING = "MissingAuthenticationToken"      # no Authorization header and no presigned query
INCOMPLETE = "IncompleteSignature"          # the signature's parts are malformed or missing
MISMATCH = "SignatureDoesNotMatch"          # well formed, but not what the key signs; expired
UNKNOWN_KEY = "InvalidClientTokenId"        # an access key id or session token we do not know

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
UNRESERVED = "-_.~"
AUTH_RE = re.compile(r"^(\S+)\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=(\S+)$")
PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600


class Result:
    """What verify() found: ok, or an AWS error code and message; and, when the credential
    scope could be read, the access key id, region and service it names."""

    def __init__(self, ok, code=None, message=None, akid=None, region=None, service=None, form=None):
        self.ok = ok
        self.code = code
        self.message = message
        self.akid = akid
        self.region = region
        self.service = service
        self.form = form  # "header", "query" or None

    def __repr__(self):
        return "Result(ok=%r, code=%r, service=%r, region=%r)" % (self.ok, self.code, self.service, self.region)


class _Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class ReceivedRequestSigner(SigV4Auth):
    """botocore's SigV4Auth, except that the headers to sign are the ones the client
    listed in SignedHeaders. botocore, when signing, picks every header except a blacklist
    (user-agent, expect, ...). A server must use the client's list instead. For S3 the
    path is used as sent (single encoding) and the payload may be UNSIGNED-PAYLOAD."""

    def __init__(self, credentials, service, region, signed_names, payload_hash):
        super().__init__(credentials, service, region)
        self._signed_names = set(signed_names)
        self._payload_hash = payload_hash

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._signed_names:
                header_map[name.lower()] = value
        return header_map

    def payload(self, request):
        return self._payload_hash

    def _normalize_url_path(self, path):
        if self._service_name == "s3":
            return path  # S3 signs the path as sent, neither normalised nor encoded again
        return super()._normalize_url_path(path)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_key(text):
    """'AKID:SECRET' or 'AKID:SECRET:TOKEN' -> (akid, (secret, token or None)); ValueError otherwise."""
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError("expected AKID:SECRET or AKID:SECRET:TOKEN, got %r" % text)
    return parts[0], (parts[1], parts[2] if len(parts) == 3 else None)


def verify(method, target, headers, body, keys, max_skew, service=None, now=None):
    """Check the SigV4 signature of a received request.

    method: HTTP method; target: the request target exactly as received (percent-encoded
    path plus ?query); headers: list of (name, value) as received; body: bytes;
    keys: {akid: (secret, token or None)}; max_skew: seconds X-Amz-Date may be from now
    (0 turns the check off); service: the only signing name accepted, or None for any.
    Returns a Result. Secrets never appear in its message.
    """
    lower = {}
    for name, value in headers:
        lower.setdefault(name.lower(), []).append(value)
    path, _, raw_query = target.partition("?")
    params = _query_pairs(raw_query)
    result = Result(False)
    try:
        auth_values = lower.get("authorization", [])
        if auth_values:
            result.form = "header"
            _verify_header_form(method, target, path, raw_query, lower, headers, body, keys, max_skew, service,
                                now, auth_values, result)
        elif any(k == "X-Amz-Signature" for k, _ in params):
            result.form = "query"
            _verify_query_form(method, path, raw_query, params, lower, headers, body, keys, max_skew, service,
                               now, result)
        else:
            raise _Failure(MISSING, "Missing Authentication Token: the request has no Authorization header "
                                    "and no X-Amz-Signature query parameter.")
        result.ok = True
    except _Failure as failure:
        message = failure.message
        for secret, _ in keys.values():
            message = message.replace(secret, "<redacted>")
        result.code, result.message = failure.code, message
    return result


def _query_pairs(raw_query):
    """[(decoded name, decoded value)] in wire order; '+' is a literal plus (RFC 3986)."""
    pairs = []
    for pair in raw_query.split("&") if raw_query else []:
        if pair:
            k, _, v = pair.partition("=")
            pairs.append((unquote(k), unquote(v)))
    return pairs


def _read_scope(credential, keys, service, result):
    scope = credential.split("/")
    if len(scope) != 5:
        raise _Failure(INCOMPLETE, "Credential must be <akid>/<yyyymmdd>/<region>/<service>/aws4_request, got %r."
                       % credential)
    akid, scope_date, region, scope_service, terminator = scope
    result.akid, result.region, result.service = akid, region, scope_service
    if akid not in keys:
        raise _Failure(UNKNOWN_KEY, "The security token included in the request is invalid: access key id %r is "
                                    "unknown." % akid)
    if service is not None and scope_service != service:
        raise _Failure(MISMATCH, "Credential should be scoped to correct service: %r, not %r." % (service, scope_service))
    if terminator != "aws4_request":
        raise _Failure(INCOMPLETE, "Credential should be scoped with a valid terminator: 'aws4_request', not %r."
                       % terminator)
    return akid, scope_date, region, scope_service


def _read_date(amz_date, scope_date):
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise _Failure(INCOMPLETE, "X-Amz-Date %r is not in the form YYYYMMDD'T'HHMMSS'Z'." % amz_date)
    if scope_date != amz_date[:8]:
        raise _Failure(MISMATCH, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                                 "from HTTP: %r != %r, from %r." % (scope_date, amz_date[:8], amz_date))
    return when


def _check_signed_names(signed_headers, lower, need_date):
    names = signed_headers.split(";")
    if names != sorted(set(n.lower() for n in names)):
        raise _Failure(INCOMPLETE, "SignedHeaders %r must be lowercase, sorted and without duplicates." % signed_headers)
    if "host" not in names:
        raise _Failure(INCOMPLETE, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if need_date and "x-amz-date" not in names:
        raise _Failure(INCOMPLETE, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization when it is sent.")
    missing = [n for n in names if n not in lower]
    if missing:
        raise _Failure(INCOMPLETE, "Signed header(s) %s are not present in the request." % ", ".join(missing))
    return names


def _check_canonical_query(raw_query):
    # AWS builds the canonical query string from the decoded parameters, re-encoded with
    # only A-Za-z0-9-_.~ left bare (space is %20, never +). botocore, when it signs, takes
    # the query from the URL as is. So it agrees with AWS only if the wire query is already
    # in that form. Reject any other query, so that what passes here also passes at AWS.
    if raw_query:
        for pair in raw_query.split("&"):
            for part in pair.partition("=")[::2]:
                if quote(unquote(part), safe=UNRESERVED) != part:
                    raise _Failure(MISMATCH, (
                        "Query string %r is not canonically encoded (%r should be %r). Send the query exactly as "
                        "it is signed: RFC 3986 percent-encoding, uppercase hex, %%20 for space."
                        % (raw_query, part, quote(unquote(part), safe=UNRESERVED))))


def _payload_hash(lower, body, service, presigned):
    body_hash = hashlib.sha256(body).hexdigest()
    content_sha = lower.get("x-amz-content-sha256")
    if content_sha:
        if len(content_sha) != 1:
            raise _Failure(INCOMPLETE, "The request carries more than one X-Amz-Content-SHA256 header.")
        if content_sha[0] == UNSIGNED_PAYLOAD and service == "s3":
            return UNSIGNED_PAYLOAD
        if content_sha[0] != body_hash:
            raise _Failure(MISMATCH, "X-Amz-Content-SHA256 %r does not match the SHA-256 of the body received (%s)."
                           % (content_sha[0], body_hash))
        return body_hash
    if presigned and service == "s3":
        return UNSIGNED_PAYLOAD
    return body_hash


def _compare(method, host, signing_target, headers, names, body, akid, secret, token, region, service,
             amz_date, payload_hash, signature, signed_headers):
    # Rebuild the request as botocore's own client holds it when it signs: the URL path is
    # the percent-encoded path exactly as sent. SigV4Auth then encodes it a second time for
    # the canonical URI itself (%3A -> %253A), which is the double encoding AWS expects for
    # every service but S3. So the received path must not be decoded first.
    request = AWSRequest(method=method, url="http://" + host + signing_target, data=body)
    for name, value in headers:
        if name.lower() in names:
            request.headers[name] = value  # HTTPHeaders appends, so repeated headers stay repeated
    request.context["timestamp"] = amz_date
    signer = ReceivedRequestSigner(Credentials(akid, secret, token), service, region, names, payload_hash)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    expected = signer.signature(string_to_sign, request)
    if hmac.compare_digest(expected, signature):
        return
    # The same wording AWS uses, with the canonical request and string to sign it expected.
    raise _Failure(MISMATCH, (
        "The request signature we calculated does not match the signature you provided. Check your AWS "
        "Secret Access Key and signing method. Consult the service documentation for details.\n\n"
        "The Canonical String for this request should have been\n'%s'\n\n"
        "The String-to-Sign should have been\n'%s'\n\n"
        "Canonical request SHA-256: %s. SignedHeaders: %s. Region from the credential scope: %s."
        % (canonical, string_to_sign, hashlib.sha256(canonical.encode()).hexdigest(), signed_headers, region)))


def _check_skew(when, amz_date, max_skew, now):
    if max_skew > 0:
        now = now or now_utc()
        if abs((now - when).total_seconds()) > max_skew:
            raise _Failure(MISMATCH, (
                "Signature expired or not yet valid: X-Amz-Date %s is more than %d seconds away from the server "
                "time %s (is the client using local time instead of UTC?)."
                % (amz_date, max_skew, now.strftime("%Y%m%dT%H%M%SZ"))))


def _verify_header_form(method, target, path, raw_query, lower, headers, body, keys, max_skew, service, now,
                        auth_values, result):
    if len(auth_values) > 1:
        raise _Failure(INCOMPLETE, "The request has more than one Authorization header.")
    m = AUTH_RE.match(auth_values[0].strip())
    if not m:
        raise _Failure(INCOMPLETE, (
            "Authorization header is malformed; expected 'AWS4-HMAC-SHA256 Credential=<akid>/<date>/<region>/"
            "<service>/aws4_request, SignedHeaders=<h1;h2>, Signature=<64 hex>'."))
    algorithm, credential, signed_headers, signature = m.groups()
    if algorithm != "AWS4-HMAC-SHA256":
        raise _Failure(INCOMPLETE, "Unsupported signing algorithm %r; expected AWS4-HMAC-SHA256." % algorithm)
    if not re.fullmatch(r"[0-9a-f]{64}", signature):
        raise _Failure(INCOMPLETE, "Signature must be 64 lowercase hex characters.")
    akid, scope_date, region, scope_service = _read_scope(credential, keys, service, result)

    amz_dates = lower.get("x-amz-date", [])
    if len(amz_dates) != 1:
        raise _Failure(INCOMPLETE, "The request must carry exactly one X-Amz-Date header (the Date header is not "
                                   "supported here).")
    amz_date = amz_dates[0].strip()
    when = _read_date(amz_date, scope_date)
    _check_skew(when, amz_date, max_skew, now)

    names = _check_signed_names(signed_headers, lower, need_date=True)
    secret, wanted_token = keys[akid]
    tokens = lower.get("x-amz-security-token", [])
    if tokens and "x-amz-security-token" not in names:
        raise _Failure(INCOMPLETE, "X-Amz-Security-Token is present but not listed in SignedHeaders.")
    if wanted_token is not None and tokens != [wanted_token]:
        raise _Failure(UNKNOWN_KEY, "The security token included in the request is invalid: access key id %r "
                                    "needs its session token in X-Amz-Security-Token." % akid)
    payload_hash = _payload_hash(lower, body, scope_service, presigned=False)
    _check_canonical_query(raw_query)
    _compare(method, lower["host"][0], target, headers, names, body, akid, secret, tokens[0] if tokens else None,
             region, scope_service, amz_date, payload_hash, signature, signed_headers)


def _verify_query_form(method, path, raw_query, params, lower, headers, body, keys, max_skew, service, now, result):
    values = {}
    for name, value in params:
        if name.startswith("X-Amz-"):
            if name in values:
                raise _Failure(INCOMPLETE, "Query parameter %s appears more than once." % name)
            values[name] = value
    missing = [p for p in PRESIGN_PARAMS if p not in values]
    if missing:
        raise _Failure(INCOMPLETE, "AWS query-string parameters missing: %s." % ", ".join(missing))
    if values["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise _Failure(INCOMPLETE, "Unsupported X-Amz-Algorithm %r; expected AWS4-HMAC-SHA256."
                       % values["X-Amz-Algorithm"])
    signature = values["X-Amz-Signature"]
    if not re.fullmatch(r"[0-9a-f]{64}", signature):
        raise _Failure(INCOMPLETE, "X-Amz-Signature must be 64 lowercase hex characters.")
    akid, scope_date, region, scope_service = _read_scope(values["X-Amz-Credential"], keys, service, result)
    amz_date = values["X-Amz-Date"]
    when = _read_date(amz_date, scope_date)
    now = now or now_utc()
    if max_skew > 0 and (when - now).total_seconds() > max_skew:
        raise _Failure(MISMATCH, "Request is not yet valid: X-Amz-Date %s is more than %d seconds after the server "
                                 "time %s." % (amz_date, max_skew, now.strftime("%Y%m%dT%H%M%SZ")))
    expires = values.get("X-Amz-Expires")
    if expires is not None:
        if not expires.isdigit() or not 1 <= int(expires) <= MAX_PRESIGN_EXPIRES:
            raise _Failure(INCOMPLETE, "X-Amz-Expires must be a whole number of seconds from 1 to %d, not %r."
                           % (MAX_PRESIGN_EXPIRES, expires))
        if (now - when).total_seconds() > int(expires):
            raise _Failure(MISMATCH, "Request has expired: signed at %s for %s seconds; the server time is %s."
                           % (amz_date, expires, now.strftime("%Y%m%dT%H%M%SZ")))

    names = _check_signed_names(values["X-Amz-SignedHeaders"], lower, need_date=False)
    secret, wanted_token = keys[akid]
    token = values.get("X-Amz-Security-Token")
    if wanted_token is not None and token != wanted_token:
        raise _Failure(UNKNOWN_KEY, "The security token included in the request is invalid: access key id %r "
                                    "needs its session token in X-Amz-Security-Token." % akid)
    payload_hash = _payload_hash(lower, body, scope_service, presigned=True)
    _check_canonical_query(raw_query)
    # Every query parameter is signed except X-Amz-Signature itself.
    signed_query = "&".join(p for p in raw_query.split("&") if p and not p.startswith("X-Amz-Signature="))
    signing_target = path + ("?" + signed_query if signed_query else "")
    _compare(method, lower["host"][0], signing_target, headers, names, body, akid, secret, token, region,
             scope_service, amz_date, payload_hash, signature, values["X-Amz-SignedHeaders"])
