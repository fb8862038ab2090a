-- Unsent uploads belong to the message being written (its compose page's draft id), not to the
-- user as a whole: each message has its own 50 MB, and uploads left behind by an abandoned draft
-- no longer count against the next one. Uploads from before have no draft id and count as one
-- old draft of their own.
ALTER TABLE "attachments" ADD COLUMN "draft_id" uuid;--> statement-breakpoint
CREATE INDEX "attachments_unsent_idx" ON "attachments" USING btree ("uploaded_by","draft_id") WHERE "attachments"."message_id" is null;