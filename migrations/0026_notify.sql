-- Notifications through the outbox (kinds sms, webhook and email of
-- migration 0023): what a citizen's SMS needs besides the case, the phones
-- that asked for no more SMS, and where a department hears of reminders and
-- supervision notices.

-- A citizen who filed through the portal with a phone while an SMS gateway was
-- configured: the language chosen on the portal, and the query code, kept so
-- that the closing SMS can carry the tracking and rating link (the filing SMS
-- carries it too). No row: no SMS for the case.
CREATE TABLE case_notify (
    case_id INTEGER PRIMARY KEY REFERENCES case_record (id),
    phone TEXT NOT NULL,
    lang TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    query_code TEXT NOT NULL
) STRICT;

-- A phone number that opted out of SMS (with the case whose code asked).
CREATE TABLE sms_optout (
    phone TEXT PRIMARY KEY,
    case_id INTEGER REFERENCES case_record (id),
    created_at INTEGER NOT NULL
) STRICT;

-- A unit's notice channels, set by an admin: a webhook (signed with its own
-- secret), an SMS phone and an e-mail address; '' for none.
CREATE TABLE org_unit_notify (
    unit_id INTEGER PRIMARY KEY REFERENCES org_unit (id),
    webhook_url TEXT NOT NULL DEFAULT '',
    webhook_secret TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
) STRICT;
