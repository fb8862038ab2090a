DROP INDEX "gateway_recipients_awaiting_idx";--> statement-breakpoint
ALTER TABLE "gateway_recipients" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "gateway_recipients" ADD COLUMN "first_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gateway_recipients" ADD COLUMN "last_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gateway_recipients" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "gateway_recipients_awaiting_idx" ON "gateway_recipients" USING btree ("updated_at") WHERE "gateway_recipients"."status" in ('queued_for_delivery', 'deferred');