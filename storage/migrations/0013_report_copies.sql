-- The network report's copy to staff, sent with a round's summary (the week before the
-- quarterly meeting): when it was queued, so it goes once whatever restarts happen.
ALTER TABLE checkin_rounds ADD COLUMN report_sent_at TEXT;
