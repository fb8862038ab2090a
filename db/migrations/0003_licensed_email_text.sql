UPDATE "licensed_emails" SET "email" = lower("email") WHERE "email" <> lower("email");--> statement-breakpoint
ALTER TABLE "licensed_emails" ALTER COLUMN "email" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "order_emails" ALTER COLUMN "email" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "licensed_emails" ADD CONSTRAINT "licensed_emails_email_lower" CHECK ("licensed_emails"."email" = lower("licensed_emails"."email"));