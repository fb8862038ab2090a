ALTER TABLE "subscriptions" ADD COLUMN "licenses_used" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Licenses in use, kept with the addresses instead of counted on every page (an organisation of
-- 10,000 addresses cost PostgreSQL 0.7 ms per page view to count). Statement-level triggers with
-- transition tables keep it for every insert, delete and move, one update per statement however
-- many rows it touched (a CSV import of 100,000 addresses is one update), and whoever makes the
-- change (the app, the seed, a bulk load in SQL). Every change is serialised on the subscription
-- row, which the app locks first (lib/licensing/add-licensed-emails.ts lockSubscription).
UPDATE "subscriptions" s SET "licenses_used" = (SELECT count(*) FROM "licensed_emails" e WHERE e."org_id" = s."org_id");
--> statement-breakpoint
-- Inserts and deletes: each trigger names its rows changed_rows and passes 1 or -1.
CREATE FUNCTION licenses_used_after_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE subscriptions s SET licenses_used = s.licenses_used + TG_ARGV[0]::int * n.changed
  FROM (SELECT org_id, count(*)::int AS changed FROM changed_rows GROUP BY org_id) n
  WHERE s.org_id = n.org_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A rename keeps the organisation: only rows that moved to another organisation change counts.
CREATE FUNCTION licenses_used_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE subscriptions s SET licenses_used = s.licenses_used + d.delta
  FROM (
    SELECT org_id, sum(delta)::int AS delta
    FROM (SELECT org_id, 1 AS delta FROM new_rows UNION ALL SELECT org_id, -1 FROM old_rows) x
    GROUP BY org_id
    HAVING sum(delta) <> 0
  ) d
  WHERE s.org_id = d.org_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A subscription created after its organisation's addresses starts from their number.
CREATE FUNCTION licenses_used_on_new_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.licenses_used := (SELECT count(*) FROM licensed_emails WHERE org_id = NEW.org_id);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER licenses_used_insert AFTER INSERT ON "licensed_emails" REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION licenses_used_after_change('1');
--> statement-breakpoint
CREATE TRIGGER licenses_used_delete AFTER DELETE ON "licensed_emails" REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION licenses_used_after_change('-1');
--> statement-breakpoint
CREATE TRIGGER licenses_used_update AFTER UPDATE ON "licensed_emails" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION licenses_used_after_update();
--> statement-breakpoint
CREATE TRIGGER licenses_used_new_subscription BEFORE INSERT ON "subscriptions" FOR EACH ROW EXECUTE FUNCTION licenses_used_on_new_subscription();
