CREATE TABLE "raw_bounces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"event_id" bigint NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"size" integer NOT NULL,
	"truncated" boolean DEFAULT false NOT NULL,
	"content" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"address" text NOT NULL,
	"source" text NOT NULL,
	"reason" text NOT NULL,
	"detail" text DEFAULT '' NOT NULL,
	"event_id" bigint,
	"created_by" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppressions_address_lower" CHECK ("suppressions"."address" = lower("suppressions"."address"))
);
--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "soft_bounce_limit" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "soft_bounce_days" integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery_events" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "delivery_events" ADD COLUMN "reported_class" text;--> statement-breakpoint
ALTER TABLE "delivery_events" ADD COLUMN "dsn_action" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "raw_bounces" ADD CONSTRAINT "raw_bounces_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "raw_bounces_org_event_idx" ON "raw_bounces" USING btree ("org_id","event_id");--> statement-breakpoint
CREATE INDEX "raw_bounces_expires_idx" ON "raw_bounces" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "suppressions_org_address_key" ON "suppressions" USING btree ("org_id","address");--> statement-breakpoint
CREATE INDEX "suppressions_org_created_idx" ON "suppressions" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "suppressions_address_trgm" ON "suppressions" USING gin ("address" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "delivery_events_org_recipient_time_idx" ON "delivery_events" USING btree ("org_id","recipient","occurred_at");