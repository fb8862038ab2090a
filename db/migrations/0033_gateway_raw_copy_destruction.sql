DROP INDEX "gateway_messages_plain_idx";--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "report_of" uuid;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "raw_copy_removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "content_destroyed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "content_destroyed_reason" text;--> statement-breakpoint
CREATE INDEX "gateway_messages_raw_copy_kept_idx" ON "gateway_messages" USING btree ("received_at") WHERE "gateway_messages"."raw_copy_removed_at" is null;--> statement-breakpoint
CREATE INDEX "gateway_messages_report_of_idx" ON "gateway_messages" USING btree ("report_of") WHERE "gateway_messages"."report_of" is not null;--> statement-breakpoint
CREATE INDEX "gateway_recipients_secure_message_idx" ON "gateway_recipients" USING btree ("secure_message_id") WHERE "gateway_recipients"."secure_message_id" is not null;--> statement-breakpoint
CREATE INDEX "gateway_messages_plain_idx" ON "gateway_messages" USING btree ("id") WHERE "gateway_messages"."file_key" is null and "gateway_messages"."content_destroyed_at" is null;