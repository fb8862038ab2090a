ALTER TABLE "gateway_messages" ALTER COLUMN "subject" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "gateway_messages" ALTER COLUMN "subject" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "subject_sealed" "bytea";--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "file_key" "bytea";--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "file_key_wrap" text;--> statement-breakpoint
CREATE INDEX "gateway_messages_plain_idx" ON "gateway_messages" USING btree ("id") WHERE "gateway_messages"."file_key" is null;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD CONSTRAINT "gateway_messages_file_key_pair" CHECK (("gateway_messages"."file_key" is null) = ("gateway_messages"."file_key_wrap" is null));