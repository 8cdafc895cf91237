-- Notifications through the outbox (kinds sms, webhook and email of
-- migration 0023): what a citizen's SMS needs besides the case, the phones
-- that asked for no more SMS, and where a department hears of reminders and
-- supervision notices.

-- A citizen who filed through the portal with a phone while an SMS gateway was
-- configured: the language chosen on the portal, and the query code, kept so
-- that the closing SMS can carry the tracking and rating link (the filing SMS
-- carries it too). No row: no SMS for the case.
CREATE TABLE case_notify (
    case_id bigint PRIMARY KEY REFERENCES case_record (id),
    phone text NOT NULL,
    lang text NOT NULL CHECK (lang IN ('zh', 'en')),
    query_code text NOT NULL
);

-- A phone number that opted out of SMS (with the case whose code asked).
CREATE TABLE sms_optout (
    phone text PRIMARY KEY,
    case_id bigint REFERENCES case_record (id),
    created_at bigint NOT NULL
);

-- A unit's notice channels, set by an admin: a webhook (signed with its own
-- secret), an SMS phone and an e-mail address; '' for none.
CREATE TABLE org_unit_notify (
    unit_id bigint PRIMARY KEY REFERENCES org_unit (id),
    webhook_url text NOT NULL DEFAULT '',
    webhook_secret text NOT NULL DEFAULT '',
    phone text NOT NULL DEFAULT '',
    email text NOT NULL DEFAULT '',
    updated_at bigint NOT NULL
);
