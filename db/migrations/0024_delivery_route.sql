ALTER TABLE "delivery_events" ADD COLUMN "tls_version" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery_events" ADD COLUMN "tls_verified" boolean;--> statement-breakpoint
ALTER TABLE "delivery_events" ADD COLUMN "route" text GENERATED ALWAYS AS (case when "delivery_events"."event" in ('dropped', 'unparsed') then null else case "delivery_events"."method" when 'secure_portal' then 'secure_portal' when 'sms_two_factor' then 'secure_portal_sms' when 'plain' then 'plain' else case when "delivery_events"."tls_verified" then 'tls_verified' else 'tls_unverified' end end end) STORED;
-- custom sql begin (DELIVERY_ROUTE_BACKFILL)
-- The gateway's attempts before this migration carried their TLS facts only in the diagnostic:
-- "(TLS TLSv1.3, certificate verified)", "(TLS unknown version, certificate not verified)", and the
-- demo outbox's "(TLS, certificate verified)". Read them back into the new columns.
UPDATE "delivery_events"
SET "tls_version" = coalesce(substring("diagnostic" from '\(TLS (TLSv[0-9.]+), certificate (?:not )?verified\)'), ''),
    "tls_verified" = "diagnostic" !~ 'certificate not verified\)'
WHERE "source" = 'gateway' AND "method" = 'tls' AND "diagnostic" ~ '\(TLS[^()]*, certificate (not )?verified\)';
-- custom sql end (DELIVERY_ROUTE_BACKFILL)
