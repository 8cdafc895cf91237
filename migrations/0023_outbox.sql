-- The transactional outbox: every message that must leave the system (a
-- hotline platform's callback, later SMS, webhooks and e-mail) is a row written
-- in the same transaction as the change that causes it. The delivery thread
-- (src/core/outbox_sender.c) sends the due rows, oldest first per case, and
-- marks a row delivered only after the receiver answered 2xx, so a crash or a
-- kill -9 between commit and delivery loses nothing (it is sent again, with the
-- same idempotency key).

-- A hotline platform's callback, per API token: where the changes of the cases
-- it filed are pushed, and the secret that signs them (HMAC-SHA256; kept in
-- clear, it must be: the server signs with it). Only http and https URLs,
-- registered by an admin.
CREATE TABLE token_callback (
    token_id INTEGER PRIMARY KEY REFERENCES api_token (id),
    url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- The token that filed a case (a hotline intake): whose callback hears of it,
-- and who may read it back by its ticket number.
CREATE TABLE case_filer_token (
    case_id INTEGER PRIMARY KEY REFERENCES case_record (id),
    token_id INTEGER NOT NULL REFERENCES api_token (id)
) STRICT;

-- One message. kind names the sender; target is what that sender needs (the
-- token id for a hotline, later a URL, a phone number or an address). case_id
-- orders a case's messages (NULL: no order). The idempotency key is made from
-- what caused the message (the case event), so it never changes across retries.
CREATE TABLE outbox_message (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('hotline', 'sms', 'webhook', 'email')),
    target TEXT NOT NULL,
    case_id INTEGER REFERENCES case_record (id),
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    delivered_at INTEGER
) STRICT;
-- What is due (pending only, so the delivered history costs the scan nothing),
-- what blocks a case's later messages, and the admin's lists by state.
CREATE INDEX outbox_due ON outbox_message (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_case_pending ON outbox_message (case_id, id) WHERE state = 'pending';
CREATE INDEX outbox_state ON outbox_message (state, id);
