CREATE TABLE "message_drafts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"in_reply_to" uuid,
	"data_key" "bytea" NOT NULL,
	"key_wrap" text NOT NULL,
	"content_sealed" "bytea" NOT NULL,
	"read_receipt" boolean DEFAULT false NOT NULL,
	"restriction" text DEFAULT 'none' NOT NULL,
	"expire_days" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_drafts_expire_days" CHECK ("message_drafts"."expire_days" in (1, 7, 30))
);
--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "logo" "bytea";--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "logo_content_type" text;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "logo_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "message_recipients" ADD COLUMN "thread_id" uuid;--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "thread_id" uuid;--> statement-breakpoint
ALTER TABLE "message_drafts" ADD CONSTRAINT "message_drafts_user_id_portal_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."portal_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_drafts" ADD CONSTRAINT "message_drafts_in_reply_to_secure_messages_id_fk" FOREIGN KEY ("in_reply_to") REFERENCES "public"."secure_messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_drafts_user_idx" ON "message_drafts" USING btree ("user_id","updated_at");--> statement-breakpoint
CREATE INDEX "message_recipients_thread_idx" ON "message_recipients" USING btree ("user_id","thread_id","sent_at");--> statement-breakpoint
CREATE INDEX "secure_messages_thread_idx" ON "secure_messages" USING btree ("thread_id");--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_logo_pair" CHECK (("organisations"."logo" is null) = ("organisations"."logo_content_type" is null));
-- custom sql begin (portal_everyday)
-- Conversations for messages written before them: every reply chain shares its first message's id,
-- and each recipient's copy carries it (the inbox groups by it).
WITH RECURSIVE chain AS (
  SELECT m.id, m.id AS thread_id FROM secure_messages m
  WHERE m.in_reply_to IS NULL OR NOT EXISTS (SELECT 1 FROM secure_messages p WHERE p.id = m.in_reply_to)
  UNION ALL
  SELECT m.id, c.thread_id FROM secure_messages m JOIN chain c ON m.in_reply_to = c.id
)
UPDATE secure_messages m SET thread_id = chain.thread_id FROM chain WHERE m.id = chain.id AND m.thread_id IS NULL;
--> statement-breakpoint
UPDATE message_recipients r SET thread_id = m.thread_id FROM secure_messages m WHERE m.id = r.message_id AND r.thread_id IS NULL AND m.thread_id IS NOT NULL;
-- custom sql end (portal_everyday)
