CREATE TABLE "organisation_keys" (
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"version" integer NOT NULL,
	"provider" text NOT NULL,
	"wrapped_key" "bytea",
	"kms_key_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	CONSTRAINT "organisation_keys_org_id_kind_version_pk" PRIMARY KEY("org_id","kind","version"),
	CONSTRAINT "organisation_keys_version_positive" CHECK ("organisation_keys"."version" >= 1),
	CONSTRAINT "organisation_keys_kms_wrapped" CHECK (("organisation_keys"."provider" = 'kms') = ("organisation_keys"."wrapped_key" is not null))
);
--> statement-breakpoint
ALTER TABLE "secure_messages" ALTER COLUMN "subject" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "secure_messages" ALTER COLUMN "body_html" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "secure_messages" ALTER COLUMN "body_text" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "message_retention_days" integer;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "sender_may_recall" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "file_key" "bytea";--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "file_key_wrap" text;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "sealed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "data_key" "bytea";--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "key_version" integer;--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "subject_sealed" "bytea";--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "body_sealed" "bytea";--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "content_destroyed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "content_destroyed_reason" text;--> statement-breakpoint
ALTER TABLE "organisation_keys" ADD CONSTRAINT "organisation_keys_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organisation_keys_current_idx" ON "organisation_keys" USING btree ("org_id","kind","version") WHERE "organisation_keys"."retired_at" is null;--> statement-breakpoint
CREATE INDEX "attachments_plain_idx" ON "attachments" USING btree ("id") WHERE not "attachments"."sealed";--> statement-breakpoint
CREATE INDEX "secure_messages_plain_idx" ON "secure_messages" USING btree ("id") WHERE "secure_messages"."subject" is not null;--> statement-breakpoint
CREATE INDEX "secure_messages_key_version_idx" ON "secure_messages" USING btree ("org_id","key_version") WHERE "secure_messages"."data_key" is not null;--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_retention_range" CHECK ("organisations"."message_retention_days" between 1 and 36500);