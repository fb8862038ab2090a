CREATE TABLE "sms_verifications" (
	"session_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"portal_user_id" uuid NOT NULL,
	"phone" text NOT NULL,
	"verified_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sms_verifications_session_id_org_id_pk" PRIMARY KEY("session_id","org_id")
);
--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "carries_secret" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "sms_challenges" ADD COLUMN "session_id" uuid;--> statement-breakpoint
ALTER TABLE "sms_challenges" ADD COLUMN "org_id" uuid;--> statement-breakpoint
ALTER TABLE "sms_verifications" ADD CONSTRAINT "sms_verifications_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sms_verifications_user_idx" ON "sms_verifications" USING btree ("portal_user_id");--> statement-breakpoint
ALTER TABLE "sms_challenges" ADD CONSTRAINT "sms_challenges_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sms_challenges_session_org_idx" ON "sms_challenges" USING btree ("session_id","org_id");--> statement-breakpoint
-- custom sql begin (sms2fa)
-- Challenges of the old sign-in-wide SMS step belong to no organisation and no session: nothing can use them.
DELETE FROM "sms_challenges" WHERE "org_id" IS NULL OR "session_id" IS NULL;
--> statement-breakpoint
-- Mail already queued with a secret in it is redacted once delivered, like new mail.
UPDATE "outbox_messages" SET "carries_secret" = true
WHERE "kind" IN ('password_reset', 'portal_password', 'sign_in_code', 'administrator_invitation')
   OR ("kind" = 'message_notification' AND "body_text" LIKE '%/secure/activate/%');
--> statement-breakpoint
-- Secrets already delivered (or given up on) by a real transport are redacted now; the demo outbox
-- ("outbox" transport) is where such mail is read, so it keeps its bodies.
UPDATE "outbox_messages" SET "body_text" = '[redacted after delivery]', "body_html" = CASE WHEN "body_html" = '' THEN '' ELSE '[redacted after delivery]' END
WHERE "carries_secret" AND "status" IN ('sent', 'failed') AND "transport" NOT IN ('outbox', '');
-- custom sql end (sms2fa)
