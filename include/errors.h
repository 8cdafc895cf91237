// SPDX-License-Identifier: MIT
// The stable error codes of the API's error envelope
// {"error":{"code":"...","message":"...","field":"..."}} ("field" only when one
// input is to blame). Clients and tests rely on these strings: add new ones,
// never rename.
#ifndef CHENGGUAN_ERRORS_H
#define CHENGGUAN_ERRORS_H

#define ERR_BAD_PATH            "bad_path"
#define ERR_BAD_REQUEST         "bad_request"
#define ERR_INVALID_JSON        "invalid_json"
#define ERR_INVALID_UTF8        "invalid_utf8"
#define ERR_UNKNOWN_FIELD       "unknown_field"
#define ERR_MISSING_FIELD       "missing_field"
#define ERR_INVALID_FIELD       "invalid_field"
#define ERR_INVALID_QUERY       "invalid_query"
#define ERR_UNAUTHENTICATED     "unauthenticated"
#define ERR_INVALID_CREDENTIALS "invalid_credentials"
#define ERR_FORBIDDEN           "forbidden"
#define ERR_CSRF                "csrf_token_invalid"
#define ERR_NOT_FOUND           "not_found"
#define ERR_METHOD_NOT_ALLOWED  "method_not_allowed"
#define ERR_CONFLICT            "conflict"
#define ERR_STALE_VERSION       "stale_version"
#define ERR_ILLEGAL_TRANSITION  "illegal_transition"
#define ERR_PAYLOAD_TOO_LARGE   "payload_too_large"
#define ERR_UNSUPPORTED_MEDIA   "unsupported_media_type"
#define ERR_UNPROCESSABLE       "unprocessable"
#define ERR_RATE_LIMITED        "rate_limited"
#define ERR_INTERNAL            "internal_error"
#define ERR_UNAVAILABLE         "unavailable"
#define ERR_INSUFFICIENT_STORAGE "insufficient_storage"
#define ERR_PHOTO_REUSED        "photo_reused"
#define ERR_TICKET_CONFLICT     "ticket_conflict"

#endif
